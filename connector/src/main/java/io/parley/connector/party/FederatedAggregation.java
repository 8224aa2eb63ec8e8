package io.parley.connector.party;

import com.google.protobuf.ByteString;
import io.parley.connector.config.ParleyConf;
import io.parley.connector.functions.CallStatistics;
import io.parley.connector.functions.GroupKeyCodec;
import io.parley.protocols.ParleyException;
import io.parley.protocols.aggregation.GroupTokens;
import io.parley.protocols.aggregation.JoinedSession;
import io.parley.protocols.aggregation.MaskPlan;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.wire.FederatedAggregate;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.JoinRequest;
import io.parley.protocols.wire.SessionCreated;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.PairFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * One party's part in a secure aggregation (Tier 1), run by its driver: as the initiator of a
 * query ({@link #runAsInitiator}) or as a responder to an invitation ({@link #respond}).
 *
 * <p>The driver only orchestrates. Spark jobs compute the local statistics per group in one pass
 * over the local rows (the small per-group result is cached, never the rows), executors turn each
 * group into its token and later mask and send their slice of the vector through one coordinator
 * client per executor JVM. The driver holds per-group data only: the tokens, the union, and (at
 * the initiator) the sum. Any failure aborts the session for every party; cancelling the Spark
 * jobs aborts it too. Logs carry session ids and stages, never values, tokens or keys.
 */
public final class FederatedAggregation {
  private static final Logger LOG = LoggerFactory.getLogger(FederatedAggregation.class);
  /** Job group of a responder's session jobs (and of an initiator's, unless the caller set its own group). */
  public static final String JOB_GROUP_PREFIX = "parley-session-";
  public static final String STAGE_LOCAL_STATISTICS = "local statistics";
  public static final String STAGE_MASKED_VECTOR = "masked vector";

  private FederatedAggregation() {}

  /**
   * Runs {@code spec} as its initiator: opens a session with every party of the federation, takes
   * part like every other party and returns the result, one row per group of the union: the group
   * values, then each call's result, in the spec's order.
   *
   * @throws ParleyException naming the party, policy or setting at fault; the session is aborted
   */
  public static List<Row> runAsInitiator(SparkSession spark, FederatedAggregate spec) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    ParleyConf conf = runtime.conf();
    if (!conf.policyAllowsTable(spec.getTable())) {
      throw new QueryRefused(
          "party " + runtime.party() + "'s policy does not allow federated table " + spec.getTable() + " ("
              + ParleyConf.POLICY_TABLES.key() + " = " + String.join(",", conf.get(ParleyConf.POLICY_TABLES)) + ")");
    }
    checkGroupSizePolicy(runtime, spec);
    QueryLayout layout = QueryLayout.resolve(spark, spec);
    CoordinatorClient client = runtime.client();
    SessionCreated created;
    try {
      created = client.createSession(spec, runtime.sessionTimeout(), conf.get(ParleyConf.POLICY_MIN_PARTIES));
    } catch (ParleyException e) {
      throw new ParleyException("federated aggregate " + spec.getDescription() + " could not start: " + e.getMessage(), e);
    }
    try {
      checkPolicy(runtime, spec, created.getParticipantsList());
    } catch (ParleyException refused) {
      client.abort(created.getSessionId(), "party " + runtime.party() + " refuses the session's participants");
      throw refused;
    }
    LOG.info("session {}: party {} initiates {} with {}", created.getSessionId(), runtime.party(),
        spec.getDescription(), created.getParticipantsList());
    return new Participation(spark, runtime, layout, created.getSessionId(), created.getParticipantsList(), true, false)
        .run();
  }

  /**
   * Answers one invitation for the party of {@code spark}: checks the query and this party's policy
   * (declining, with the reason, when either refuses), then takes part without learning the sum.
   *
   * @throws ParleyException when the session failed; it has then been aborted (or declined)
   */
  public static void respond(SparkSession spark, Invitation invitation) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    String sessionId = invitation.getSessionId();
    CoordinatorClient client = runtime.client();
    QueryLayout layout;
    try {
      FederatedAggregate spec = parse(invitation);
      checkPolicy(runtime, spec, invitation.getParticipantsList());
      checkGroupSizePolicy(runtime, spec);
      layout = QueryLayout.resolve(spark, spec);
    } catch (ParleyException refused) {
      // The reason goes to the coordinator and every party: a refusal of the query or the policy
      // says why; anything else (this party's own data or settings) stays in this party's log.
      String reason = refused instanceof QueryRefused
          ? refused.getMessage()
          : "party " + runtime.party() + " cannot answer this query (see its log)";
      LOG.info("session {}: party {} declines: {}", sessionId, runtime.party(), refused.getMessage());
      decline(runtime, sessionId, reason);
      throw refused;
    } catch (RuntimeException failed) {
      LOG.warn("session {}: party {} declines after {}: {}", sessionId, runtime.party(), failed.getClass().getName(),
          failed.getMessage());
      decline(runtime, sessionId, "party " + runtime.party() + " cannot answer this query (" + failed.getClass().getSimpleName()
          + "; see its log)");
      throw failed;
    }
    LOG.info("session {}: party {} answers {} from {}", sessionId, runtime.party(), layout.spec().getDescription(),
        invitation.getInitiator());
    new Participation(spark, runtime, layout, sessionId, invitation.getParticipantsList(), false, true).run();
  }

  /** Declines {@code sessionId}: every participant's session fails with {@code reason}. */
  public static void decline(PartyRuntime runtime, String sessionId, String reason) {
    runtime.aggregationParty().decline(runtime.client(), sessionId, reason);
  }

  /** The invitation's query: protobuf only, never Java serialization. */
  private static FederatedAggregate parse(Invitation invitation) {
    try {
      return FederatedAggregate.parseFrom(invitation.getQuery());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new ParleyException("the query of session " + invitation.getSessionId() + " is not a valid FederatedAggregate message");
    }
  }

  /**
   * This party's policy, decided by it alone: the table must be allowed and enough distinct
   * parties of its own federation take part, this party among them. The participant list comes
   * from the coordinator, so it is checked here, not trusted.
   */
  public static void checkPolicy(PartyRuntime runtime, FederatedAggregate spec, List<String> participants) {
    ParleyConf conf = runtime.conf();
    if (!conf.policyAllowsTable(spec.getTable())) {
      throw new QueryRefused(
          "party " + runtime.party() + "'s policy does not allow federated table " + spec.getTable() + " ("
              + ParleyConf.POLICY_TABLES.key() + " = " + String.join(",", conf.get(ParleyConf.POLICY_TABLES)) + ")");
    }
    java.util.Set<String> distinct = new java.util.TreeSet<>(participants);
    if (distinct.size() != participants.size()) {
      throw new QueryRefused("party " + runtime.party() + "'s policy refuses a session that names a participant twice: "
          + participants);
    }
    if (!runtime.federation().parties().containsAll(distinct) || !distinct.contains(runtime.party())) {
      throw new QueryRefused("party " + runtime.party() + "'s policy refuses a session whose participants " + participants
          + " are not parties of federation " + runtime.federation().name() + " including itself");
    }
    int minParties = conf.get(ParleyConf.POLICY_MIN_PARTIES);
    if (distinct.size() < minParties) {
      throw new QueryRefused(
          "party " + runtime.party() + "'s policy needs at least " + minParties + " participants ("
              + ParleyConf.POLICY_MIN_PARTIES.key() + "); session has " + distinct.size());
    }
  }

  /** A party that suppresses small groups answers no GROUP BY by secure aggregation, which reveals every group. */
  static void checkGroupSizePolicy(PartyRuntime runtime, FederatedAggregate spec) {
    ParleyConf conf = runtime.conf();
    int minGroupSize = conf.get(ParleyConf.POLICY_MIN_GROUP_SIZE);
    if (spec.getGroupBySqlCount() > 0 && minGroupSize > 1) {
      // Secure aggregation reveals every group of the union; only share arithmetic can leave small ones out.
      throw new QueryRefused("party " + runtime.party() + "'s policy suppresses groups of fewer than " + minGroupSize
          + " rows (" + ParleyConf.POLICY_MIN_GROUP_SIZE.key() + "), which a GROUP BY by secure aggregation cannot do;"
          + " the initiator must set " + ParleyConf.POLICY_MIN_GROUP_SIZE.key() + " > 1 too, so the query runs on"
          + " shares among the compute parties");
    }
  }

  /** The cached local statistics, one row per local group, and how many groups. */
  private record LocalGroups(JavaRDD<GroupStatistics> groups, List<byte[]> keys) {}

  /** One session as this party runs it, stage by stage. */
  private static final class Participation {
    private final SparkSession spark;
    private final PartyRuntime runtime;
    private final QueryLayout layout;
    private final String sessionId;
    private final List<String> participants;
    private final boolean initiator;
    private final boolean ownJobGroup;
    private final CoordinatorClient client;
    private volatile String stage = "joining";
    private final AtomicBoolean aborted = new AtomicBoolean();
    /** The caller's job group, read on the caller's thread (the local job runs on another). */
    private final String callerJobGroup;

    Participation(
        SparkSession spark,
        PartyRuntime runtime,
        QueryLayout layout,
        String sessionId,
        List<String> participants,
        boolean initiator,
        boolean ownJobGroup) {
      this.spark = spark;
      this.runtime = runtime;
      this.layout = layout;
      this.sessionId = sessionId;
      this.participants = List.copyOf(participants);
      this.initiator = initiator;
      this.ownJobGroup = ownJobGroup;
      this.client = runtime.client();
      this.callerJobGroup = SessionJobs.callerGroup(spark.sparkContext());
    }

    List<Row> run() {
      // The local aggregation (the one pass over the local rows) needs no session keys: it runs on
      // its own thread while this one joins, so the parties' Spark work overlaps the key exchange.
      // Its result, one row per local group, is cached; the rows never are. Making the RDD already
      // runs the aggregation's shuffle (adaptive execution plans it stage by stage), so that too
      // happens inside the described job.
      CompletableFuture<LocalGroups> localStatistics = new CompletableFuture<>();
      Thread localJob =
          new Thread(
              () -> {
                try {
                  localStatistics.complete(
                      inJob(
                          STAGE_LOCAL_STATISTICS,
                          () -> {
                            // Encoding needs no session key: group keys and ring words are computed
                            // here, in the same job as the aggregation; the driver gets the G keys
                            // (this party's own per-group data) and encrypts them to tokens itself.
                            JavaRDD<GroupStatistics> groups =
                                layout.localStatistics().javaRDD()
                                    .mapPartitions(new EncodeGroups(layout.groupKeyCodec(), layout.calls(),
                                        layout.firstColumns(), layout.firstWords(), layout.wordsPerGroup()))
                                    .persist(StorageLevel.MEMORY_AND_DISK());
                            // Masks are deterministic per session: a slice recomputed from the source
                            // after a lost block (DOUBLE sums depend on shuffle order; files change)
                            // would be sent again under the same mask, and the coordinator would learn
                            // the difference. Checkpointed locally, a lost block fails the job instead.
                            groups.rdd().localCheckpoint();
                            return new LocalGroups(groups, groups.map(GroupStatistics::key).collect());
                          }));
                } catch (RuntimeException | Error e) {
                  localStatistics.completeExceptionally(e);
                  // Unblocks the other thread's Join (or whatever it waits for) at once.
                  abort(e instanceof RuntimeException r ? r : new RuntimeException(e), STAGE_LOCAL_STATISTICS);
                }
              },
              "parley-local-statistics-" + sessionId);
      localJob.setDaemon(true);
      // Started from this thread, it inherits this thread's Spark local properties (SQL execution, pool).
      localJob.start();
      JavaRDD<GroupStatistics> statistics = null;
      Broadcast<byte[][]> keysBroadcast = null;
      Broadcast<long[]> indicesBroadcast = null;
      try {
        JoinedSession joined =
            runtime.aggregationParty().join(client, sessionId, participants, layout.digest(), layout.wordsPerGroup());
        log("joined");

        stage = STAGE_LOCAL_STATISTICS;
        LocalGroups local = await(localStatistics);
        statistics = local.groups();
        List<byte[]> localTokens = new ArrayList<>(local.keys().size());
        for (byte[] key : local.keys()) {
          localTokens.add(joined.tokens().token(key));
        }
        log("local statistics of " + localTokens.size() + " groups");

        stage = "aligning group keys";
        byte[][] union = sortedUnion(client.alignKeys(sessionId, localTokens));
        int w = layout.wordsPerGroup();
        long totalWords = (long) union.length * w;
        if (totalWords > Integer.MAX_VALUE - 16) {
          throw new ParleyException("the union of " + union.length + " groups x " + w + " words is too long a vector");
        }
        log("union of " + union.length + " groups");

        stage = STAGE_MASKED_VECTOR;
        if (union.length > 0) {
          int sliceElements = runtime.conf().get(ParleyConf.VECTOR_SLICE_ELEMENTS);
          int groupsPerSlice = Math.max(1, sliceElements / w);
          int slices = (int) ((union.length + (long) groupsPerSlice - 1) / groupsPerSlice);
          LocalIndex index = LocalIndex.of(local.keys(), localTokens, union);
          JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
          keysBroadcast = context.broadcast(index.sortedKeys());
          indicesBroadcast = context.broadcast(index.unionIndices());
          MaskAndSubmit maskAndSubmit =
              new MaskAndSubmit(sessionId, runtime.coordinator(), runtime.tls(), runtime.callTimeout(), joined.maskPlan(),
                  w, groupsPerSlice, union.length);
          JavaPairRDD<Integer, PlacedStatistics> placed =
              local.groups().mapToPair(new PlaceGroup(keysBroadcast, indicesBroadcast, groupsPerSlice));
          // One slice needs no shuffle: one task reads every cached group (partition 0 is slice 0).
          JavaPairRDD<Integer, PlacedStatistics> sliced =
              slices == 1 && placed.getNumPartitions() > 0 ? placed.coalesce(1) : placed.partitionBy(new SlicePartitioner(slices));
          JavaRDD<Long> sent = sliced.mapPartitionsWithIndex(maskAndSubmit, false);
          long sentWords = inJob(STAGE_MASKED_VECTOR, () -> sent.collect().stream().mapToLong(Long::longValue).sum());
          if (sentWords != totalWords) {
            throw new ParleyException("sent " + sentWords + " of " + totalWords + " vector words");
          }
        }
        log("vector of " + totalWords + " words sent");

        stage = "awaiting the sum";
        long[] sum = client.awaitSum(sessionId, initiator);
        if (!initiator) {
          log("done");
          return List.of();
        }
        if (sum == null || sum.length != totalWords) {
          throw new ParleyException(
              "the coordinator returned " + (sum == null ? "no" : sum.length + " words of a") + " sum, expected "
                  + totalWords + " words");
        }
        joined.removeOutputMask(sum);
        stage = "decoding the result";
        List<Row> rows = decode(union, sum, joined.tokens());
        log("result of " + rows.size() + " groups");
        return rows;
      } catch (RuntimeException failure) {
        // When the local job failed first (cancelled, say), its failure is the cause worth reporting.
        RuntimeException cause =
            localStatistics.isCompletedExceptionally() ? unwrap(localStatistics) : failure;
        throw abort(cause, localStatistics.isCompletedExceptionally() ? STAGE_LOCAL_STATISTICS : stage);
      } finally {
        if (!localStatistics.isDone()) {
          spark.sparkContext().cancelJobsWithTag(jobTag());
        }
        localStatistics.thenAccept(groups -> groups.groups().unpersist(false));
        if (keysBroadcast != null) {
          keysBroadcast.destroy();
        }
        if (indicesBroadcast != null) {
          indicesBroadcast.destroy();
        }
      }
    }

    /** The result rows: per group of the union, its values, then each call's result. */
    private List<Row> decode(byte[][] union, long[] sum, GroupTokens tokens) {
      GroupKeyCodec codec = layout.groupKeyCodec();
      List<CallStatistics> calls = layout.calls();
      int[] firstWords = layout.firstWords();
      int groupColumns = layout.groupTypes().size();
      int w = layout.wordsPerGroup();
      List<Row> rows = new ArrayList<>(union.length);
      for (int g = 0; g < union.length; g++) {
        Object[] key = codec.decode(tokens.groupKey(union[g]));
        if (key.length != groupColumns) {
          throw new ParleyException("group " + g + " of the union decodes to " + key.length + " values, expected " + groupColumns);
        }
        Object[] values = Arrays.copyOf(key, groupColumns + calls.size());
        for (int c = 0; c < calls.size(); c++) {
          values[groupColumns + c] = calls.get(c).finish(sum, g * w + firstWords[c]);
        }
        rows.add(RowFactory.create(values));
      }
      return rows;
    }

    /**
     * Runs {@code job} with a description naming the query, session and stage (the Spark UI and
     * notebooks show it). The initiator keeps its caller's job group, so cancelling that group
     * cancels these jobs; a responder, or an initiator without one, uses the session's group.
     */
    private <T> T inJob(String stageName, Supplier<T> job) {
      SparkContext sc = spark.sparkContext();
      String group = ownJobGroup || callerJobGroup == null ? SessionJobs.sessionGroup(sessionId) : callerJobGroup;
      sc.addJobTag(jobTag());
      try {
        return SessionJobs.run(sc, group, jobDescription(layout.spec(), sessionId, stageName), job);
      } finally {
        sc.removeJobTag(jobTag());
      }
    }

    /** Aborts the session for everyone with a reason safe to show other parties; returns what to throw here. */
    private ParleyException abort(RuntimeException failure, String stage) {
      ParleyException local =
          new ParleyException(
              "federated aggregate " + layout.spec().getDescription() + " (session " + sessionId + ") failed while "
                  + stage + ": " + failure.getMessage(), failure);
      if (!aborted.compareAndSet(false, true)) {
        return local;
      }
      String party = runtime.party();
      String reason;
      if (failure instanceof ParleyException) {
        reason = "party " + party + " failed while " + stage + ": " + failure.getMessage();
      } else if (cancelled(failure)) {
        reason = "party " + party + " cancelled its Spark jobs while " + stage;
      } else {
        // Another exception's message may quote local data (a value that failed to cast): keep it here.
        reason = "party " + party + " failed while " + stage + " (" + failure.getClass().getSimpleName() + ")";
      }
      LOG.info("session {}: party {} aborts while {}", sessionId, party, stage);
      try {
        client.abort(sessionId, reason);
      } catch (RuntimeException abortFailed) {
        LOG.info("session {}: abort not delivered ({})", sessionId, abortFailed.getClass().getSimpleName());
      }
      return local;
    }

    private LocalGroups await(CompletableFuture<LocalGroups> job) {
      try {
        return job.join();
      } catch (CompletionException e) {
        throw unwrap(job);
      }
    }

    private String jobTag() {
      return JOB_GROUP_PREFIX + sessionId;
    }

    private void log(String event) {
      LOG.info("session {}: party {}: {}", sessionId, runtime.party(), event);
    }
  }

  /** "parley: <query> [session <id>]: <stage>", the description of a session's Spark jobs. */
  public static String jobDescription(FederatedAggregate spec, String sessionId, String stage) {
    return "parley: " + spec.getDescription() + " [session " + sessionId + "]: " + stage;
  }

  /** The failure of a job that completed exceptionally. */
  private static RuntimeException unwrap(CompletableFuture<?> job) {
    try {
      job.getNow(null);
      return new IllegalStateException("the local statistics job did not fail");
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      return cause instanceof RuntimeException r ? r : new RuntimeException(cause);
    }
  }

  private static boolean cancelled(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException
          || (t.getMessage() != null && t.getMessage().contains("cancelled"))) {
        return true;
      }
    }
    return false;
  }

  /** The union as every party orders it: bytewise unsigned, duplicates refused. */
  public static byte[][] sortedUnion(List<byte[]> tokens) {
    byte[][] union = tokens.toArray(new byte[0][]);
    Arrays.sort(union, Arrays::compareUnsigned);
    for (int i = 1; i < union.length; i++) {
      if (Arrays.equals(union[i - 1], union[i])) {
        throw new ParleyException("the coordinator's union of group tokens holds a token twice");
      }
    }
    return union;
  }

  /** This party's group keys, sorted, with each one's place in the union: what executors look up. */
  record LocalIndex(byte[][] sortedKeys, long[] unionIndices) {
    static LocalIndex of(List<byte[]> keys, List<byte[]> tokens, byte[][] union) {
      Integer[] order = new Integer[keys.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(keys.get(a), keys.get(b)));
      byte[][] sortedKeys = new byte[order.length][];
      long[] indices = new long[order.length];
      for (int i = 0; i < order.length; i++) {
        int found = Arrays.binarySearch(union, tokens.get(order[i]), Arrays::compareUnsigned);
        if (found < 0) {
          throw new ParleyException("the coordinator's union of group tokens lacks one of this party's groups");
        }
        if (i > 0 && Arrays.equals(sortedKeys[i - 1], keys.get(order[i]))) {
          throw new ParleyException("the local statistics hold one group twice");
        }
        sortedKeys[i] = keys.get(order[i]);
        indices[i] = found;
      }
      return new LocalIndex(sortedKeys, indices);
    }
  }

  /** Executors: a group's place in the union, and the slice that holds it. */
  private static final class PlaceGroup implements PairFunction<GroupStatistics, Integer, PlacedStatistics> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<byte[][]> sortedKeys;
    private final Broadcast<long[]> unionIndices;
    private final int groupsPerSlice;

    PlaceGroup(Broadcast<byte[][]> sortedKeys, Broadcast<long[]> unionIndices, int groupsPerSlice) {
      this.sortedKeys = sortedKeys;
      this.unionIndices = unionIndices;
      this.groupsPerSlice = groupsPerSlice;
    }

    @Override
    public Tuple2<Integer, PlacedStatistics> call(GroupStatistics group) {
      int position = Arrays.binarySearch(sortedKeys.value(), group.key(), Arrays::compareUnsigned);
      if (position < 0) {
        throw new ParleyException("a local group changed after its key was aligned");
      }
      int index = (int) unionIndices.value()[position];
      return new Tuple2<>(index / groupsPerSlice, new PlacedStatistics(index, group.words()));
    }
  }

  /**
   * Executors: builds one slice of the vector (zeros for groups this party lacks), adds this
   * party's masks and sends it through the executor JVM's coordinator client. Returns the words sent.
   */
  private static final class MaskAndSubmit
      implements Function2<Integer, Iterator<Tuple2<Integer, PlacedStatistics>>, Iterator<Long>> {
    private static final long serialVersionUID = 1L;
    private final String sessionId;
    private final String coordinator;
    private final TlsMaterial tls;
    private final Duration callTimeout;
    private final MaskPlan maskPlan;
    private final int wordsPerGroup;
    private final int groupsPerSlice;
    private final int unionSize;

    MaskAndSubmit(String sessionId, String coordinator, TlsMaterial tls, Duration callTimeout, MaskPlan maskPlan,
        int wordsPerGroup, int groupsPerSlice, int unionSize) {
      this.sessionId = sessionId;
      this.coordinator = coordinator;
      this.tls = tls;
      this.callTimeout = callTimeout;
      this.maskPlan = maskPlan;
      this.wordsPerGroup = wordsPerGroup;
      this.groupsPerSlice = groupsPerSlice;
      this.unionSize = unionSize;
    }

    @Override
    public Iterator<Long> call(Integer slice, Iterator<Tuple2<Integer, PlacedStatistics>> groups) {
      int firstGroup = slice * groupsPerSlice;
      int groupCount = Math.min(groupsPerSlice, unionSize - firstGroup);
      long[] words = new long[groupCount * wordsPerGroup];
      while (groups.hasNext()) {
        PlacedStatistics group = groups.next()._2();
        int position = group.index() - firstGroup;
        if (position < 0 || position >= groupCount) {
          throw new IllegalStateException("group " + group.index() + " reached slice " + slice);
        }
        System.arraycopy(group.words(), 0, words, position * wordsPerGroup, wordsPerGroup);
      }
      long firstWord = (long) firstGroup * wordsPerGroup;
      maskPlan.mask(firstWord, words, 0, words.length);
      ExecutorClients.get(coordinator, tls, callTimeout).submitVector(sessionId, firstWord, words, 0, words.length);
      return List.of((long) words.length).iterator();
    }
  }
}
