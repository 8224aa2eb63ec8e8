package io.parley.connector;

import static io.parley.connector.ResultComparison.assertSameResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.testing.FederationHarness;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secure_* functions that compare, and small-group suppression, end to end on shares: three
 * compute parties and a coordinator in one JVM (real gRPC over TLS on loopback, real Spark
 * sessions), each query run by party alpha and compared with plain Spark over the pooled rows.
 */
class ShareSqlEndToEndTest {
  private static final String SALES_SCHEMA = "region STRING, id BIGINT, units INT, amount DECIMAL(12,2), price DOUBLE";
  private static final String EDGES_SCHEMA =
      "g STRING, id BIGINT, v BIGINT, d DOUBLE, m DECIMAL(18,3), f FLOAT, c INT";
  private static final String BIDS_SCHEMA = "item STRING, bid DECIMAL(10,2), bidder INT";
  private static final List<String> PARTIES = List.of("alpha", "beta", "gamma");
  /** Units of the two rows of region "tiny": large, so the transcript scan can look for them. */
  private static final int TINY_UNITS_ALPHA = 7_340_033;
  private static final int TINY_UNITS_BETA = 5_242_887;

  @TempDir static Path dir;
  private static FederationHarness harness;
  private static SparkSession spark;

  @BeforeAll
  static void startFederation() throws IOException {
    Map<String, Path> sales = new LinkedHashMap<>();
    Map<String, Path> edges = new LinkedHashMap<>();
    Map<String, Path> bids = new LinkedHashMap<>();
    for (int p = 0; p < PARTIES.size(); p++) {
      String party = PARTIES.get(p);
      sales.put(party, Files.writeString(dir.resolve(party + "-sales.csv"), salesCsv(p, new Random(3000 + p))));
      edges.put(party, Files.writeString(dir.resolve(party + "-edges.csv"), EDGES[p]));
      if (p < 2) {
        // gamma computes on bids without holding any: the table is not mapped there.
        bids.put(party, Files.writeString(dir.resolve(party + "-bids.csv"), bidsCsv(p, new Random(4000 + p))));
      }
    }
    // Percentile stages run 2 tasks per party (spark.parley.mpc.partitions) that wait on each other.
    harness = FederationHarness.start(dir, PARTIES, PARTIES, 8,
        Map.of("sales", SALES_SCHEMA, "edges", EDGES_SCHEMA, "bids", BIDS_SCHEMA),
        Map.of("sales", sales, "edges", edges, "bids", bids));
    spark = harness.session("alpha");
    pooled("sales", SALES_SCHEMA, sales);
    pooled("edges", EDGES_SCHEMA, edges);
    pooled("bids", BIDS_SCHEMA, bids);
  }

  private static void pooled(String table, String schema, Map<String, Path> parts) {
    spark.read().schema(StructType.fromDDL(schema)).option("header", "true")
        .option("nanValue", "NaN").option("positiveInf", "Inf").option("negativeInf", "-Inf")
        .csv(parts.values().stream().map(Path::toString).toArray(String[]::new))
        .createOrReplaceTempView("pooled_" + table);
  }

  @AfterAll
  static void stopFederation() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  /**
   * Rows of party {@code p}: east and west everywhere, south at alpha and beta, north at gamma, and
   * region tiny with one row at alpha and one at beta; ids unique over the federation; some amounts
   * and prices null.
   */
  private static String salesCsv(int p, Random random) {
    String[] regions = p == 2 ? new String[] {"east", "west", "north"} : new String[] {"east", "west", "south"};
    StringBuilder csv = new StringBuilder("region,id,units,amount,price\n");
    int rows = 25 + 5 * p;
    for (int i = 0; i < rows; i++) {
      String region = regions[random.nextInt(regions.length)];
      String amount = random.nextInt(10) == 0 ? "" : String.format(Locale.ROOT, "%d.%02d", random.nextInt(1000) - 200, random.nextInt(100));
      String price = random.nextInt(12) == 0 ? "" : Double.toString(random.nextDouble() * 50 - 5);
      csv.append(region).append(',').append(1000 * p + i).append(',').append(1 + random.nextInt(20)).append(',')
          .append(amount).append(',').append(price).append('\n');
    }
    if (p < 2) {
      csv.append("tiny,").append(1000 * p + 999).append(',').append(p == 0 ? TINY_UNITS_ALPHA : TINY_UNITS_BETA)
          .append(",1.00,2.5\n");
    }
    return csv.toString();
  }

  private static String bidsCsv(int p, Random random) {
    StringBuilder csv = new StringBuilder("item,bid,bidder\n");
    String[] items = {"lamp", "vase", "clock"};
    for (int i = 0; i < 12; i++) {
      csv.append(items[random.nextInt(p == 0 ? 3 : 2)]).append(',')
          .append(String.format(Locale.ROOT, "%d.%02d", random.nextInt(500), random.nextInt(100))).append(',')
          .append(100 * p + i).append('\n');
    }
    return csv.toString();
  }

  /**
   * Edge values: 0 and -0.0, -1, the long extremes, DECIMAL(18,3) extremes, infinities, NaN
   * (Spark orders it above +Infinity), equal values, a constant column, a group whose values are all
   * null, a group at gamma only, and a group whose row with the smallest id has a null d.
   */
  private static final String[] EDGES = {
      """
      g,id,v,d,m,f,c
      a,1,0,0.0,0.000,1.5,42
      a,2,-1,-0.0,-1.000,-2.5,42
      longs,3,9223372036854775807,Inf,999999999999999.999,3.5,42
      same,4,7,7.0,7.000,7.0,42
      nulls,5,,,,,42
      nan,6,1,NaN,1.500,NaN,42
      firstnull,7,4,,2.000,1.0,42
      """,
      """
      g,id,v,d,m,f,c
      a,11,5,-3.25,-0.001,-7.25,42
      longs,12,-9223372036854775808,-Inf,-999999999999999.999,-3.5,42
      same,13,7,7.0,7.000,7.0,42
      nulls,14,,,,,42
      nan,15,2,3.0,-2.500,3.0,42
      firstnull,17,-4,-8.5,3.000,2.0,42
      """,
      """
      g,id,v,d,m,f,c
      a,21,-7,-1.0E300,-5.125,-0.5,42
      longs,22,0,0.0,0.000,0.0,42
      same,23,7,7.0,7.000,7.0,42
      nan,24,3,-Inf,0.250,-1.0,42
      solo,25,-9,-2.0,-9.000,-9.0,42
      """};

  /** The same query in plain Spark over the pooled rows. */
  private static Dataset<Row> plain(String secureSql) {
    String plainSql = secureSql.replace("secure_count(*)", "count(*)").replace("secure_", "")
        .replaceAll("FROM (sales|edges|bids)", "FROM pooled_$1");
    return spark.sql(plainSql);
  }

  private static void assertLikePlainSpark(SparkSession session, String secureSql, int groupColumns) {
    assertSameResult(session.sql(secureSql), plain(secureSql), groupColumns);
  }

  private static final String EXTREMES =
      "secure_min(units) AS min_units, secure_max(units) AS max_units, secure_min(amount) AS min_amount,"
          + " secure_max(amount) AS max_amount, secure_min(price) AS min_price, secure_max(price) AS max_price,"
          + " secure_max_by(units, price) AS units_at_max_price, secure_min_by(amount, id) AS amount_at_min_id,"
          + " secure_max_by(price, id) AS price_at_max_id";

  @Test
  void extremesPerGroupMixedWithLinearFunctions() {
    assertLikePlainSpark(spark,
        "SELECT region, " + EXTREMES + ", secure_sum(amount) AS total, secure_count(*) AS n,"
            + " secure_avg(units) AS mean FROM sales GROUP BY region",
        1);
  }

  @Test
  void extremesOverTheWholeFederationWithWhere() {
    assertLikePlainSpark(spark,
        "SELECT " + EXTREMES + ", secure_count(price) AS priced FROM sales WHERE units > 3", -1);
    // No row passes: Spark's global aggregate gives one row of nulls (and a count of 0).
    assertLikePlainSpark(spark,
        "SELECT secure_min(units) AS lo, secure_max_by(amount, price) AS at, secure_count(*) AS n FROM sales"
            + " WHERE units > 1000", -1);
  }

  @Test
  void mediansAndPercentilesPerGroupMixedWithOtherFunctions() {
    assertLikePlainSpark(spark,
        "SELECT region, secure_median(price) AS med_price, secure_percentile(units, 0.25) AS q1_units,"
            + " secure_percentile(units, 0.9) AS p90_units, secure_percentile(amount, 1.0) AS top_amount,"
            + " secure_min(units) AS min_units, secure_sum(amount) AS total, secure_count(*) AS n"
            + " FROM sales GROUP BY region",
        1);
  }

  @Test
  void mediansAndPercentilesOverTheWholeFederationAndOfEdgeValues() {
    assertLikePlainSpark(spark,
        "SELECT secure_median(units) AS med, secure_percentile(price, 0) AS lowest, secure_count(*) AS n FROM sales",
        -1);
    assertLikePlainSpark(spark,
        "SELECT g, secure_median(v) AS med_v, secure_percentile(d, 0.5) AS med_d, secure_percentile(m, 0.75) AS q3_m,"
            + " secure_median(f) AS med_f, secure_median(c) AS med_c FROM edges GROUP BY g",
        1);
  }

  @Test
  void dataFrameApi() {
    Dataset<Row> secure = spark.read().format("parley").option("table", "sales").load()
        .where(org.apache.spark.sql.functions.col("units").gt(2))
        .groupBy("region")
        .agg(ParleyFunctions.secureMax(org.apache.spark.sql.functions.col("price")).as("top"),
            ParleyFunctions.secureMinBy(org.apache.spark.sql.functions.col("units"),
                org.apache.spark.sql.functions.col("id")).as("first_units"),
            ParleyFunctions.securePercentile(org.apache.spark.sql.functions.col("amount"), 0.5).as("mid"),
            ParleyFunctions.secureCountAll().as("n"));
    Dataset<Row> plain = spark.table("pooled_sales")
        .where(org.apache.spark.sql.functions.col("units").gt(2))
        .groupBy("region")
        .agg(org.apache.spark.sql.functions.max("price").as("top"),
            org.apache.spark.sql.functions.min_by(org.apache.spark.sql.functions.col("units"),
                org.apache.spark.sql.functions.col("id")).as("first_units"),
            org.apache.spark.sql.functions.percentile(org.apache.spark.sql.functions.col("amount"),
                org.apache.spark.sql.functions.lit(0.5)).as("mid"),
            org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1)).as("n"));
    assertSameResult(secure, plain, 1);
  }

  @Test
  void edgeValuesOfEveryType() {
    assertLikePlainSpark(spark,
        "SELECT g, secure_min(v) AS min_v, secure_max(v) AS max_v, secure_min(d) AS min_d, secure_max(d) AS max_d,"
            + " secure_min(m) AS min_m, secure_max(m) AS max_m, secure_min(f) AS min_f, secure_max(f) AS max_f,"
            + " secure_min(c) AS min_c, secure_max(c) AS max_c, secure_max_by(v, id) AS v_at_max_id,"
            + " secure_min_by(d, id) AS d_at_min_id, secure_max_by(c, d) AS c_at_max_d, secure_min_by(m, v) AS m_at_min_v,"
            + " secure_count(v) AS n_v FROM edges GROUP BY g",
        1);
  }

  @Test
  void aComputePartyWithoutTheTableTakesPartWithNoRows() {
    assertLikePlainSpark(harness.session("beta"),
        "SELECT item, secure_max(bid) AS top, secure_min_by(bidder, bid) AS lowest_bidder, secure_sum(bid) AS total,"
            + " secure_median(bid) AS med FROM bids GROUP BY item",
        1);
  }

  @Test
  void groupsBelowTheMinimumGroupSizeAreLeftOut() {
    SparkSession strict = harness.newSession("alpha", Map.of("spark.parley.policy.minGroupSize", "3"));
    String query = "SELECT region, secure_sum(units) AS units, secure_count(*) AS n FROM sales GROUP BY region";
    harness.clearTranscript();
    List<Row> rows = strict.sql(query).collectAsList();
    assertSameResult(strict.sql(query), plain(query + " HAVING count(*) >= 3"), 1);
    assertTrue(rows.stream().noneMatch(row -> row.getString(0).equals("tiny")), rows::toString);
    assertTrue(rows.size() >= 4, rows::toString);

    // The small group's statistics never reach the coordinator: not its units, nor their sum.
    Set<Long> secrets = new HashSet<>(List.of((long) TINY_UNITS_ALPHA, (long) TINY_UNITS_BETA,
        (long) TINY_UNITS_ALPHA + TINY_UNITS_BETA));
    List<FederationHarness.Received> transcript = harness.transcript();
    assertTrue(transcript.stream().anyMatch(r -> r.rpc().equals("Relay")), "shares travelled through the relay");
    assertTrue(transcript.stream().noneMatch(r -> r.rpc().equals("SubmitVector")), "no vector was summed in clear");
    for (FederationHarness.Received received : transcript) {
      List<Integer> found = FederationSafetyTest.leaks(received.message(), secrets);
      assertTrue(found.isEmpty(), () -> received.rpc() + " from " + received.party() + " holds a small group's units at "
          + found);
    }
  }

  @Test
  void theLargestMinimumGroupSizeOfTheComputePartiesApplies() {
    harness.startResponder("gamma", harness.newSession("gamma", Map.of("spark.parley.policy.minGroupSize", "20")));
    try {
      SparkSession lenient = harness.newSession("alpha", Map.of("spark.parley.policy.minGroupSize", "2"));
      String query = "SELECT region, secure_max(price) AS top, secure_count(*) AS n FROM sales GROUP BY region";
      assertSameResult(lenient.sql(query), plain(query + " HAVING count(*) >= 20"), 1);
      // Global aggregates are not suppressed.
      assertLikePlainSpark(lenient, "SELECT secure_min(units) AS lo, secure_count(*) AS n FROM sales", -1);
      // A Tier-1 GROUP BY reaches gamma as secure aggregation, which cannot suppress: gamma declines.
      String refused = failure(() -> spark.sql("SELECT region, secure_sum(units) FROM sales GROUP BY region").collect());
      assertTrue(refused.contains("party gamma's policy suppresses groups of fewer than 20 rows"
          + " (spark.parley.policy.minGroupSize)"), refused);
    } finally {
      harness.startResponder("gamma");
    }
  }

  @Test
  void callsItCannotComputeAreRefusedWithTheReason() {
    assertEquals("secure_percentile takes the percentage as a literal in [0, 1], not column units (INT)",
        failure(() -> spark.sql("SELECT secure_percentile(price, units) FROM sales").collect()));
    assertEquals("secure_percentile takes a percentage in [0, 1], not 1.5BD",
        failure(() -> spark.sql("SELECT secure_percentile(price, 1.5) FROM sales").collect()));
    assertEquals("secure_min cannot take column region (STRING): secure_min takes integral, DECIMAL(p<=18), FLOAT or"
            + " DOUBLE values, not STRING",
        failure(() -> spark.sql("SELECT secure_min(region) FROM sales").collect()));
    assertEquals("secure_max_by cannot take column units (INT), CAST(amount AS DECIMAL(30,2)) (DECIMAL(30,2)):"
            + " secure_max_by takes integral, DECIMAL(p<=18), FLOAT or DOUBLE values, not DECIMAL(30,2)",
        failure(() -> spark.sql("SELECT secure_max_by(units, CAST(amount AS DECIMAL(30,2))) FROM sales").collect()));
  }

  @Test
  void aFederationWithoutComputePartiesRefusesComparisons() throws IOException {
    String definition = Files.readString(Path.of(harness.settings("alpha").get("spark.parley.federation")))
        .replaceAll("federation\\.computeParties=.*\\n", "");
    Path withoutCompute = Files.writeString(dir.resolve("federation-no-compute.properties"), definition);
    SparkSession session = harness.newSession("alpha", Map.of("spark.parley.federation", withoutCompute.toString()));
    assertEquals("parley: secure_max over federated table sales runs on secret shares among three compute parties,"
            + " but federation harness names none: set federation.computeParties=a,b,c in its definition",
        failure(() -> session.sql("SELECT secure_max(units) FROM sales").collect()));
  }

  @Test
  void theCoordinatorTranscriptHoldsNoExtremeAndNoResult() {
    String query = "SELECT region, secure_max(price) AS top, secure_min(price) AS bottom FROM sales GROUP BY region";
    harness.clearTranscript();
    List<Row> result = spark.sql(query).collectAsList();
    Set<Long> secrets = new HashSet<>();
    for (Row row : spark.sql("SELECT region, max(price), min(price) FROM pooled_sales GROUP BY region").collectAsList()) {
      for (int i = 1; i < 3; i++) {
        if (!row.isNullAt(i)) {
          secrets.add(Double.doubleToLongBits(row.getDouble(i)));
        }
      }
    }
    for (String party : PARTIES) {
      for (Row row : spark.read().schema(StructType.fromDDL(SALES_SCHEMA)).option("header", "true")
          .csv(dir.resolve(party + "-sales.csv").toString()).where("price IS NOT NULL").select("price").collectAsList()) {
        long bits = Double.doubleToLongBits(row.getDouble(0));
        secrets.add(bits);
        secrets.add(bits ^ ((bits >> 63) & 0x7fffffffffffffffL));
      }
    }
    assertTrue(secrets.size() > 50, "values to look for: " + secrets.size());
    assertEquals(5, result.size());
    byte[] control = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(1)
        .putLong(secrets.iterator().next()).array();
    assertEquals(List.of(4), FederationSafetyTest.leaks(control, secrets));
    long bytes = 0;
    for (FederationHarness.Received received : harness.transcript()) {
      bytes += received.message().length;
      List<Integer> found = FederationSafetyTest.leaks(received.message(), secrets);
      assertTrue(found.isEmpty(), () -> received.rpc() + " from " + received.party() + " holds a value at " + found);
    }
    assertTrue(bytes > 10_000, "transcript of " + bytes + " bytes");
  }

  private static String failure(Executable query) {
    Throwable thrown = assertThrows(Throwable.class, query);
    List<String> messages = new ArrayList<>();
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      messages.add(t.getMessage());
    }
    // The innermost Parley message is the one a user acts on.
    for (int i = messages.size() - 1; i >= 0; i--) {
      String message = messages.get(i);
      if (message != null && (message.startsWith("secure_") || message.startsWith("parley:")
          || message.contains("policy"))) {
        return message;
      }
    }
    return String.valueOf(messages);
  }
}
