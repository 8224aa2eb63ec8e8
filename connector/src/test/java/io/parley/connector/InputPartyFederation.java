package io.parley.connector;

import static io.parley.connector.ResultComparison.assertSameResult;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.testing.FederationHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * A federation whose data is held partly by parties that do not compute (input parties), for the
 * end-to-end tests of queries on shares with them: a {@code sales} table, each party's rows in a
 * CSV, the pooled rows as view {@code pooled_sales} for plain Spark. Input parties' units are large
 * and distinct, so the coordinator's transcript can be searched for them.
 */
final class InputPartyFederation implements AutoCloseable {
  static final String SALES_SCHEMA = "region STRING, id BIGINT, units INT, amount DECIMAL(12,2), price DOUBLE";
  /** Units of the two rows of region "tiny" (one at the initiator, one at the first input party). */
  static final int TINY_UNITS_INITIATOR = 7_340_033;
  static final int TINY_UNITS_INPUT = 5_242_887;

  final FederationHarness harness;
  final SparkSession spark;
  private final Map<String, Path> sales;
  private final List<String> inputParties;

  private InputPartyFederation(FederationHarness harness, Map<String, Path> sales, List<String> inputParties) {
    this.harness = harness;
    this.sales = sales;
    this.inputParties = inputParties;
    this.spark = harness.session("alpha");
  }

  /**
   * Starts the federation of {@code parties} with compute parties {@code computeParties}; every
   * party in {@code dataParties} holds rows (a compute party outside it is a helper without data).
   * Alpha, a compute party with data, initiates.
   */
  static InputPartyFederation start(Path dir, List<String> parties, List<String> computeParties,
      List<String> dataParties) throws IOException {
    Map<String, Path> sales = new LinkedHashMap<>();
    List<String> inputParties = parties.stream().filter(p -> !computeParties.contains(p)).toList();
    for (int p = 0; p < dataParties.size(); p++) {
      String party = dataParties.get(p);
      boolean input = inputParties.contains(party);
      sales.put(party, Files.writeString(dir.resolve(party + "-sales.csv"),
          salesCsv(p, input, party.equals("alpha"), party.equals(inputParties.get(0)), new Random(5000 + p))));
    }
    // Percentile stages run 2 tasks per compute party that wait on each other, and 2 per input party.
    int cores = 2 * parties.size();
    FederationHarness harness = FederationHarness.start(dir, parties, computeParties, cores,
        Map.of("sales", SALES_SCHEMA), Map.of("sales", sales));
    InputPartyFederation federation = new InputPartyFederation(harness, sales, inputParties);
    federation.spark.read().schema(StructType.fromDDL(SALES_SCHEMA)).option("header", "true")
        .csv(sales.values().stream().map(Path::toString).toArray(String[]::new))
        .createOrReplaceTempView("pooled_sales");
    return federation;
  }

  /**
   * Party {@code p}'s rows: east and west everywhere, south at compute parties, north at input
   * parties only; one row of region tiny at alpha and at the first input party; ids unique; some
   * amounts and prices null. Input parties' units are large and distinct.
   */
  private static String salesCsv(int p, boolean input, boolean alpha, boolean firstInput, Random random) {
    String[] regions = input ? new String[] {"east", "west", "north"} : new String[] {"east", "west", "south"};
    StringBuilder csv = new StringBuilder("region,id,units,amount,price\n");
    int rows = 16 + 3 * p;
    for (int i = 0; i < rows; i++) {
      String region = regions[random.nextInt(regions.length)];
      String amount = random.nextInt(8) == 0 ? "" : String.format(Locale.ROOT, "%d.%02d", random.nextInt(900) - 150, random.nextInt(100));
      String price = random.nextInt(10) == 0 ? "" : Double.toString(random.nextDouble() * 80 - 10);
      int units = input ? 3_000_017 + 104_729 * i + 1_299_709 * p : 1 + random.nextInt(20);
      csv.append(region).append(',').append(1000 * p + i).append(',').append(units).append(',')
          .append(amount).append(',').append(price).append('\n');
    }
    if (alpha || firstInput) {
      csv.append("tiny,").append(1000 * p + 999).append(',').append(alpha ? TINY_UNITS_INITIATOR : TINY_UNITS_INPUT)
          .append(alpha ? ",1.00,2.5\n" : ",2.00,3.5\n");
    }
    return csv.toString();
  }

  /** The same query in plain Spark over the pooled rows. */
  Dataset<Row> plain(String secureSql) {
    String plainSql = secureSql.replace("secure_count(*)", "count(*)").replace("secure_", "")
        .replace("FROM sales", "FROM pooled_sales");
    return spark.sql(plainSql);
  }

  void assertLikePlainSpark(SparkSession session, String secureSql, int groupColumns) {
    assertSameResult(session.sql(secureSql), plain(secureSql), groupColumns);
  }

  /**
   * Every value an input party holds (units, and prices as IEEE bits and in their order-preserving
   * encoding), the tiny group's units and their sum, each as a little- and a big-endian word.
   */
  Set<Long> inputPartySecrets() {
    Set<Long> secrets = new HashSet<>();
    secrets.add((long) TINY_UNITS_INITIATOR);
    secrets.add((long) TINY_UNITS_INPUT);
    secrets.add((long) TINY_UNITS_INITIATOR + TINY_UNITS_INPUT);
    for (String party : inputParties) {
      Path csv = sales.get(party);
      if (csv == null) {
        continue;
      }
      for (Row row : spark.read().schema(StructType.fromDDL(SALES_SCHEMA)).option("header", "true")
          .csv(csv.toString()).collectAsList()) {
        secrets.add((long) row.getInt(2));
        if (!row.isNullAt(4)) {
          long bits = Double.doubleToLongBits(row.getDouble(4));
          secrets.add(bits);
          secrets.add(bits ^ ((bits >> 63) & 0x7fffffffffffffffL));
        }
      }
    }
    Set<Long> bothOrders = new HashSet<>(secrets);
    secrets.forEach(value -> bothOrders.add(Long.reverseBytes(value)));
    return bothOrders;
  }

  /** Fails if any message the coordinator received holds one of {@code secrets}; checks input parties relayed. */
  void assertTranscriptHoldsNone(Set<Long> secrets) {
    List<FederationHarness.Received> transcript = harness.transcript();
    for (String party : inputParties) {
      if (sales.containsKey(party)) {
        assertTrue(transcript.stream().anyMatch(r -> r.party().equals(party) && r.rpc().equals("Relay")),
            "input party " + party + " relayed its shares");
      }
    }
    assertFalse(transcript.stream().anyMatch(r -> r.rpc().equals("SubmitVector")), "no vector was summed in clear");
    long bytes = 0;
    for (FederationHarness.Received received : transcript) {
      bytes += received.message().length;
      List<Integer> found = FederationSafetyTest.leaks(received.message(), secrets);
      assertTrue(found.isEmpty(), () -> received.rpc() + " from " + received.party() + " holds a value at " + found);
    }
    assertTrue(bytes > 10_000, "transcript of " + bytes + " bytes");
  }

  @Override
  public void close() {
    harness.close();
  }
}
