package io.parley.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Compares a secure query's result with plain Spark's on the pooled rows: same column names and
 * types, and the same values: exactly for integers and DECIMAL, within 1e-9 relative for DOUBLE.
 */
final class ResultComparison {
  static final double RELATIVE_TOLERANCE = 1e-9;

  private ResultComparison() {}

  /**
   * @param groupColumns how many leading columns identify a row (rows are matched after sorting by
   *     them), or -1 when the query's own ORDER BY fixes the order
   */
  static void assertSameResult(Dataset<Row> secure, Dataset<Row> plain, int groupColumns) {
    StructType expectedSchema = plain.schema();
    StructType actualSchema = secure.schema();
    assertEquals(expectedSchema.size(), actualSchema.size(), "columns: " + actualSchema.simpleString());
    for (int i = 0; i < expectedSchema.size(); i++) {
      StructField expected = expectedSchema.fields()[i];
      StructField actual = actualSchema.fields()[i];
      assertEquals(expected.name(), actual.name(), "name of column " + i);
      assertEquals(expected.dataType(), actual.dataType(), "type of column " + expected.name());
    }
    List<Row> expectedRows = new ArrayList<>(plain.collectAsList());
    List<Row> actualRows = new ArrayList<>(secure.collectAsList());
    if (groupColumns >= 0) {
      Comparator<Row> byGroup = Comparator.comparing(row -> groupKey(row, groupColumns));
      expectedRows.sort(byGroup);
      actualRows.sort(byGroup);
    }
    assertEquals(expectedRows.size(), actualRows.size(), () -> "rows: " + actualRows + " expected " + expectedRows);
    for (int r = 0; r < expectedRows.size(); r++) {
      for (int c = 0; c < expectedSchema.size(); c++) {
        assertSameValue(
            expectedRows.get(r).get(c),
            actualRows.get(r).get(c),
            "row " + r + " column " + expectedSchema.fields()[c].name() + " of " + actualRows.get(r));
      }
    }
  }

  private static String groupKey(Row row, int groupColumns) {
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < groupColumns; i++) {
      key.append(row.isNullAt(i) ? "\u0000null" : String.valueOf(row.get(i))).append('\u0001');
    }
    return key.toString();
  }

  static void assertSameValue(Object expected, Object actual, String where) {
    if (expected == null) {
      assertNull(actual, where);
      return;
    }
    if (actual == null) {
      fail(where + ": expected " + expected + " but was null");
    }
    if (expected instanceof Double e && actual instanceof Double a) {
      if (e.isNaN() || e.isInfinite()) {
        assertEquals(e, a, where);
        return;
      }
      double scale = Math.max(Math.abs(e), Math.abs(a));
      assertTrue(
          Math.abs(e - a) <= RELATIVE_TOLERANCE * scale,
          () -> where + ": expected " + e + " but was " + a);
      return;
    }
    if (expected instanceof BigDecimal e && actual instanceof BigDecimal a) {
      assertEquals(e, a, where); // same value and the same scale, as Spark's type fixes it
      return;
    }
    assertEquals(expected, actual, where);
  }
}
