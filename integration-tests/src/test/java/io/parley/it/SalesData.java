package io.parley.it;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The federated table {@code sales} of the tests, generated per party from a seeded
 * {@link Random}: regions shared by all parties and regions at only some, a few null regions,
 * amounts, units, prices and weights, BIGINT byte counts whose sums pass 2^32, and nulls in
 * every measure. Written as CSV with a header row or as Parquet, to any Hadoop path.
 */
final class SalesData {
  static final String TABLE = "sales";
  static final String SCHEMA_DDL =
      "region STRING, amount DECIMAL(12,2), units INT, bytes BIGINT, price DOUBLE, weight DOUBLE";
  static final StructType SCHEMA = StructType.fromDDL(SCHEMA_DDL);

  /** Regions per party: north and south everywhere, the others at one or two parties only. */
  private static final Map<String, List<String>> REGIONS =
      Map.of(
          "alpha", List.of("north", "south", "east", "alpine_meadows"),
          "beta", List.of("north", "south", "east", "bayside"),
          "gamma", List.of("north", "south", "bayside", "glenfinnan"),
          "delta", List.of("north", "south", "east", "fjordland"));

  /** Group keys that only some parties hold: the coordinator must never see them in plain text. */
  static final List<String> PARTIAL_REGIONS = List.of("alpine_meadows", "bayside", "glenfinnan", "fjordland");

  private SalesData() {}

  static List<Row> rows(long seed, String party, int count) {
    List<String> regions = REGIONS.get(party);
    if (regions == null) {
      throw new IllegalArgumentException("no data plan for party " + party);
    }
    Random random = new Random(seed * 31 + party.hashCode());
    List<Row> rows = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      // Skewed choice, so groups differ in size and a HAVING threshold drops some.
      int pick = Math.min(regions.size() - 1, (int) Math.floor(Math.abs(random.nextGaussian()) * 1.8));
      String region = party.equals("beta") && random.nextInt(60) == 0 ? null : regions.get(pick);
      BigDecimal amount = random.nextInt(40) == 0 ? null : BigDecimal.valueOf(random.nextInt(100_000), 2);
      Integer units = random.nextInt(25) == 0 ? null : random.nextInt(56) - 5;
      Long bytes = random.nextInt(30) == 0 ? null : (long) (random.nextDouble() * 5_000_000_000L);
      Double price = random.nextInt(35) == 0 ? null : 100.0 + 30.0 * random.nextGaussian() + pick * 7.5;
      Double weight = price == null || random.nextInt(50) == 0 ? null : 0.5 * price + 4.0 * random.nextGaussian();
      rows.add(RowFactory.create(region, amount, units, bytes, price, weight));
    }
    return rows;
  }

  /** One CSV file with a header row; nulls are empty cells, numbers exactly as Java prints them. */
  static void writeCsv(String path, List<Row> rows) {
    StringBuilder csv = new StringBuilder(String.join(",", SCHEMA.fieldNames())).append('\n');
    for (Row row : rows) {
      for (int c = 0; c < row.length(); c++) {
        if (c > 0) {
          csv.append(',');
        }
        Object value = row.get(c);
        csv.append(value == null ? "" : value instanceof BigDecimal decimal ? decimal.toPlainString() : value.toString());
      }
      csv.append('\n');
    }
    Path file = new Path(path);
    try {
      FileSystem fs = file.getFileSystem(new Configuration());
      fs.mkdirs(file.getParent());
      try (OutputStream out = fs.create(file, true)) {
        out.write(csv.toString().getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /** A Parquet folder written by Spark (two files, so the party reads more than one partition). */
  static void writeParquet(SparkSession spark, String path, List<Row> rows) {
    spark.createDataFrame(rows, SCHEMA).repartition(2).write().mode("overwrite").parquet(path);
  }

  /** A party's local part as the federation's schema reads it, from the CSV or Parquet at {@code path}. */
  static Dataset<Row> read(SparkSession spark, String path) {
    return path.endsWith(".csv")
        ? spark.read().schema(SCHEMA).option("header", "true").csv(path)
        : spark.read().schema(SCHEMA).parquet(path);
  }
}
