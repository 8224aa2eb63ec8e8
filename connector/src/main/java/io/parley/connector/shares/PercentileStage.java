package io.parley.connector.shares;

import io.parley.connector.party.ExecutorClients;
import io.parley.connector.party.PartyRuntime;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.mpc.ArithmeticShares;
import io.parley.protocols.mpc.ComputeSession;
import io.parley.protocols.mpc.InputChannels;
import io.parley.protocols.mpc.InputNetworks;
import io.parley.protocols.mpc.InputSession;
import io.parley.protocols.mpc.Network;
import io.parley.protocols.mpc.RelayNetwork;
import io.parley.protocols.mpc.ReplicatedParty;
import io.parley.protocols.mpc.SessionNetworks;
import java.io.Serializable;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Per-group order statistics (percentiles) of values held by the data parties, computed on
 * replicated shares by Spark partition tasks at the three compute parties of an MPC session. Each
 * compute party's driver calls {@link #run} with the same arguments but its own values; the
 * driver only orchestrates (it never holds a value or a share), and each partition task talks to
 * the same partition at the other two parties through the coordinator relay, over its executor's
 * own coordinator client.
 *
 * <ol>
 *   <li><b>Input</b> ({@code partitions} tasks, operation {@code <operation>.input}). Each party
 *       deals its rows round-robin over the partitions and pads each partition's part to {@link
 *       #paddedCount} rows with dummies (group id {@code groupCount}, value 0). Task {@code p} at
 *       every party connects the engine on ({@code <operation>.input}, {@code p}) from correlation
 *       word {@code p << 40}, announces its padded count, shares its (group id, value) pairs
 *       (nothing if it has none), shuffles the two columns together, opens the group ids to all
 *       three and drops the dummies. It leaves one batch of shares per group present, in shuffled
 *       order, persisted and checkpointed locally (a lost block fails the query instead of
 *       computing the stage again under the same network tags).
 *   <li><b>Select</b> ({@code partitions} tasks, operation {@code <operation>.select}). A Spark
 *       shuffle of the batches by public group id ({@code group mod partitions}); each task sorts
 *       its batches by (group, input partition), identical at the three parties since both are
 *       public, and for its groups in increasing order: re-shuffles each group that came from more
 *       than one input partition within itself (see {@link
 *       ReplicatedParty#orderStatisticsOfShuffled(ArithmeticShares, int...)} for why), selects the
 *       order statistics at ranks {@code floor(p(n-1))} and {@code ceil(p(n-1))} for every
 *       requested {@code p}, all groups in lockstep, and opens them to {@code resultParty} only.
 * </ol>
 *
 * <p>Any failure aborts the session for the three parties, with a reason naming the stage and
 * never a value: the failing task aborts at once (so the other parties' tasks stop waiting), and
 * the driver aborts again if its job failed for another reason. The session stays open otherwise:
 * the caller finishes it.
 *
 * <p>Every partition task of a stage must run at the three parties at the same time: give each
 * compute party at least {@code partitions} executor cores (task slots) for the query.
 */
public final class PercentileStage {
  private static final Logger LOG = LoggerFactory.getLogger(PercentileStage.class);
  public static final String STAGE_INPUT = "percentiles: input";
  public static final String STAGE_SELECT = "percentiles: select";
  /** Suffix of the operation name of the input stage's networks. */
  public static final String INPUT_SUFFIX = ".input";
  /** Suffix of the operation name of the select stage's networks. */
  public static final String SELECT_SUFFIX = ".select";
  private static final Pattern OPERATION = Pattern.compile("[A-Za-z0-9._-]{1,57}");
  private static final String JOB_DESCRIPTION = "spark.job.description";

  private PercentileStage() {}

  /**
   * Runs both stages for this compute party and returns, at {@code resultParty} only, the
   * percentiles of every group with at least one value, in increasing group order (empty at the
   * other two parties).
   *
   * @param session the joined MPC session; {@link ComputeSession#partyId()} is this party's engine
   *     id
   * @param values this party's rows: column 0 the group id (INT, {@code 0 <= id < groupCount}),
   *     column 1 the value (BIGINT, not null, encoded order-preservingly); empty at a party
   *     without data
   * @param groupCount how many groups there are (the same at the three parties)
   * @param percentiles each in {@code [0, 1]}
   * @param partitions Spark tasks per stage at each party, the same at the three
   * @param resultParty the engine id (index in {@code session.parties()}) that learns the result
   * @param operation names this step of the query in network tags, {@code [A-Za-z0-9._-]{1,57}}
   *     (the stages append {@code .input} and {@code .select}); unique within the session
   * @throws ParleyException naming the stage that failed; the session has then been aborted
   */
  public static List<GroupPercentiles> run(
      SparkSession spark,
      PartyRuntime runtime,
      ComputeSession session,
      Dataset<Row> values,
      int groupCount,
      double[] percentiles,
      int partitions,
      int resultParty,
      String operation) {
    return run(spark, runtime, session, values, groupCount, percentiles, partitions, resultParty, operation,
        TaskEnvironment.PRODUCTION);
  }

  /** {@link #run}, with the executors' randomness and relay from {@code environment} (tests). */
  static List<GroupPercentiles> run(
      SparkSession spark,
      PartyRuntime runtime,
      ComputeSession session,
      Dataset<Row> values,
      int groupCount,
      double[] percentiles,
      int partitions,
      int resultParty,
      String operation,
      TaskEnvironment environment) {
    checkArguments(values.schema(), groupCount, percentiles, partitions, resultParty, operation);
    SessionNetworks networks = session.networks();
    if (!networks.self().equals(runtime.party())) {
      throw new ParleyException("the MPC session " + networks.sessionId() + " was joined as party " + networks.self()
          + ", not as party " + runtime.party() + " whose Spark session runs the percentiles");
    }
    Tasks tasks =
        new Tasks(networks, runtime.coordinator(), runtime.tls(), runtime.callTimeout(), environment, operation,
            groupCount, percentiles.clone(), partitions, resultParty);
    SparkContext sc = spark.sparkContext();
    String previousDescription = sc.getLocalProperty(JOB_DESCRIPTION);
    String stage = STAGE_INPUT;
    JavaRDD<long[]> shared = null;
    try {
      sc.setJobDescription(jobDescription(operation, networks.sessionId(), STAGE_INPUT));
      shared =
          values.repartition(partitions).javaRDD()
              .mapPartitionsWithIndex(new InputTask(tasks), false)
              .persist(StorageLevel.MEMORY_AND_DISK());
      // Each batch was made under network tags that cannot be used twice: recomputing a lost one
      // would fail anyway, and late. Checkpointed locally, a lost block fails the query at once.
      shared.rdd().localCheckpoint();
      long batches = shared.count();
      log(networks, operation, "input shared as " + batches + " group batches");

      stage = STAGE_SELECT;
      sc.setJobDescription(jobDescription(operation, networks.sessionId(), STAGE_SELECT));
      List<long[]> rows =
          shared.mapToPair(batch -> new Tuple2<>(ShareBatch.group(batch), batch))
              .partitionBy(new GroupPartitioner(partitions))
              .mapPartitionsWithIndex(new SelectTask(tasks), false)
              .collect();
      List<GroupPercentiles> result = decode(rows, percentiles);
      log(networks, operation, "selected" + (result.isEmpty() ? "" : ", " + result.size() + " groups opened here"));
      return result;
    } catch (Exception | Error failure) {
      // Spark's SparkException (a failed job) is a checked exception that Java code sees thrown undeclared.
      ParleyException reported = abort(session, runtime.party(), operation, stage, failure);
      if (failure instanceof Error error) {
        throw error;
      }
      throw reported;
    } finally {
      sc.setLocalProperty(JOB_DESCRIPTION, previousDescription);
      if (shared != null) {
        shared.unpersist(false);
      }
    }
  }

  /**
   * An input party's part of the stage (a data owner outside the three compute parties): its rows
   * enter the input stage of {@link #run} at the compute parties. Task {@code p} (of {@code
   * partitions}, rows dealt round-robin as at the compute parties) pads its part to {@link
   * #paddedCount} rows with dummies, splits the (group id, value) pairs into replicated shares and
   * sends compute party {@code j} its pair over their sealed channel ({@code <operation>.input},
   * {@code p}); a task without rows sends an empty input, so the compute parties never wait on it.
   * Returns once every task sent; this party learns nothing from the stage.
   *
   * @param values this party's rows, as for {@link #run}
   * @throws ParleyException naming the stage; the session has then been aborted
   */
  public static void contribute(SparkSession spark, PartyRuntime runtime, InputSession session, Dataset<Row> values,
      int groupCount, int partitions, String operation) {
    contribute(spark, runtime, session, values, groupCount, partitions, operation, TaskEnvironment.PRODUCTION);
  }

  /** {@link #contribute}, with the executors' randomness and relay from {@code environment} (tests). */
  static void contribute(SparkSession spark, PartyRuntime runtime, InputSession session, Dataset<Row> values,
      int groupCount, int partitions, String operation, TaskEnvironment environment) {
    checkArguments(values.schema(), groupCount, new double[] {0.5}, partitions, 0, operation);
    InputNetworks networks = session.networks();
    if (!networks.self().equals(runtime.party())) {
      throw new ParleyException("the MPC session " + networks.sessionId() + " was joined as party " + networks.self()
          + ", not as party " + runtime.party() + " whose Spark session contributes to the percentiles");
    }
    ContributeTask task = new ContributeTask(networks, runtime.coordinator(), runtime.tls(), runtime.callTimeout(),
        environment, operation, groupCount);
    SparkContext sc = spark.sparkContext();
    String previousDescription = sc.getLocalProperty(JOB_DESCRIPTION);
    try {
      sc.setJobDescription(jobDescription(operation, networks.sessionId(), STAGE_INPUT));
      long sent = values.repartition(partitions).javaRDD().mapPartitionsWithIndex(task, false).count();
      LOG.info("session {}: input party {}: {}: shares of {} partitions sent", networks.sessionId(), networks.self(),
          operation, sent);
    } catch (Exception | Error failure) {
      String cause = cancelled(failure) ? "its Spark jobs were cancelled" : safeCause(failure);
      try {
        session.abort("input party " + runtime.party() + " failed in " + operation + " (" + STAGE_INPUT + "): " + cause);
      } catch (RuntimeException abortFailed) {
        LOG.info("session {}: abort not delivered ({})", networks.sessionId(), abortFailed.getClass().getSimpleName());
      }
      if (failure instanceof Error error) {
        throw error;
      }
      throw new ParleyException(
          operation + " (session " + networks.sessionId() + ") failed in stage '" + STAGE_INPUT + "': " + cause, failure);
    } finally {
      sc.setLocalProperty(JOB_DESCRIPTION, previousDescription);
    }
  }

  /** An input party's task {@code p}: pad, split into replicated shares, send each compute party its pair. */
  private static final class ContributeTask implements Function2<Integer, Iterator<Row>, Iterator<Integer>> {
    private static final long serialVersionUID = 1L;
    private final InputNetworks networks;
    private final String coordinator;
    private final TlsMaterial tls;
    private final Duration callTimeout;
    private final TaskEnvironment environment;
    private final String operation;
    private final int groupCount;

    ContributeTask(InputNetworks networks, String coordinator, TlsMaterial tls, Duration callTimeout,
        TaskEnvironment environment, String operation, int groupCount) {
      this.networks = networks;
      this.coordinator = coordinator;
      this.tls = tls;
      this.callTimeout = callTimeout;
      this.environment = environment;
      this.operation = operation;
      this.groupCount = groupCount;
    }

    @Override
    public Iterator<Integer> call(Integer partition, Iterator<Row> rows) {
      int p = partition;
      CoordinatorClient client = ExecutorClients.get(coordinator, tls, callTimeout);
      String networkOperation = operation + INPUT_SUFFIX;
      try {
        // Sixteen bytes per word reach each compute party: half the words of a compute party's input.
        long[] packed = pack(networks.self(), operation, groupCount, rows, ReplicatedParty.MAX_INPUT_LENGTH / 4);
        SecureRandom random = environment.random(networks.self(), networkOperation, p);
        RelayNetwork.Relay relay =
            environment.relay(RelayNetwork.through(client, networks.sessionId()), networks.self(), networkOperation, p);
        byte[][] messages = ReplicatedParty.externalInputMessages(packed, random);
        for (int party = 0; party < ReplicatedParty.PARTIES; party++) {
          Network channel = networks.channel(relay, party, networkOperation, p, random);
          channel.send(InputChannels.peerId(networks.self(), networks.computeParties().get(party)), messages[party]);
        }
        return List.of(p).iterator();
      } catch (RuntimeException failure) {
        String cause = safeCause(failure);
        try {
          networks.abort(client, "input party " + networks.self() + " failed in " + operation + " (" + STAGE_INPUT
              + ", partition " + p + "): " + cause);
        } catch (RuntimeException abortFailed) {
          LOG.info("session {}: abort not delivered ({})", networks.sessionId(), abortFailed.getClass().getSimpleName());
        }
        if (!hasParleyCause(failure)) {
          throw failure;
        }
        ParleyException portable = new ParleyException(cause);
        portable.setStackTrace(failure.getStackTrace());
        throw portable;
      }
    }
  }

  /** "parley: &lt;operation&gt; [session &lt;id&gt;]: &lt;stage&gt;", the description of the stage's Spark job. */
  public static String jobDescription(String operation, String sessionId, String stage) {
    return "parley: " + operation + " [session " + sessionId + "]: " + stage;
  }

  /**
   * A partition's row count as the other parties see it: {@code m} rounded up to at most four
   * significant bits. Below 16 rows the count is exact; from 16 on, with {@code e = bitLength(m) -
   * 4}, it is {@code ceil(m / 2^e) * 2^e}, at most {@code m + m/8}. The others learn only which of
   * those steps {@code m} falls in.
   */
  public static int paddedCount(int m) {
    if (m < 0) {
      throw new IllegalArgumentException("row count " + m + " < 0");
    }
    int excessBits = Math.max(0, 32 - Integer.numberOfLeadingZeros(m) - 4);
    long step = 1L << excessBits;
    long padded = (m + step - 1) / step * step;
    if (padded > Integer.MAX_VALUE) {
      throw new ParleyException("a partition of " + m + " rows is too large to pad; use more partitions");
    }
    return (int) padded;
  }

  private static void checkArguments(
      StructType schema, int groupCount, double[] percentiles, int partitions, int resultParty, String operation) {
    if (schema.fields().length < 2
        || !schema.fields()[0].dataType().equals(DataTypes.IntegerType)
        || !schema.fields()[1].dataType().equals(DataTypes.LongType)) {
      throw new ParleyException(
          "the values of a percentile stage must be (group INT, value BIGINT), not " + schema.simpleString());
    }
    if (groupCount < 1 || groupCount == Integer.MAX_VALUE) {
      throw new ParleyException("a percentile stage needs 1.." + (Integer.MAX_VALUE - 1) + " groups, not " + groupCount);
    }
    if (percentiles.length == 0) {
      throw new ParleyException("a percentile stage needs at least one percentile");
    }
    for (double p : percentiles) {
      if (!(p >= 0 && p <= 1)) {
        throw new ParleyException("percentile " + p + " is outside [0, 1]");
      }
    }
    if (partitions < 1) {
      throw new ParleyException("a percentile stage needs at least one partition, not " + partitions);
    }
    if (resultParty < 0 || resultParty >= ReplicatedParty.PARTIES) {
      throw new ParleyException("the result party must be compute party 0, 1 or 2, not " + resultParty);
    }
    if (operation == null || !OPERATION.matcher(operation).matches()) {
      throw new ParleyException("operation name '" + operation + "' must match " + OPERATION.pattern());
    }
  }

  private static List<GroupPercentiles> decode(List<long[]> rows, double[] percentiles) {
    int k = percentiles.length;
    List<GroupPercentiles> result = new ArrayList<>(rows.size());
    for (long[] row : rows) {
      long count = row[1];
      long[] lower = Arrays.copyOfRange(row, 2, 2 + k);
      long[] upper = Arrays.copyOfRange(row, 2 + k, 2 + 2 * k);
      double[] fraction = new double[k];
      for (int i = 0; i < k; i++) {
        double position = position(count, percentiles[i]);
        fraction[i] = position - Math.floor(position);
      }
      result.add(new GroupPercentiles((int) row[0], count, lower, upper, fraction));
    }
    result.sort(Comparator.comparingInt(GroupPercentiles::group));
    return result;
  }

  /** Spark's {@code percentile}: the fractional rank {@code (n - 1) * p}. */
  static double position(long count, double percentile) {
    return (count - 1) * percentile;
  }

  /** Aborts the session with a reason that names the stage, never a value; returns what to throw here. */
  private static ParleyException abort(
      ComputeSession session, String party, String operation, String stage, Throwable failure) {
    String cause = cancelled(failure) ? "its Spark jobs were cancelled" : safeCause(failure);
    String reason = "party " + party + " failed in " + operation + " (" + stage + "): " + cause;
    LOG.info("session {}: party {} aborts in {} ({})", session.sessionId(), party, operation, stage);
    try {
      session.abort(reason);
    } catch (RuntimeException abortFailed) {
      LOG.info("session {}: abort not delivered ({})", session.sessionId(), abortFailed.getClass().getSimpleName());
    }
    return new ParleyException(
        operation + " (session " + session.sessionId() + ") failed in stage '" + stage + "': " + cause, failure);
  }

  /**
   * The message of the first {@link ParleyException} among the causes (such messages never carry
   * a value), else only the failure's type: another exception's message may quote local data.
   */
  static String safeCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ParleyException) {
        return t.getMessage();
      }
    }
    return failure.getClass().getSimpleName() + " (see this party's log)";
  }

  private static boolean cancelled(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException
          || (!(t instanceof ParleyException) && t.getMessage() != null && t.getMessage().contains("cancelled"))) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasParleyCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ParleyException) {
        return true;
      }
    }
    return false;
  }

  private static void log(SessionNetworks networks, String operation, String event) {
    LOG.info("session {}: party {}: {}: {}", networks.sessionId(), networks.self(), operation, event);
  }

  /** Where executor tasks get their entropy and relay: the system and the coordinator, or a test's. */
  interface TaskEnvironment extends Serializable {
    TaskEnvironment PRODUCTION = new Production();

    /** Fresh randomness for one task's network and engine. */
    SecureRandom random(String party, String operation, int partition);

    /** The relay the task's network uses, given the one through its executor's coordinator client. */
    RelayNetwork.Relay relay(RelayNetwork.Relay coordinator, String party, String operation, int partition);
  }

  private static final class Production implements TaskEnvironment {
    private static final long serialVersionUID = 1L;

    @Override
    public SecureRandom random(String party, String operation, int partition) {
      return Drbg.strong();
    }

    @Override
    public RelayNetwork.Relay relay(RelayNetwork.Relay coordinator, String party, String operation, int partition) {
      return coordinator;
    }

    private Object readResolve() {
      return PRODUCTION;
    }
  }

  /**
   * What both stages' tasks share: the session's networks (relay keys: this travels only inside
   * the party's own cluster), how to reach the coordinator, and the query's parameters.
   */
  private static final class Tasks implements Serializable {
    private static final long serialVersionUID = 1L;
    final SessionNetworks networks;
    final String coordinator;
    final TlsMaterial tls;
    final Duration callTimeout;
    final TaskEnvironment environment;
    final String operation;
    final int groupCount;
    final double[] percentiles;
    final int partitions;
    final int resultParty;

    Tasks(SessionNetworks networks, String coordinator, TlsMaterial tls, Duration callTimeout,
        TaskEnvironment environment, String operation, int groupCount, double[] percentiles, int partitions,
        int resultParty) {
      this.networks = networks;
      this.coordinator = coordinator;
      this.tls = tls;
      this.callTimeout = callTimeout;
      this.environment = environment;
      this.operation = operation;
      this.groupCount = groupCount;
      this.percentiles = percentiles;
      this.partitions = partitions;
      this.resultParty = resultParty;
    }

    /**
     * Runs {@code body} as partition {@code partition} of {@code suffix}'s stage on a connected
     * engine; on failure, aborts the session through this executor's client before failing the task.
     */
    <T> T inEngine(String suffix, String stage, int partition, EngineWork<T> body) {
      CoordinatorClient client = ExecutorClients.get(coordinator, tls, callTimeout);
      String networkOperation = operation + suffix;
      try {
        SecureRandom random = environment.random(networks.self(), networkOperation, partition);
        RelayNetwork.Relay relay =
            environment.relay(RelayNetwork.through(client, networks.sessionId()), networks.self(), networkOperation,
                partition);
        Network network = networks.network(relay, networkOperation, partition, random);
        ReplicatedParty engine = ReplicatedParty.connect(network, random, (long) partition << 40);
        return body.run(engine, relay, random);
      } catch (RuntimeException failure) {
        throw abortFromExecutor(client, stage, partition, failure);
      }
    }

    /** Fails the task when anything other than the engine does (a bad row), aborting the session first. */
    <T> T guarded(String stage, int partition, Supplier<T> body) {
      try {
        return body.get();
      } catch (RuntimeException failure) {
        throw abortFromExecutor(ExecutorClients.get(coordinator, tls, callTimeout), stage, partition, failure);
      }
    }

    /**
     * Aborts the session at once, so the other parties' tasks stop waiting, and returns what the
     * task should fail with: a {@link ParleyException} the driver can read (Spark drops a task's
     * exception whose causes do not serialize, such as gRPC's), or the failure itself.
     */
    private RuntimeException abortFromExecutor(
        CoordinatorClient client, String stage, int partition, RuntimeException failure) {
      String cause = safeCause(failure);
      try {
        networks.abort(client, "party " + networks.self() + " failed in " + operation + " (" + stage
            + ", partition " + partition + "): " + cause);
      } catch (RuntimeException abortFailed) {
        LOG.info("session {}: abort not delivered ({})", networks.sessionId(),
            abortFailed.getClass().getSimpleName());
      }
      if (!hasParleyCause(failure)) {
        return failure;
      }
      ParleyException portable = new ParleyException(cause);
      portable.setStackTrace(failure.getStackTrace());
      return portable;
    }
  }

  @FunctionalInterface
  private interface EngineWork<T> {
    /** {@code relay} and {@code random} are the task's, for its channels with input parties. */
    T run(ReplicatedParty engine, RelayNetwork.Relay relay, SecureRandom random);
  }

  /**
   * One group's shares out of one input partition, as a {@code long[]} (registered with every
   * Kryo setup, so the shuffle needs no class of its own): group id, input partition, length
   * {@code L}, then {@code L} own shares and {@code L} next shares, in shuffled order.
   */
  static final class ShareBatch {
    private static final int HEADER = 3;

    private ShareBatch() {}

    static long[] of(int group, int source, long[] own, long[] next, int[] positions, int from, int to) {
      int length = to - from;
      long[] batch = new long[HEADER + 2 * length];
      batch[0] = group;
      batch[1] = source;
      batch[2] = length;
      for (int k = 0; k < length; k++) {
        batch[HEADER + k] = own[positions[from + k]];
        batch[HEADER + length + k] = next[positions[from + k]];
      }
      return batch;
    }

    static int group(long[] batch) {
      return (int) batch[0];
    }

    static int source(long[] batch) {
      return (int) batch[1];
    }

    static int length(long[] batch) {
      return (int) batch[2];
    }

    static void copyOwn(long[] batch, long[] to, int at) {
      System.arraycopy(batch, HEADER, to, at, length(batch));
    }

    static void copyNext(long[] batch, long[] to, int at) {
      System.arraycopy(batch, HEADER + length(batch), to, at, length(batch));
    }
  }

  /**
   * A partition's rows padded to {@link #paddedCount}: group ids, then values; dummies (group id
   * {@code groupCount}, value 0) last.
   *
   * @param maxPadded the most padded rows one relayed message carries for this party
   */
  static long[] pack(String self, String operation, int groupCount, Iterator<Row> rows, int maxPadded) {
    long[] groups = new long[1024];
    long[] values = new long[1024];
    int m = 0;
    while (rows.hasNext()) {
      Row row = rows.next();
      if (row.isNullAt(0) || row.isNullAt(1)) {
        throw new ParleyException("party " + self + " passed a row with a null group id or value"
            + " to " + operation + "; filter nulls before the percentile stage");
      }
      int group = row.getInt(0);
      if (group < 0 || group >= groupCount) {
        throw new ParleyException("party " + self + " passed group id " + group + " to "
            + operation + ", outside 0.." + (groupCount - 1));
      }
      if (m == groups.length) {
        groups = Arrays.copyOf(groups, 2 * m);
        values = Arrays.copyOf(values, 2 * m);
      }
      groups[m] = group;
      values[m] = row.getLong(1);
      m++;
    }
    int padded = paddedCount(m);
    if (padded > maxPadded) {
      throw new ParleyException("party " + self + " has " + m + " rows in one partition of "
          + operation + ", more than one relayed message carries; use more partitions");
    }
    long[] packed = new long[2 * padded];
    System.arraycopy(groups, 0, packed, 0, m);
    Arrays.fill(packed, m, padded, groupCount);
    System.arraycopy(values, 0, packed, padded, m);
    return packed;
  }

  /** Stage 1 at partition {@code p}: pad, share, shuffle, open group ids, drop dummies. */
  private static final class InputTask implements Function2<Integer, Iterator<Row>, Iterator<long[]>> {
    private static final long serialVersionUID = 1L;
    private final Tasks tasks;

    InputTask(Tasks tasks) {
      this.tasks = tasks;
    }

    @Override
    public Iterator<long[]> call(Integer partition, Iterator<Row> rows) {
      int p = partition;
      long[] packed = tasks.guarded(STAGE_INPUT, p,
          () -> pack(tasks.networks.self(), tasks.operation, tasks.groupCount, rows, ReplicatedParty.MAX_INPUT_LENGTH / 2));
      return tasks.inEngine(INPUT_SUFFIX, STAGE_INPUT, p, (engine, relay, random) -> share(engine, relay, random, p,
          packed)).iterator();
    }

    private List<long[]> share(ReplicatedParty engine, RelayNetwork.Relay relay, SecureRandom random, int p,
        long[] packed) {
      int self = engine.partyId();
      int[] lengths = engine.exchangeInputLengths(packed.length / 2);
      List<ArithmeticShares> groupParts = new ArrayList<>();
      List<ArithmeticShares> valueParts = new ArrayList<>();
      for (int owner = 0; owner < ReplicatedParty.PARTIES; owner++) {
        int length = lengths[owner];
        if (length == 0) {
          continue;
        }
        ArithmeticShares both = engine.shareInput(owner, owner == self ? packed : null, 2 * length);
        groupParts.add(both.slice(0, length));
        valueParts.add(both.slice(length, length));
      }
      // The input parties' padded rows, in their sorted order (the same at the three compute parties).
      List<String> inputParties = tasks.networks.inputParties();
      for (int input = 0; input < inputParties.size(); input++) {
        String name = inputParties.get(input);
        Network channel = tasks.networks.inputChannel(relay, input, tasks.operation + INPUT_SUFFIX, p, random);
        byte[] message = channel.receive(InputChannels.peerId(tasks.networks.self(), name));
        int words = ReplicatedParty.externalInputLength(message, false);
        if (words % 2 != 0) {
          throw new ParleyException("input party " + name + " sent an odd number of words to " + tasks.operation
              + " at partition " + p + "; aborting");
        }
        if (words == 0) {
          continue;
        }
        ArithmeticShares both = ReplicatedParty.receiveExternalInput(message, words);
        groupParts.add(both.slice(0, words / 2));
        valueParts.add(both.slice(words / 2, words / 2));
      }
      if (groupParts.isEmpty()) {
        return List.of();
      }
      ArithmeticShares[] shuffled =
          engine.shuffle(
              ArithmeticShares.concat(groupParts.toArray(new ArithmeticShares[0])),
              ArithmeticShares.concat(valueParts.toArray(new ArithmeticShares[0])));
      long[] groupIds = engine.reveal(shuffled[0], 0, 1, 2).orElseThrow();
      return batches(p, groupIds, shuffled[1]);
    }

    /** One batch per group present, its positions in shuffled order; dummies dropped. */
    private List<long[]> batches(int p, long[] groupIds, ArithmeticShares values) {
      int groupCount = tasks.groupCount;
      int n = groupIds.length;
      long[] keyed = new long[n];
      int real = 0;
      for (int k = 0; k < n; k++) {
        long group = groupIds[k];
        if (group < 0 || group > groupCount) {
          throw new ParleyException("an opened group id of " + tasks.operation + " at partition " + p
              + " is outside 0.." + groupCount + ": a party deviated from the protocol; aborting");
        }
        if (group < groupCount) {
          keyed[real++] = group << 32 | k;
        }
      }
      long[] sorted = Arrays.copyOf(keyed, real);
      Arrays.sort(sorted);
      int[] positions = new int[real];
      for (int k = 0; k < real; k++) {
        positions[k] = (int) sorted[k];
      }
      List<long[]> batches = new ArrayList<>();
      int from = 0;
      while (from < real) {
        int group = (int) (sorted[from] >>> 32);
        int to = from;
        while (to < real && (int) (sorted[to] >>> 32) == group) {
          to++;
        }
        batches.add(ShareBatch.of(group, p, values.own(), values.next(), positions, from, to));
        from = to;
      }
      return batches;
    }
  }

  /** Stage 2 at partition {@code q}: every group placed here, in lockstep. */
  private static final class SelectTask
      implements Function2<Integer, Iterator<Tuple2<Integer, long[]>>, Iterator<long[]>> {
    private static final long serialVersionUID = 1L;
    private final Tasks tasks;

    SelectTask(Tasks tasks) {
      this.tasks = tasks;
    }

    @Override
    public Iterator<long[]> call(Integer partition, Iterator<Tuple2<Integer, long[]>> placed) {
      int q = partition;
      List<long[]> batches = new ArrayList<>();
      placed.forEachRemaining(pair -> batches.add(pair._2()));
      if (batches.isEmpty()) {
        // The groups placed here are public, so the other two parties skip this partition too.
        return List.<long[]>of().iterator();
      }
      batches.sort(Comparator.comparingInt(ShareBatch::group).thenComparingInt(ShareBatch::source));
      return tasks.inEngine(SELECT_SUFFIX, STAGE_SELECT, q, (engine, relay, random) -> select(engine, q, batches))
          .iterator();
    }

    private List<long[]> select(ReplicatedParty engine, int q, List<long[]> batches) {
      List<Integer> groups = new ArrayList<>();
      List<Integer> lengths = new ArrayList<>();
      boolean mixed = false;
      long total = 0;
      for (int b = 0; b < batches.size(); b++) {
        long[] batch = batches.get(b);
        int group = ShareBatch.group(batch);
        if (!groups.isEmpty() && groups.get(groups.size() - 1) == group) {
          if (ShareBatch.source(batches.get(b - 1)) == ShareBatch.source(batch)) {
            throw new ParleyException("group " + group + " of " + tasks.operation + " came twice from input partition "
                + ShareBatch.source(batch));
          }
          lengths.set(lengths.size() - 1, lengths.get(lengths.size() - 1) + ShareBatch.length(batch));
          mixed = true;
        } else {
          if (Math.floorMod(group, tasks.partitions) != q) {
            throw new IllegalStateException("group " + group + " reached select partition " + q);
          }
          groups.add(group);
          lengths.add(ShareBatch.length(batch));
        }
        total += ShareBatch.length(batch);
      }
      if (total > Integer.MAX_VALUE - 16) {
        throw new ParleyException("the groups of select partition " + q + " of " + tasks.operation + " hold " + total
            + " values, more than one task can select among; use more partitions");
      }
      long[] own = new long[(int) total];
      long[] next = new long[(int) total];
      int at = 0;
      for (long[] batch : batches) {
        ShareBatch.copyOwn(batch, own, at);
        ShareBatch.copyNext(batch, next, at);
        at += ShareBatch.length(batch);
      }
      int[] segmentLengths = lengths.stream().mapToInt(Integer::intValue).toArray();
      ArithmeticShares values = new ArithmeticShares(own, next);
      if (mixed) {
        // The concatenation of separately shuffled input partitions is not one uniform order.
        values = engine.shuffleWithinSegments(segmentLengths, values)[0];
      }
      double[] percentiles = tasks.percentiles;
      int k = percentiles.length;
      int[][] ranks = new int[segmentLengths.length][2 * k];
      for (int g = 0; g < segmentLengths.length; g++) {
        for (int i = 0; i < k; i++) {
          double position = position(segmentLengths[g], percentiles[i]);
          ranks[g][i] = (int) Math.floor(position);
          ranks[g][k + i] = (int) Math.ceil(position);
        }
      }
      ArithmeticShares statistics = engine.orderStatisticsOfShuffled(values, segmentLengths, ranks);
      Optional<long[]> opened = engine.reveal(statistics, tasks.resultParty);
      if (opened.isEmpty()) {
        return List.of();
      }
      long[] found = opened.get();
      List<long[]> rows = new ArrayList<>(groups.size());
      for (int g = 0; g < groups.size(); g++) {
        long[] row = new long[2 + 2 * k];
        row[0] = groups.get(g);
        row[1] = segmentLengths[g];
        System.arraycopy(found, g * 2 * k, row, 2, 2 * k);
        rows.add(row);
      }
      return rows;
    }
  }

  /** Places group {@code g} in partition {@code g mod partitions}: the same at every party. */
  static final class GroupPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    GroupPartitioner(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return Math.floorMod((Integer) key, partitions);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof GroupPartitioner that && that.partitions == partitions;
    }

    @Override
    public int hashCode() {
      return partitions;
    }
  }
}
