package io.parley.jobs.data;

import io.parley.jobs.files.HadoopFiles;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The demo's rows: a {@code sales} table (region, DECIMAL amount, INT units with a few nulls), a
 * {@code readings} table (sensor, two correlated DOUBLE columns) and {@code bids}, drawn from a
 * seeded generator per party (some regions exist at only some parties, so a group's total needs
 * all of them); and {@code customers} and {@code orders}, each held by one party, for a private join.
 */
public final class DemoData {
  public static final String SALES_SCHEMA = "region STRING, amount DECIMAL(12,2), units INT";
  public static final String READINGS_SCHEMA = "sensor STRING, temperature DOUBLE, humidity DOUBLE";

  private static final List<String> SHARED_REGIONS = List.of("east", "north", "south", "west");
  private static final List<String> SENSORS = List.of("s1", "s2", "s3", "s4");

  private DemoData() {}

  /** Regions at party number {@code index} (0-based): the shared ones plus some only a few parties have. */
  static List<String> regions(int index) {
    List<String> regions = new ArrayList<>(SHARED_REGIONS);
    switch (index % 3) {
      case 0 -> regions.add("arctic");                           // only the first party
      case 1 -> regions.add("central");                          // second party ...
      default -> { regions.add("central"); regions.add("islands"); } // ... and third; islands only here
    }
    return regions;
  }

  public static final String BIDS_SCHEMA = "bid_id STRING, amount DECIMAL(12,2)";
  /** One party's customers (each identifier once), for the private join. */
  public static final String CUSTOMERS_SCHEMA = "customer_id STRING, segment STRING";
  /** Another party's orders (several per customer, many of customers the first party lacks). */
  public static final String ORDERS_SCHEMA = "customer_id STRING, amount DECIMAL(12,2)";

  /** About {@code rows} customers out of {@code 2 rows} possible identifiers, in two segments. */
  public static List<Row> customersRows(long seed, int rows) {
    Random random = new Random(seed * 3_000_017L);
    List<Row> result = new ArrayList<>(rows);
    for (int i = 0; i < 2 * rows; i++) {
      if (random.nextBoolean()) {
        result.add(RowFactory.create(customerId(i), random.nextInt(3) == 0 ? "business" : "retail"));
      }
    }
    return result;
  }

  /** {@code rows} orders of customers drawn from the same {@code 2 rows} identifiers. */
  public static List<Row> ordersRows(long seed, int rows) {
    Random random = new Random(seed * 4_000_037L);
    List<Row> result = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      result.add(RowFactory.create(customerId(random.nextInt(2 * rows)),
          BigDecimal.valueOf(random.nextInt(50_000), 2)));
    }
    return result;
  }

  private static String customerId(int number) {
    return String.format(java.util.Locale.ROOT, "c-%05d", number);
  }

  /** Bids of party number {@code partyIndex}: unique ids, amounts up to 999.99 (so equal amounts across parties occur). */
  public static List<Row> bidsRows(long seed, String party, int partyIndex, int rows) {
    Random random = new Random(seed * 5_000_011L + partyIndex);
    List<Row> result = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      result.add(RowFactory.create(String.format(java.util.Locale.ROOT, "%s-%04d", party, i),
          BigDecimal.valueOf(random.nextInt(100_000), 2)));
    }
    return result;
  }

  public static List<Row> salesRows(long seed, int partyIndex, int rows) {
    Random random = new Random(seed * 1_000_003L + partyIndex);
    List<String> regions = regions(partyIndex);
    List<Row> result = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      String region = regions.get(random.nextInt(regions.size()));
      BigDecimal amount = BigDecimal.valueOf(random.nextInt(100_000), 2).setScale(2, RoundingMode.UNNECESSARY);
      Integer units = random.nextInt(25) == 0 ? null : random.nextInt(20);
      result.add(RowFactory.create(region, amount, units));
    }
    return result;
  }

  public static List<Row> readingsRows(long seed, int partyIndex, int rows) {
    Random random = new Random(seed * 7_000_003L + 31L * partyIndex + 1);
    List<Row> result = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      String sensor = SENSORS.get(random.nextInt(SENSORS.size()));
      double temperature = 12.0 + 4.0 * partyIndex + 6.0 * random.nextGaussian();
      double humidity = 80.0 - 1.5 * temperature + 5.0 * random.nextGaussian();
      result.add(RowFactory.create(sensor, temperature, humidity));
    }
    return result;
  }

  /** Writes {@code rows} as one CSV file with a header row (what a party exports from a spreadsheet). */
  public static void writeCsv(HadoopFiles files, String path, StructType schema, List<Row> rows) {
    StringBuilder csv = new StringBuilder(String.join(",", schema.fieldNames())).append('\n');
    for (Row row : rows) {
      for (int c = 0; c < row.length(); c++) {
        if (c > 0) {
          csv.append(',');
        }
        Object value = row.get(c);
        csv.append(value == null ? "" : value instanceof BigDecimal d ? d.toPlainString() : value.toString());
      }
      csv.append('\n');
    }
    files.writeText(path, csv.toString());
  }

  /** Writes {@code rows} as a Parquet folder with Spark. */
  public static void writeParquet(SparkSession spark, String path, StructType schema, List<Row> rows) {
    spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
  }
}
