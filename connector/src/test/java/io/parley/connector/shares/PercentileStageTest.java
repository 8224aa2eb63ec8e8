package io.parley.connector.shares;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.party.PartyRuntime;
import io.parley.connector.testing.FederationHarness;
import io.parley.protocols.ParleyException;
import io.parley.protocols.mpc.RelayNetwork;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The percentile stage end to end: three compute parties' Spark sessions in one JVM (one
 * SparkContext with enough task slots for the three parties' partition tasks at once), a real
 * coordinator over mutual TLS on loopback, an MPC session joined with signed keys, and {@link
 * PercentileStage#run} called by the three drivers at once. Results are checked against Spark's
 * own {@code percentile} over the pooled values and against the sorted plaintext.
 */
class PercentileStageTest {
  private static final List<String> PARTIES = ComputeFederation.PARTIES;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** Three parties' partition tasks at once, for up to three partitions each. */
  private static final String MASTER = "local[10]";

  @TempDir static Path dir;
  private static ComputeFederation federation;
  private static final List<String> JOB_DESCRIPTIONS = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startFederation() throws Exception {
    federation = ComputeFederation.start(dir, MASTER, TIMEOUT);
    federation.session("alpha").sparkContext().addSparkListener(new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        String description = start.properties().getProperty("spark.job.description");
        if (description != null) {
          JOB_DESCRIPTIONS.add(description);
        }
      }
    });
  }

  @AfterAll
  static void stopFederation() {
    if (federation != null) {
      federation.close();
    }
  }

  /** Rows (group, value) as a party's dataset. */
  private static Dataset<Row> dataset(String party, List<long[]> rows) {
    List<Row> list = new ArrayList<>();
    for (long[] row : rows) {
      list.add(RowFactory.create((int) row[0], row[1]));
    }
    return federation.session(party).createDataFrame(list, StructType.fromDDL(ComputeFederation.SCHEMA));
  }

  /** Flips the last byte (in the GCM tag) of one envelope this party relays to {@code victim}. */
  private static final class TamperingTasks extends ComputeFederation.SeededTasks {
    private static final long serialVersionUID = 1L;
    private final String victim;
    private final String tag;

    TamperingTasks(long seed, String victim, String tag) {
      super(seed);
      this.victim = victim;
      this.tag = tag;
    }

    @Override
    public RelayNetwork.Relay relay(RelayNetwork.Relay coordinator, String party, String operation, int partition) {
      return new RelayNetwork.Relay() {
        @Override
        public void relay(String toParty, String envelopeTag, byte[] ciphertext) {
          if (toParty.equals(victim) && envelopeTag.equals(tag)) {
            ciphertext[ciphertext.length - 1] ^= 1;
          }
          coordinator.relay(toParty, envelopeTag, ciphertext);
        }

        @Override
        public byte[] fetch(String fromParty, String envelopeTag) {
          return coordinator.fetch(fromParty, envelopeTag);
        }
      };
    }
  }

  private static Map<String, ComputeFederation.Outcome> runStage(
      Map<String, List<long[]>> rows, int groupCount, double[] percentiles, int partitions, int resultParty,
      String operation, Map<String, PercentileStage.TaskEnvironment> environments) throws Exception {
    Map<String, Dataset<Row>> values = new HashMap<>();
    for (String party : PARTIES) {
      values.put(party, dataset(party, rows.getOrDefault(party, List.of())));
    }
    return federation.run(values, groupCount, percentiles, partitions, resultParty, operation, environments);
  }

  private static Map<String, PercentileStage.TaskEnvironment> seeded(long seed) {
    return ComputeFederation.seeded(seed);
  }

  /** The values of each group over all parties, sorted. */
  private static TreeMap<Integer, long[]> pooled(Map<String, List<long[]>> rows) {
    TreeMap<Integer, List<Long>> byGroup = new TreeMap<>();
    rows.values().forEach(list -> list.forEach(row -> byGroup.computeIfAbsent((int) row[0], g -> new ArrayList<>()).add(row[1])));
    TreeMap<Integer, long[]> sorted = new TreeMap<>();
    byGroup.forEach((group, values) -> {
      long[] array = values.stream().mapToLong(Long::longValue).toArray();
      Arrays.sort(array);
      sorted.put(group, array);
    });
    return sorted;
  }

  /** Spark's {@code percentile(value, array(...))} per group over the pooled rows. */
  private static Map<Integer, double[]> sparkPercentiles(Map<String, List<long[]>> rows, double[] percentiles) {
    List<long[]> all = new ArrayList<>();
    rows.values().forEach(all::addAll);
    StringBuilder array = new StringBuilder();
    for (double p : percentiles) {
      array.append(array.length() == 0 ? "" : ", ").append(p);
    }
    Map<Integer, double[]> result = new HashMap<>();
    for (Row row : dataset("alpha", all).groupBy("grp")
        .agg(org.apache.spark.sql.functions.expr("percentile(value, array(" + array + "))")).collectAsList()) {
      List<Object> values = row.getList(1);
      result.put(row.getInt(0), values.stream().mapToDouble(v -> (Double) v).toArray());
    }
    return result;
  }

  /** Checks the result party's output against the sorted plaintext and Spark's percentile. */
  private static void assertPercentiles(
      Map<String, List<long[]>> rows, double[] percentiles, List<GroupPercentiles> result) {
    TreeMap<Integer, long[]> pooled = pooled(rows);
    Map<Integer, double[]> spark = sparkPercentiles(rows, percentiles);
    assertEquals(new ArrayList<>(pooled.keySet()), result.stream().map(GroupPercentiles::group).toList(),
        "one result per group with values, in group order");
    for (GroupPercentiles group : result) {
      long[] sorted = pooled.get(group.group());
      assertEquals(sorted.length, group.count(), "count of group " + group.group());
      for (int i = 0; i < percentiles.length; i++) {
        double position = (sorted.length - 1) * percentiles[i];
        assertEquals(sorted[(int) Math.floor(position)], group.lower()[i], "lower, group " + group.group());
        assertEquals(sorted[(int) Math.ceil(position)], group.upper()[i], "upper, group " + group.group());
        assertEquals(position - Math.floor(position), group.fraction()[i], "fraction, group " + group.group());
        double interpolated = Math.ceil(position) == Math.floor(position)
            ? (double) group.lower()[i]
            : (Math.ceil(position) - position) * group.lower()[i] + (position - Math.floor(position)) * group.upper()[i];
        assertEquals(spark.get(group.group())[i], interpolated,
            "Spark's percentile " + percentiles[i] + " of group " + group.group());
      }
    }
  }

  /** Values drawn with repetition from few large ones (duplicates, searchable in transcripts) plus extremes. */
  private static List<long[]> rowsOf(Random random, int count, int[] groups, long[] palette) {
    List<long[]> rows = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      rows.add(new long[] {groups[random.nextInt(groups.length)], palette[random.nextInt(palette.length)]});
    }
    return rows;
  }

  @Test
  void severalGroupsOverThreePartitionsWithAPartyWithoutData() throws Exception {
    Random random = new Random(501);
    long[] palette = new long[40];
    for (int k = 0; k < palette.length; k++) {
      palette[k] = random.nextLong();
    }
    palette[0] = Long.MIN_VALUE;
    palette[1] = Long.MAX_VALUE;
    Map<String, List<long[]>> rows = new HashMap<>();
    // Group 3 only at beta, group 5 has one value, group 4 none; gamma has no data at all.
    rows.put("alpha", rowsOf(random, 150, new int[] {0, 1, 2}, palette));
    List<long[]> beta = rowsOf(random, 90, new int[] {0, 1, 2, 3}, palette);
    beta.add(new long[] {5, palette[7]});
    rows.put("beta", beta);
    double[] percentiles = {0, 0.25, 0.5, 0.9, 1};
    federation.harness().clearTranscript();
    JOB_DESCRIPTIONS.clear();

    Map<String, ComputeFederation.Outcome> outcomes = runStage(rows, 6, percentiles, 3, 0, "pct-groups", seeded(502));

    assertPercentiles(rows, percentiles, outcomes.get("alpha").orFail("alpha"));
    assertEquals(List.of(), outcomes.get("beta").orFail("beta"), "only the result party learns the result");
    assertEquals(List.of(), outcomes.get("gamma").orFail("gamma"), "only the result party learns the result");

    for (String stage : List.of(PercentileStage.STAGE_INPUT, PercentileStage.STAGE_SELECT)) {
      assertTrue(JOB_DESCRIPTIONS.stream().filter(d -> d.startsWith("parley: pct-groups [session ")
          && d.endsWith("]: " + stage)).count() >= 3, "each party's " + stage + " job is described: " + JOB_DESCRIPTIONS);
    }

    // The coordinator relayed sealed bytes only: no input value and no result in any 8-byte window.
    Set<Long> secrets = new HashSet<>();
    for (long value : Arrays.copyOfRange(palette, 2, palette.length)) {
      secrets.add(value);
    }
    for (GroupPercentiles group : outcomes.get("alpha").result()) {
      for (long value : group.lower()) {
        if (value != Long.MIN_VALUE && value != Long.MAX_VALUE) {
          secrets.add(value);
        }
      }
    }
    long bytes = 0;
    long relays = 0;
    for (FederationHarness.Received received : federation.harness().transcript()) {
      bytes += received.message().length;
      relays += received.rpc().equals("Relay") ? 1 : 0;
      ByteBuffer buffer = ByteBuffer.wrap(received.message());
      for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
        buffer.order(order);
        for (int i = 0; i + Long.BYTES <= received.message().length; i++) {
          long window = buffer.getLong(i);
          assertTrue(!secrets.contains(window), received.rpc() + " from " + received.party() + " holds a value at " + i);
        }
      }
    }
    assertTrue(relays > 50 && bytes > 100_000, relays + " relays, " + bytes + " bytes: the search saw the traffic");
  }

  @Test
  void oneGroupOnePartitionEveryPartyWithDataResultAtTheHelper() throws Exception {
    Random random = new Random(511);
    long[] palette = {-3, -3, 0, 7, 7, 7, 1L << 40, -(1L << 50), 12};
    Map<String, List<long[]>> rows = new HashMap<>();
    rows.put("alpha", rowsOf(random, 33, new int[] {0}, palette));
    rows.put("beta", rowsOf(random, 1, new int[] {0}, palette));
    rows.put("gamma", rowsOf(random, 17, new int[] {0}, palette));
    double[] percentiles = {0.5, 0.1, 0.99};

    Map<String, ComputeFederation.Outcome> outcomes = runStage(rows, 1, percentiles, 1, 2, "pct-one", seeded(512));

    assertPercentiles(rows, percentiles, outcomes.get("gamma").orFail("gamma"));
    assertEquals(List.of(), outcomes.get("alpha").orFail("alpha"));
    assertEquals(List.of(), outcomes.get("beta").orFail("beta"));
  }

  @Test
  void aTamperedEnvelopeFailsTheStageAtEveryParty() throws Exception {
    Random random = new Random(521);
    long[] palette = {1, 2, 3, 4, 5};
    Map<String, List<long[]>> rows = new HashMap<>();
    rows.put("alpha", rowsOf(random, 20, new int[] {0, 1}, palette));
    rows.put("beta", rowsOf(random, 20, new int[] {0, 1}, palette));
    Map<String, PercentileStage.TaskEnvironment> environments = seeded(522);
    // Beta's third message to alpha in the select stage of partition 0 (the first is its PRF key).
    environments.put("beta", new TamperingTasks(522, "alpha", "pct-tamper.select/0/2/0"));

    Map<String, ComputeFederation.Outcome> outcomes = runStage(rows, 2, new double[] {0.5}, 2, 0, "pct-tamper", environments);

    String alpha = messageOf(outcomes.get("alpha").failure());
    assertTrue(alpha.contains("failed in stage '" + PercentileStage.STAGE_SELECT + "'"), alpha);
    assertTrue(alpha.contains("message 2 from party 1 to party 0 failed authentication"), alpha);
    for (String party : List.of("beta", "gamma")) {
      String message = messageOf(outcomes.get(party).failure());
      assertTrue(message.contains("failed in stage '" + PercentileStage.STAGE_SELECT + "'"), message);
      assertTrue(message.contains("party alpha"), "the abort names the party that stopped: " + message);
    }
  }

  private static String messageOf(Throwable failure) {
    assertNotNull(failure, "the stage should have failed");
    return failure.getMessage();
  }

  @Test
  void argumentsAreCheckedBeforeAnythingRuns() {
    SparkSession alpha = federation.session("alpha");
    PartyRuntime runtime = federation.runtime("alpha");
    Dataset<Row> good = dataset("alpha", List.of());
    Dataset<Row> textGroups = alpha.createDataFrame(List.of(), StructType.fromDDL("grp STRING, value BIGINT"));
    Map<String, Runnable> calls = new LinkedHashMap<>();
    calls.put("the values of a percentile stage must be (group INT, value BIGINT), not struct<grp:string,value:bigint>",
        () -> PercentileStage.run(alpha, runtime, null, textGroups, 2, new double[] {0.5}, 1, 0, "op"));
    calls.put("percentile 1.5 is outside [0, 1]",
        () -> PercentileStage.run(alpha, runtime, null, good, 2, new double[] {0.5, 1.5}, 1, 0, "op"));
    calls.put("operation name 'op/1' must match [A-Za-z0-9._-]{1,57}",
        () -> PercentileStage.run(alpha, runtime, null, good, 2, new double[] {0.5}, 1, 0, "op/1"));
    calls.put("the result party must be compute party 0, 1 or 2, not 3",
        () -> PercentileStage.run(alpha, runtime, null, good, 2, new double[] {0.5}, 1, 3, "op"));
    calls.put("a percentile stage needs at least one partition, not 0",
        () -> PercentileStage.run(alpha, runtime, null, good, 2, new double[] {0.5}, 0, 0, "op"));
    calls.forEach((expected, call) -> assertEquals(expected, assertThrows(ParleyException.class, call::run).getMessage()));
  }

  @Test
  void paddedCountsKeepFourSignificantBits() {
    assertEquals(0, PercentileStage.paddedCount(0));
    assertEquals(15, PercentileStage.paddedCount(15));
    assertEquals(16, PercentileStage.paddedCount(16));
    assertEquals(18, PercentileStage.paddedCount(17));
    assertEquals(32, PercentileStage.paddedCount(31));
    assertEquals(104, PercentileStage.paddedCount(100));
    assertEquals(1_048_576, PercentileStage.paddedCount(1_000_000));
    for (int m = 0; m < 200_000; m += 1 + m / 50) {
      int padded = PercentileStage.paddedCount(m);
      assertTrue(padded >= m && padded <= m + m / 8, m + " -> " + padded);
      int significant = padded == 0 ? 0 : 32 - Integer.numberOfLeadingZeros(padded) - Integer.numberOfTrailingZeros(padded);
      assertTrue(significant <= 4, m + " -> " + padded + " has " + significant + " significant bits");
    }
  }

  @Test
  void theResultRecordComparesByContent() {
    GroupPercentiles a = new GroupPercentiles(3, 10, new long[] {1}, new long[] {2}, new double[] {0.5});
    GroupPercentiles b = new GroupPercentiles(3, 10, new long[] {1}, new long[] {2}, new double[] {0.5});
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertArrayEquals(new long[] {2}, b.upper());
    assertEquals("GroupPercentiles[group 3, count 10, lower [1], upper [2], fraction [0.5]]", a.toString());
  }
}
