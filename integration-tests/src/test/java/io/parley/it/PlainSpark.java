package io.parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.parley.jobs.output.ResultComparison;
import io.parley.jobs.output.ResultTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;

/**
 * The reference answers: the same query text with {@code secure_x(...)} read as Spark's own
 * {@code x(...)} and the federated table read as {@code pooled_sales}, the union of every party's
 * rows; and the comparisons the issue asks for (counts, integers and DECIMALs exactly, DOUBLEs
 * within 1e-9 relative, rows in the same order).
 */
final class PlainSpark {
  static final String POOLED_VIEW = "pooled_sales";
  private static final Pattern SECURE_PREFIX = Pattern.compile("(?i)\\bsecure_(?=[a-z_]+\\s*\\()");
  private static final Pattern FEDERATED_TABLE = Pattern.compile("(?i)\\b(parley\\.)?" + SalesData.TABLE + "\\b");

  private PlainSpark() {}

  /** A session for plain Spark only: no Parley extensions, loopback, no UI. */
  static SparkSession plainSession(String appName) {
    return SparkSession.builder()
        .master("local[2]")
        .appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
  }

  /** Registers {@code pooled_sales}: every party's local part (CSV or Parquet, any Hadoop path) together. */
  static void registerPooledView(SparkSession spark, Map<String, String> salesPathByParty) {
    Dataset<Row> pooled = null;
    for (String path : salesPathByParty.values()) {
      Dataset<Row> part = SalesData.read(spark, path);
      pooled = pooled == null ? part : pooled.unionAll(part);
    }
    pooled.createOrReplaceTempView(POOLED_VIEW);
  }

  /** The plain-Spark text of a secure query. */
  static String plainSql(String secureSql) {
    String plain = SECURE_PREFIX.matcher(secureSql).replaceAll("");
    return FEDERATED_TABLE.matcher(plain).replaceAll(POOLED_VIEW);
  }

  /** Plain Spark's answer to {@code secureSql} over the pooled rows, collected. */
  static ResultTable answer(SparkSession spark, String secureSql) {
    return ResultTable.collect(spark.sql(plainSql(secureSql)));
  }

  /** Fails with the first difference between a secure result and plain Spark's, types included. */
  static void assertSameResult(ResultTable plain, ResultTable secure, String query) {
    Optional<String> difference = ResultComparison.difference(secure, plain);
    if (difference.isPresent()) {
      fail(difference.get() + "\nquery: " + query + "\nsecure:\n" + secure.render() + "plain Spark:\n" + plain.render());
    }
  }

  /**
   * Fails unless the CSV that {@code parley sql --output} wrote has plain Spark's header and, row
   * by row, its values: read with plain Spark's column types.
   */
  static void assertCsvMatches(ResultTable plain, Path csv, String query) {
    List<List<String>> lines = readCsv(csv);
    String context = "\nquery: " + query + "\nCSV " + csv + ":\n" + text(csv) + "plain Spark:\n" + plain.render();
    if (lines.isEmpty()) {
      fail("empty CSV" + context);
    }
    assertEquals(plain.columnNames(), lines.get(0), "header row" + context);
    assertEquals(plain.rows().size(), lines.size() - 1, "number of rows" + context);
    List<DataType> types = plain.columnTypes();
    for (int r = 0; r < plain.rows().size(); r++) {
      List<String> cells = lines.get(r + 1);
      assertEquals(types.size(), cells.size(), "cells in row " + (r + 1) + context);
      for (int c = 0; c < types.size(); c++) {
        Object expected = plain.rows().get(r).get(c);
        String cell = cells.get(c);
        if (!sameValue(types.get(c), expected, cell)) {
          fail("row " + (r + 1) + ", column " + plain.columnNames().get(c) + ": CSV has '" + cell + "', plain Spark "
              + ResultTable.text(expected) + context);
        }
      }
    }
  }

  private static boolean sameValue(DataType type, Object expected, String cell) {
    if (expected == null) {
      return cell.isEmpty();
    }
    if (cell.isEmpty()) {
      return type instanceof StringType && expected.toString().isEmpty();
    }
    try {
      if (type instanceof DecimalType) {
        return new BigDecimal(cell).compareTo((BigDecimal) expected) == 0;
      }
      if (type instanceof LongType || type instanceof IntegerType || type instanceof ShortType || type instanceof ByteType) {
        return Long.parseLong(cell) == ((Number) expected).longValue();
      }
      if (type instanceof DoubleType || type instanceof FloatType) {
        double secure = Double.parseDouble(cell);
        double reference = ((Number) expected).doubleValue();
        if (Double.isNaN(secure) || Double.isNaN(reference)) {
          return Double.isNaN(secure) && Double.isNaN(reference);
        }
        double scale = Math.max(Math.abs(secure), Math.abs(reference));
        return secure == reference || Math.abs(secure - reference) <= ResultComparison.DOUBLE_TOLERANCE * scale;
      }
      if (type instanceof BooleanType) {
        return Boolean.parseBoolean(cell) == (Boolean) expected;
      }
    } catch (NumberFormatException notANumber) {
      return false;
    }
    return cell.equals(ResultTable.text(expected));
  }

  /** An RFC 4180 CSV file as rows of cells (quoted cells may hold commas, quotes and newlines). */
  static List<List<String>> readCsv(Path csv) {
    String text = text(csv);
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cell.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        row.add(cell.toString());
        cell.setLength(0);
      } else if (ch == '\n' || ch == '\r') {
        if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          i++;
        }
        row.add(cell.toString());
        cell.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
      } else {
        cell.append(ch);
      }
    }
    if (cell.length() > 0 || !row.isEmpty()) {
      row.add(cell.toString());
      rows.add(row);
    }
    return rows;
  }

  private static String text(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
