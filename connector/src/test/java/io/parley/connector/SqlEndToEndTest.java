package io.parley.connector;

import static io.parley.connector.ParleyFunctions.secureAvg;
import static io.parley.connector.ParleyFunctions.secureCorr;
import static io.parley.connector.ParleyFunctions.secureCountAll;
import static io.parley.connector.ParleyFunctions.secureSum;
import static io.parley.connector.ResultComparison.assertSameResult;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.corr;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import io.parley.connector.testing.FederationHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Federated secure_* SQL end to end: three parties and a coordinator in one JVM, each query run
 * by party alpha and compared with plain Spark over the three parties' pooled rows.
 */
class SqlEndToEndTest {
  private static final String SALES_SCHEMA = "region STRING, amount DECIMAL(12,2), units INT, price DOUBLE";
  private static final List<String> PARTIES = List.of("alpha", "beta", "gamma");

  @TempDir static Path dir;
  private static FederationHarness harness;
  private static SparkSession spark;

  @BeforeAll
  static void startFederation() throws IOException {
    Map<String, Path> salesByParty = new java.util.LinkedHashMap<>();
    for (int p = 0; p < PARTIES.size(); p++) {
      String party = PARTIES.get(p);
      Path csv = dir.resolve(party + "-sales.csv");
      Files.writeString(csv, salesCsv(p, new Random(1000 + p)));
      salesByParty.put(party, csv);
    }
    harness = FederationHarness.start(dir, Map.of("sales", SALES_SCHEMA), Map.of("sales", salesByParty));
    spark = harness.session("alpha");
    spark.read().schema(StructType.fromDDL(SALES_SCHEMA)).option("header", "true")
        .csv(salesByParty.values().stream().map(Path::toString).toArray(String[]::new))
        .createOrReplaceTempView("pooled_sales");
  }

  @AfterAll
  static void stopFederation() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  /**
   * Rows of party {@code p}: east and west everywhere, south only at alpha and beta, north only at
   * gamma; some amounts and prices are null.
   */
  private static String salesCsv(int p, Random random) {
    String[] regions = p == 2 ? new String[] {"east", "west", "north"} : new String[] {"east", "west", "south"};
    StringBuilder csv = new StringBuilder("region,amount,units,price\n");
    int rows = 40 + 10 * p;
    for (int i = 0; i < rows; i++) {
      String region = regions[random.nextInt(regions.length)];
      String amount = random.nextInt(10) == 0 ? "" : String.format(Locale.ROOT, "%d.%02d", random.nextInt(1000), random.nextInt(100));
      int units = 1 + random.nextInt(20);
      String price = random.nextInt(12) == 0 ? "" : Double.toString(random.nextDouble() * 50 - 5);
      csv.append(region).append(',').append(amount).append(',').append(units).append(',').append(price).append('\n');
    }
    return csv.toString();
  }

  /** The same query in plain Spark over the pooled rows. */
  private static Dataset<Row> plain(String secureSql) {
    String plainSql =
        secureSql.replace("secure_count(*)", "count(*)")
            .replace("secure_", "")
            .replace("FROM parley.sales", "FROM pooled_sales")
            .replace("FROM sales", "FROM pooled_sales");
    return spark.sql(plainSql);
  }

  private static void assertLikePlainSpark(String secureSql, int groupColumns) {
    assertSameResult(spark.sql(secureSql), plain(secureSql), groupColumns);
  }

  @Test
  void everyFunctionOverTheWholeFederation() {
    assertLikePlainSpark(
        "SELECT secure_sum(amount) AS sum_amount, secure_sum(units) AS sum_units, secure_sum(price) AS sum_price,"
            + " secure_count(*) AS n, secure_count(amount) AS n_amount,"
            + " secure_avg(amount) AS avg_amount, secure_avg(units) AS avg_units, secure_avg(price) AS avg_price,"
            + " secure_var_samp(price) AS var_samp, secure_var_pop(units) AS var_pop,"
            + " secure_stddev_samp(amount) AS stddev_samp, secure_stddev_pop(price) AS stddev_pop,"
            + " secure_covar_samp(units, price) AS covar, secure_corr(amount, price) AS corr FROM sales",
        -1);
  }

  @Test
  void groupsPresentAtOnlySomePartiesHaveTheirFullTotals() {
    assertLikePlainSpark(
        "SELECT region, secure_sum(amount) AS total, secure_count(*) AS n, secure_avg(price) AS mean,"
            + " secure_stddev_samp(units) AS spread, secure_corr(units, price) AS r FROM sales GROUP BY region",
        1);
  }

  @Test
  void groupByExpressionIsAHistogram() {
    assertLikePlainSpark(
        "SELECT width_bucket(amount, 0, 1000, 20) AS bucket, secure_count(*) AS n, secure_sum(units) AS units"
            + " FROM sales GROUP BY width_bucket(amount, 0, 1000, 20)",
        1);
  }

  @Test
  void whereHavingOrderByAndLimit() {
    assertLikePlainSpark(
        "SELECT region, secure_sum(amount) AS total, secure_count(*) AS n FROM sales WHERE units > 3"
            + " GROUP BY region HAVING secure_count(*) > 5 ORDER BY total DESC LIMIT 2",
        -1);
  }

  @Test
  void emptySelectionGivesSparksEmptyAggregates() {
    assertLikePlainSpark(
        "SELECT secure_sum(amount) AS total, secure_count(*) AS n, secure_avg(price) AS mean FROM sales"
            + " WHERE units > 1000",
        -1);
  }

  @Test
  void dataFrameApi() {
    Dataset<Row> secure =
        spark.read().format("parley").option("table", "sales").load()
            .where(col("units").gt(2))
            .groupBy("region")
            .agg(secureSum(col("amount")).as("total"), secureCountAll().as("n"),
                secureAvg(col("units")).as("mean"), secureCorr(col("amount"), col("price")).as("r"));
    Dataset<Row> plain =
        spark.table("pooled_sales")
            .where(col("units").gt(2))
            .groupBy("region")
            .agg(sum(col("amount")).as("total"), count(lit(1)).as("n"),
                avg(col("units")).as("mean"), corr(col("amount"), col("price")).as("r"));
    assertSameResult(secure, plain, 1);
  }

  @Test
  void catalogForm() {
    assertLikePlainSpark(
        "SELECT region, secure_sum(units) AS units, secure_var_pop(amount) AS v FROM parley.sales GROUP BY region",
        1);
  }
}
