package io.parley.connector;

import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.functions.CallStatistics;
import io.parley.connector.functions.SecureFunction;
import io.parley.connector.party.ExecutorClients;
import io.parley.connector.party.FederatedAggregation;
import io.parley.connector.plan.FederatedAggregateNode;
import io.parley.connector.testing.FederationHarness;
import io.parley.protocols.wire.AggregateCall;
import io.parley.protocols.wire.FederatedAggregate;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Function1;
import scala.runtime.BoxedUnit;

/**
 * What the federation must hold to besides correct results: the coordinator receives no party's
 * statistics and no result in clear, a party's policy refusal and a party that is not listening
 * fail the query naming the party, and the local Spark jobs are described by the query.
 */
class FederationSafetyTest {
  private static final String SALES_SCHEMA = "region STRING, amount DECIMAL(12,2), units INT, price DOUBLE";
  private static final List<String> PARTIES = List.of("alpha", "beta", "gamma");
  private static final String QUERY =
      "SELECT region, secure_sum(amount) AS total, secure_count(*) AS n, secure_avg(price) AS mean,"
          + " secure_var_pop(units) AS v, secure_sum(units) AS units FROM sales GROUP BY region";
  /**
   * Words with |v| below this are not searched for. A transcript is protobuf framing, DER
   * certificates, ASCII ids and (everywhere the protocol is doing its job) uniformly random bytes:
   * masked words, tokens, keys, signatures, ciphertexts. A random 8-byte window equals a given
   * value with probability 2^-64, so a few thousand targets over a few hundred thousand windows
   * give no false alarm there; but a small value is six or seven zero bytes around one or two
   * others, a shape framing and padding produce by accident. From 2^16 up, a value has at least
   * three significant bytes and a hit means a leak. Sums of amounts (in cents) and the fixed-point
   * words of DOUBLE statistics are far above it; the test asserts enough targets remain.
   */
  static final long TRIVIAL_BELOW = 1L << 16;

  @TempDir static Path dir;
  private static FederationHarness harness;
  private static SparkSession alpha;
  private static final Map<String, Path> SALES_BY_PARTY = new LinkedHashMap<>();

  @BeforeAll
  static void startFederation() throws IOException {
    for (int p = 0; p < PARTIES.size(); p++) {
      Path csv = dir.resolve(PARTIES.get(p) + "-sales.csv");
      Files.writeString(csv, salesCsv(p, new Random(77 + p)));
      SALES_BY_PARTY.put(PARTIES.get(p), csv);
    }
    harness = FederationHarness.start(dir, Map.of("sales", SALES_SCHEMA), Map.of("sales", SALES_BY_PARTY));
    alpha = harness.session("alpha");
  }

  @AfterAll
  static void stopFederation() {
    if (harness != null) {
      harness.close();
    }
  }

  /** Large amounts (so sums have many significant bytes); regions shared and not. */
  private static String salesCsv(int p, Random random) {
    String[] regions = p == 2 ? new String[] {"east", "west", "north"} : new String[] {"east", "west", "south"};
    StringBuilder csv = new StringBuilder("region,amount,units,price\n");
    for (int i = 0; i < 200 + 25 * p; i++) {
      csv.append(regions[random.nextInt(regions.length)]).append(',')
          .append(String.format(Locale.ROOT, "%d.%02d", 1000 + random.nextInt(90_000), random.nextInt(100))).append(',')
          .append(1 + random.nextInt(500)).append(',')
          .append(random.nextDouble() * 200 - 20).append('\n');
    }
    return csv.toString();
  }

  private static FederatedAggregate spec(String sql) {
    List<FederatedAggregate> specs = new ArrayList<>();
    Function1<LogicalPlan, BoxedUnit> visit =
        node -> {
          if (node instanceof FederatedAggregateNode federated) {
            specs.add(federated.spec());
          }
          return BoxedUnit.UNIT;
        };
    alpha.sql(sql).queryExecution().analyzed().foreach(visit);
    assertEquals(1, specs.size());
    return specs.get(0);
  }

  /** Every message of the cause chain: Spark may wrap the ParleyException. */
  private static String failure(Runnable query) {
    Throwable thrown = assertThrows(Throwable.class, query::run);
    List<String> messages = new ArrayList<>();
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      messages.add(String.valueOf(t.getMessage()));
    }
    return String.join(" | ", messages);
  }

  /**
   * A party's local statistics for {@code spec} as ring words per group value, computed here with
   * the same {@link CallStatistics} every party uses (single GROUP BY column).
   */
  private static Map<Object, long[]> localWords(FederatedAggregate spec, Dataset<Row> local) {
    List<Column> groups = spec.getGroupBySqlList().stream().map(sql -> expr(sql)).collect(Collectors.toList());
    List<CallStatistics> calls = new ArrayList<>();
    List<Column> aggregates = new ArrayList<>();
    List<Integer> firstColumns = new ArrayList<>();
    int column = groups.size();
    int words = 0;
    for (AggregateCall call : spec.getAggregatesList()) {
      List<Column> arguments = call.getArgumentSqlList().stream().map(sql -> expr(sql)).collect(Collectors.toList());
      List<DataType> types = new ArrayList<>();
      if (!arguments.isEmpty()) {
        for (StructField field : local.select(arguments.toArray(Column[]::new)).schema().fields()) {
          types.add(field.dataType());
        }
      }
      CallStatistics statistics = CallStatistics.of(SecureFunction.bySqlName(call.getFunction()).orElseThrow(), types);
      List<Column> localAggregates = statistics.localAggregates(arguments);
      calls.add(statistics);
      aggregates.addAll(localAggregates);
      firstColumns.add(column);
      column += localAggregates.size();
      words += statistics.words();
    }
    Map<Object, long[]> byGroup = new HashMap<>();
    for (Row row :
        local.groupBy(groups.toArray(Column[]::new))
            .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new))
            .collectAsList()) {
      long[] out = new long[words];
      int offset = 0;
      for (int c = 0; c < calls.size(); c++) {
        calls.get(c).encode(row, firstColumns.get(c), out, offset);
        offset += calls.get(c).words();
      }
      byGroup.put(row.get(0), out);
    }
    return byGroup;
  }

  private static boolean nontrivial(long word) {
    return word >= TRIVIAL_BELOW || word <= -TRIVIAL_BELOW;
  }

  /** Offsets of 8-byte little-endian windows of {@code message} that equal one of {@code secrets}. */
  static List<Integer> leaks(byte[] message, Set<Long> secrets) {
    List<Integer> found = new ArrayList<>();
    ByteBuffer buffer = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i + Long.BYTES <= message.length; i++) {
      if (secrets.contains(buffer.getLong(i))) {
        found.add(i);
      }
    }
    return found;
  }

  @Test
  void coordinatorTranscriptHoldsNoLocalStatisticAndNoResult() {
    FederatedAggregate spec = spec(QUERY);
    harness.clearTranscript();
    List<Row> result = alpha.sql(QUERY).collectAsList();
    List<FederationHarness.Received> transcript = harness.transcript();
    assertTrue(transcript.stream().anyMatch(r -> r.rpc().equals("SubmitVector")), "vectors reached the coordinator");

    Set<Long> secrets = new HashSet<>();
    Map<Object, long[]> pooled = new HashMap<>();
    StructType schema = StructType.fromDDL(SALES_SCHEMA);
    for (Path csv : SALES_BY_PARTY.values()) {
      Dataset<Row> local = alpha.read().schema(schema).option("header", "true").csv(csv.toString());
      localWords(spec, local).forEach(
          (group, words) -> {
            long[] sum = pooled.computeIfAbsent(group, g -> new long[words.length]);
            for (int i = 0; i < words.length; i++) {
              sum[i] += words[i];
              if (nontrivial(words[i])) {
                secrets.add(words[i]);
              }
            }
          });
    }
    for (long[] sum : pooled.values()) {
      for (long word : sum) {
        if (nontrivial(word)) {
          secrets.add(word);
        }
      }
    }
    for (Row row : result) {
      for (int i = 1; i < row.size(); i++) {
        Object value = row.get(i);
        long encoded =
            value instanceof Double d ? Double.doubleToLongBits(d)
                : value instanceof BigDecimal b ? b.unscaledValue().longValue()
                : value instanceof Number n ? n.longValue()
                : 0;
        if (nontrivial(encoded)) {
          secrets.add(encoded);
        }
      }
    }
    assertTrue(secrets.size() >= 40, "too few non-trivial words to search for: " + secrets.size());

    // Control: the search finds a statistic written in clear.
    long planted = secrets.iterator().next();
    byte[] control = ByteBuffer.allocate(19).order(ByteOrder.LITTLE_ENDIAN).put(new byte[] {1, 2, 3}).putLong(planted).array();
    assertEquals(List.of(3), leaks(control, Collections.singleton(planted)));

    long bytes = 0;
    for (FederationHarness.Received received : transcript) {
      bytes += received.message().length;
      List<Integer> found = leaks(received.message(), secrets);
      assertTrue(found.isEmpty(),
          () -> received.rpc() + " from " + received.party() + " holds a statistic or result at offsets " + found);
    }
    assertTrue(bytes > 1000, "transcript of " + bytes + " bytes");
  }

  @Test
  void aPartysPolicyRefusalNamesThePartyAndThePolicy() {
    harness.startResponder("beta", harness.newSession("beta", Map.of("spark.parley.policy.tables", "returns")));
    try {
      String message = failure(() -> alpha.sql(QUERY).collectAsList());
      assertTrue(message.contains("beta"), message);
      assertTrue(message.contains("spark.parley.policy.tables"), message);
    } finally {
      harness.startResponder("beta");
    }
    assertFalse(alpha.sql(QUERY).collectAsList().isEmpty(), "beta answers again with its own policy");
  }

  @Test
  void anMpcInvitationIsDeclinedWithItsPurposeNamed() {
    io.parley.connector.party.PartyRuntime runtime = io.parley.connector.party.PartyRuntime.of(alpha);
    io.parley.protocols.wire.FederatedAggregate query =
        io.parley.protocols.wire.FederatedAggregate.newBuilder().setVersion(1).setTable("sales").setDescription("mpc").build();
    String sessionId =
        runtime.client().createMpcSession(query, List.of("alpha", "beta", "gamma"), java.time.Duration.ofSeconds(30))
            .getSessionId();
    String message =
        failure(() -> runtime.aggregationParty().join(runtime.client(), sessionId, List.of("alpha", "beta", "gamma"),
            new byte[32], 1));
    assertTrue(message.contains("answers only secure aggregation sessions and auctions, not SESSION_PURPOSE_MPC"), message);
  }

  @Test
  void aPartyThatIsNotListeningIsNamed() {
    harness.stopResponder("gamma");
    try {
      String message = failure(() -> alpha.sql(QUERY).collectAsList());
      assertTrue(message.contains("gamma"), message);
    } finally {
      harness.startResponder("gamma");
    }
  }

  @Test
  void executorsReuseOneCoordinatorClientPerParty() {
    // Slices of 64 words: each query's vector is sent by several tasks at every party.
    alpha.sql(QUERY).collectAsList();
    alpha.sql("SELECT secure_count(*) AS n FROM sales").collectAsList();
    assertEquals(PARTIES.size(), ExecutorClients.size(), "one client per party in this JVM, not one per task");
  }

  @Test
  void localJobsAreDescribedByTheQuery() throws Exception {
    FederatedAggregate spec = spec(QUERY);
    List<String> descriptions = Collections.synchronizedList(new ArrayList<>());
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart jobStart) {
            if (jobStart.properties() != null && jobStart.properties().getProperty("spark.job.description") != null) {
              descriptions.add(jobStart.properties().getProperty("spark.job.description"));
            }
          }
        };
    alpha.sparkContext().addSparkListener(listener);
    try {
      alpha.sql(QUERY).collectAsList();
      alpha.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      alpha.sparkContext().removeSparkListener(listener);
    }
    String prefix = "parley: " + spec.getDescription() + " [session ";
    List<String> ours = descriptions.stream().filter(d -> d.startsWith(prefix)).toList();
    Set<String> sessions =
        ours.stream().map(d -> d.substring(prefix.length(), d.indexOf(']', prefix.length()))).collect(Collectors.toSet());
    assertEquals(1, sessions.size(), () -> "one session: " + ours);
    String session = sessions.iterator().next();
    for (String stage : List.of(FederatedAggregation.STAGE_LOCAL_STATISTICS, FederatedAggregation.STAGE_MASKED_VECTOR)) {
      String expected = FederatedAggregation.jobDescription(spec, session, stage);
      long jobs = ours.stream().filter(expected::equals).count();
      assertTrue(jobs >= PARTIES.size(), () -> "jobs '" + expected + "' of every party, got " + ours);
    }
  }
}
