package io.parley.it;

import java.math.BigDecimal;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What one party's secure aggregation must never disclose: its own per-group statistics (the
 * counts, sums, sums of squares and of products that secure_* functions combine), computed with
 * plain Spark from that party's rows alone, and fed to a {@link TranscriptScan}.
 */
final class LocalStatistics {
  private static final String STATISTICS =
      "count(*), count(amount), sum(amount), sum(amount * amount),"
          + " count(units), sum(units), sum(cast(units AS BIGINT) * units),"
          + " count(bytes), sum(bytes),"
          + " count(price), sum(price), sum(price * price),"
          + " count(weight), sum(weight), sum(weight * weight),"
          + " count(price * weight), sum(price * weight),"
          + " sum(CASE WHEN weight IS NOT NULL THEN price END), sum(CASE WHEN price IS NOT NULL THEN weight END)";

  private LocalStatistics() {}

  /**
   * Adds every statistic of {@code party}'s rows at {@code path}, per group of {@code groupBy}
   * (or over all rows when empty) under {@code filter} (or none when empty), to {@code scan}.
   * Returns how many groups the party has.
   */
  static int addTo(TranscriptScan scan, SparkSession spark, String party, String path, String filter, String groupBy) {
    String view = "local_" + party;
    SalesData.read(spark, path).createOrReplaceTempView(view);
    String sql = "SELECT " + STATISTICS + " FROM " + view
        + (filter.isEmpty() ? "" : " WHERE " + filter)
        + (groupBy.isEmpty() ? "" : " GROUP BY " + groupBy);
    List<Row> groups = spark.sql(sql).collectAsList();
    for (int g = 0; g < groups.size(); g++) {
      Row row = groups.get(g);
      for (int c = 0; c < row.length(); c++) {
        Object value = row.get(c);
        String what = party + "'s local statistic " + (c + 1) + " of group " + (g + 1)
            + (groupBy.isEmpty() ? "" : " by " + groupBy) + (filter.isEmpty() ? "" : " where " + filter);
        if (value instanceof BigDecimal decimal) {
          scan.addNumber(decimal, what);
        } else if (value instanceof Double number) {
          scan.addDouble(number, what);
        } else if (value instanceof Number number) {
          scan.addNumber(BigDecimal.valueOf(number.longValue()), what);
        }
      }
    }
    return groups.size();
  }

  /** Adds every numeric cell of a result CSV ({@code parley sql --output}) to {@code scan}. */
  static void addResults(TranscriptScan scan, List<List<String>> csv, String what) {
    for (int r = 1; r < csv.size(); r++) {
      List<String> cells = csv.get(r);
      for (int c = 0; c < cells.size(); c++) {
        String cell = cells.get(c);
        if (cell.isEmpty()) {
          continue;
        }
        try {
          // A DOUBLE prints as the shortest text that reads back to the same bits, so this covers its IEEE form too.
          scan.addNumber(new BigDecimal(cell), what + " row " + r + " column " + csv.get(0).get(c));
        } catch (NumberFormatException notNumeric) {
          // a group key such as a region name: not a statistic
        }
      }
    }
  }
}
