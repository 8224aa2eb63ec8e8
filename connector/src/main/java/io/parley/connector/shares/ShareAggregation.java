package io.parley.connector.shares;

import io.parley.connector.config.ParleyConf;
import io.parley.connector.functions.CallStatistics;
import io.parley.connector.functions.GroupKeyCodec;
import io.parley.connector.functions.SecureFunction;
import io.parley.connector.party.FederatedAggregation;
import io.parley.connector.party.GroupStatistics;
import io.parley.connector.party.PartyRuntime;
import io.parley.connector.party.QueryLayout;
import io.parley.connector.party.QueryRefused;
import io.parley.protocols.ParleyException;
import io.parley.protocols.aggregation.AggregationParty;
import io.parley.protocols.aggregation.GroupTokens;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.SecretBytes;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.mpc.ComputeSession;
import io.parley.protocols.mpc.Network;
import io.parley.protocols.mpc.ReplicatedParty;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.session.SessionKeyExchange;
import io.parley.protocols.wire.AggregateCall;
import io.parley.protocols.wire.FederatedAggregate;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.SessionCreated;
import io.parley.protocols.wire.ShareQuery;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A federated aggregate on three-party replicated secret shares (Tier 2): the secure_* functions
 * that compare (min, max, median, percentile, max_by, min_by), beside the linear ones, and GROUP BY
 * with small groups suppressed. The federation's three compute parties run it, each from its
 * driver ({@link #runAsInitiator} at the party that asks, {@link #respond} at the two others); a
 * compute party with no local part of the table takes part with no rows.
 *
 * <p>Per party: one Spark job computes, per local group, its key and its words (the linear
 * statistics of secure aggregation, an internal row count, and per comparing call the local
 * extreme with an absent flag). Party 0 draws the session's token key and sends it sealed to the
 * others, each sends its own {@code spark.parley.policy.minGroupSize} with it; group keys are
 * aligned as tokens through the coordinator. Then, on one sealed network, every party inputs its
 * words laid out on the union of groups; sums are added on shares; a group is suppressed when its
 * row count is below k (compared on shares, and only the bit opened, to all three); extremes are
 * the minimum or maximum over the three parties' extremes; and only the reported groups' results
 * are opened, to the initiator only. Percentiles run per value through {@link SharePercentiles}.
 */
public final class ShareAggregation {
  private static final Logger LOG = LoggerFactory.getLogger(ShareAggregation.class);
  /** The ShareQuery version this party speaks. */
  public static final int SHARE_QUERY_VERSION = 1;
  static final String OPERATION_SETUP = "share-setup";
  static final String OPERATION_AGGREGATE = "share-aggregate";
  static final String OPERATION_PERCENTILE = "share-percentile-";
  private static final byte SETUP_VERSION = 1;
  private static final int TOKEN_KEY_BYTES = 32;

  private ShareAggregation() {}

  /**
   * Whether {@code spec} runs on shares at this party's initiative: it compares values, or it
   * groups while this party's policy suppresses small groups.
   */
  public static boolean runsOnShares(SparkSession spark, FederatedAggregate spec) {
    boolean compares = spec.getAggregatesList().stream()
        .anyMatch(call -> SecureFunction.bySqlName(call.getFunction()).map(SecureFunction::compares).orElse(false));
    return compares
        || (spec.getGroupBySqlCount() > 0 && ParleyConf.of(spark).get(ParleyConf.POLICY_MIN_GROUP_SIZE) > 1);
  }

  /**
   * Runs {@code spec} on shares as its initiator; returns one row per reported group: the group
   * values, then each call's result, in the spec's order.
   *
   * @throws ParleyException naming the party, policy or setting at fault; the session is aborted
   */
  public static List<Row> runAsInitiator(SparkSession spark, FederatedAggregate spec) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    ParleyConf conf = runtime.conf();
    List<String> computeParties = requireComputeParties(runtime, spec);
    ShareQuery query =
        ShareQuery.newBuilder()
            .setVersion(SHARE_QUERY_VERSION)
            .setAggregate(spec)
            .setMinGroupSize(conf.get(ParleyConf.POLICY_MIN_GROUP_SIZE))
            .setPartitions(conf.get(ParleyConf.MPC_PARTITIONS))
            .build();
    FederatedAggregation.checkPolicy(runtime, spec, computeParties);
    SharePlan plan = SharePlan.resolve(spark, query);
    CoordinatorClient client = runtime.client();
    SessionCreated created;
    try {
      created = client.createMpcSession(query, computeParties, runtime.sessionTimeout());
    } catch (ParleyException e) {
      throw new ParleyException("federated aggregate " + spec.getDescription() + " could not start: " + e.getMessage(), e);
    }
    try {
      FederatedAggregation.checkPolicy(runtime, spec, created.getParticipantsList());
    } catch (ParleyException refused) {
      client.abort(created.getSessionId(), "party " + runtime.party() + " refuses the session's participants");
      throw refused;
    }
    LOG.info("session {}: party {} initiates {} on shares with {}", created.getSessionId(), runtime.party(),
        spec.getDescription(), created.getParticipantsList());
    return new Participation(spark, runtime, plan, created.getSessionId(), created.getParticipantsList(),
        runtime.party(), false, Drbg.strong()).run();
  }

  /**
   * Answers an MPC invitation whose ShareQuery is an aggregate: checks the query and this party's
   * policy (declining, with the reason, when either refuses), then computes on shares without
   * learning the result.
   *
   * @throws ParleyException when the session failed; it has then been aborted (or declined)
   */
  public static void respond(SparkSession spark, Invitation invitation, ShareQuery query) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    String sessionId = invitation.getSessionId();
    SharePlan plan;
    try {
      if (query.getVersion() != SHARE_QUERY_VERSION) {
        throw new QueryRefused("party " + runtime.party() + " speaks ShareQuery version " + SHARE_QUERY_VERSION
            + ", not " + query.getVersion());
      }
      FederatedAggregate spec = query.getAggregate();
      requireComputeParties(runtime, spec);
      if (!invitation.getParticipantsList().equals(runtime.federation().computeParties())) {
        throw new QueryRefused("party " + runtime.party() + " computes on shares only with the compute parties "
            + runtime.federation().computeParties() + " (federation.computeParties), not " + invitation.getParticipantsList());
      }
      FederatedAggregation.checkPolicy(runtime, spec, invitation.getParticipantsList());
      plan = SharePlan.resolve(spark, query);
    } catch (ParleyException refused) {
      String reason = refused instanceof QueryRefused
          ? refused.getMessage()
          : "party " + runtime.party() + " cannot answer this query (see its log)";
      LOG.info("session {}: party {} declines: {}", sessionId, runtime.party(), refused.getMessage());
      FederatedAggregation.decline(runtime, sessionId, reason);
      throw refused;
    } catch (RuntimeException failed) {
      LOG.warn("session {}: party {} declines after {}", sessionId, runtime.party(), failed.getClass().getName());
      FederatedAggregation.decline(runtime, sessionId, "party " + runtime.party() + " cannot answer this query ("
          + failed.getClass().getSimpleName() + "; see its log)");
      throw failed;
    }
    LOG.info("session {}: party {} answers {} on shares from {}", sessionId, runtime.party(),
        plan.layout.spec().getDescription(), invitation.getInitiator());
    new Participation(spark, runtime, plan, sessionId, invitation.getParticipantsList(), invitation.getInitiator(), true,
        Drbg.strong()).run();
  }

  /**
   * A query on shares needs the federation's three compute parties, this party among them, and no
   * data party outside them: the federation's parties are exactly its compute parties.
   */
  static List<String> requireComputeParties(PartyRuntime runtime, FederatedAggregate spec) {
    FederationDefinition federation = runtime.federation();
    List<String> compute = federation.computeParties();
    String what = "parley: " + describeShareWork(spec) + " over federated table " + spec.getTable();
    if (compute.isEmpty()) {
      throw new QueryRefused(what + " runs on secret shares among three compute parties, but federation "
          + federation.name() + " names none: set federation.computeParties=a,b,c in its definition");
    }
    if (!compute.contains(runtime.party())) {
      throw new QueryRefused(what + ": party " + runtime.party() + " is not one of the compute parties " + compute
          + " (federation.computeParties)");
    }
    List<String> outside = federation.parties().stream().filter(p -> !compute.contains(p)).toList();
    if (!outside.isEmpty()) {
      throw new QueryRefused(what + ": parties " + outside + " of federation " + federation.name()
          + " are not compute parties (federation.computeParties = " + compute + "); their rows cannot be shared");
    }
    return compute;
  }

  private static String describeShareWork(FederatedAggregate spec) {
    Optional<String> comparing = spec.getAggregatesList().stream().map(AggregateCall::getFunction)
        .filter(name -> SecureFunction.bySqlName(name).map(SecureFunction::compares).orElse(false)).findFirst();
    return comparing.orElse("GROUP BY with " + ParleyConf.POLICY_MIN_GROUP_SIZE.key() + " > 1");
  }

  // ---------------------------------------------------------------- one party's run

  /** One session as this compute party runs it, stage by stage. */
  private static final class Participation {
    private final SparkSession spark;
    private final PartyRuntime runtime;
    private final SharePlan plan;
    private final String sessionId;
    private final List<String> participants;
    private final String initiator;
    private final boolean ownJobGroup;
    private final SecureRandom random;
    private final String callerJobGroup;
    private volatile String stage = "computing local statistics";
    private ComputeSession session;

    Participation(SparkSession spark, PartyRuntime runtime, SharePlan plan, String sessionId, List<String> participants,
        String initiator, boolean ownJobGroup, SecureRandom random) {
      this.spark = spark;
      this.runtime = runtime;
      this.plan = plan;
      this.sessionId = sessionId;
      this.participants = List.copyOf(participants);
      this.initiator = initiator;
      this.ownJobGroup = ownJobGroup;
      this.random = random;
      this.callerJobGroup = spark.sparkContext().getLocalProperty("spark.jobGroup.id");
    }

    List<Row> run() {
      try {
        QueryLayout layout = plan.layout;
        List<GroupStatistics> local = inJob("local statistics", () ->
            layout.localStatistics().javaRDD()
                .mapPartitions(new EncodeGroups(layout.groupKeyCodec(), layout.calls(), layout.firstColumns(),
                    layout.firstWords(), layout.wordsPerGroup()))
                .collect());
        log("local statistics of " + local.size() + " groups");

        stage = "joining";
        session = ComputeSession.join(keyExchange(runtime, random), runtime.client(), sessionId, participants, plan.digest,
            layout.wordsPerGroup());
        int self = session.partyId();
        int resultParty = session.parties().indexOf(initiator);
        if (resultParty < 0) {
          throw new ParleyException("the initiator " + initiator + " is not a compute party of the session");
        }

        stage = "agreeing the token key and the minimum group size";
        Setup setup = exchangeSetup(session, self, runtime.conf().get(ParleyConf.POLICY_MIN_GROUP_SIZE));
        long k = Math.max(setup.minGroupSize(), plan.query.getMinGroupSize());
        GroupTokens tokens = AggregationParty.tokensFor(runtime.federation().name(), sessionId, setup.tokenKey());
        setup.tokenKey().destroy();

        stage = "aligning group keys";
        List<byte[]> localTokens = new ArrayList<>(local.size());
        for (GroupStatistics group : local) {
          localTokens.add(tokens.token(group.key()));
        }
        byte[][] union = sortedUnion(runtime.client().alignKeys(sessionId, localTokens));
        int groups = union.length;
        int w = layout.wordsPerGroup();
        if ((long) groups * w > Integer.MAX_VALUE / 4) {
          throw new ParleyException("the union of " + groups + " groups x " + w + " words is too large to share");
        }
        log("union of " + groups + " groups, minimum group size " + k);

        stage = "sharing the inputs";
        long[] columns = layOut(local, localTokens, union, w);
        ReplicatedParty engine =
            ReplicatedParty.connect(session.network(OPERATION_AGGREGATE, 0, random), random, 0);
        ShareComputation computation = new ShareComputation(engine, plan, groups, w, self);
        computation.share(columns);

        int[] reported;
        if (plan.grouped() && k > 1) {
          stage = "suppressing small groups";
          reported = computation.reportedGroups(k);
        } else {
          reported = allGroups(groups);
        }
        log(reported.length + " of " + groups + " groups reported");

        stage = "comparing";
        Optional<ShareComputation.Opened> opened = computation.results(reported, resultParty);

        // One percentile stage per distinct argument: its calls' percentages are selected together.
        PercentileCalls percentiles = new PercentileCalls(plan);
        if (reported.length > 0) {
          for (int first : percentiles.firstCalls()) {
            stage = "computing percentiles of " + plan.layout.spec().getAggregates(first).getArgumentSql(0);
            percentiles.found(first, percentiles(first, percentiles.percentages(first), union, tokens, reported,
                resultParty));
          }
        }

        stage = "finishing";
        session.finish();
        if (opened.isEmpty()) {
          log("done");
          return List.of();
        }
        List<Row> rows = decode(union, tokens, reported, opened.get(), percentiles);
        log("result of " + rows.size() + " groups");
        return rows;
      } catch (RuntimeException failure) {
        throw abort(failure);
      }
    }

    /** Party 0's token key for every party, and each party's minimum group size, sealed through the relay. */
    private Setup exchangeSetup(ComputeSession session, int self, int ownMinGroupSize) {
      Network network = session.network(OPERATION_SETUP, 0, random);
      byte[] tokenKey = null;
      if (self == 0) {
        tokenKey = new byte[TOKEN_KEY_BYTES];
        random.nextBytes(tokenKey);
      }
      for (int other = 0; other < ReplicatedParty.PARTIES; other++) {
        if (other != self) {
          ByteBuffer message = ByteBuffer.allocate(1 + Long.BYTES + (self == 0 ? TOKEN_KEY_BYTES : 0));
          message.put(SETUP_VERSION).putLong(ownMinGroupSize);
          if (tokenKey != null) {
            message.put(tokenKey);
          }
          network.send(other, message.array());
        }
      }
      long minGroupSize = ownMinGroupSize;
      for (int other = 0; other < ReplicatedParty.PARTIES; other++) {
        if (other == self) {
          continue;
        }
        byte[] received = network.receive(other);
        int expected = 1 + Long.BYTES + (other == 0 ? TOKEN_KEY_BYTES : 0);
        if (received.length != expected || received[0] != SETUP_VERSION) {
          throw new ParleyException("compute party " + session.parties().get(other)
              + " sent a session setup message of the wrong version or length");
        }
        ByteBuffer buffer = ByteBuffer.wrap(received, 1, received.length - 1);
        long theirs = buffer.getLong();
        if (theirs < 1) {
          throw new ParleyException("compute party " + session.parties().get(other) + " sent a minimum group size below 1");
        }
        minGroupSize = Math.max(minGroupSize, theirs);
        if (other == 0) {
          tokenKey = new byte[TOKEN_KEY_BYTES];
          buffer.get(tokenKey);
        }
        Arrays.fill(received, (byte) 0);
      }
      SecretBytes key = SecretBytes.of(tokenKey);
      Arrays.fill(tokenKey, (byte) 0);
      return new Setup(key, minGroupSize);
    }

    /** This party's words on the union, one column per word: column j of group g at {@code j * G + g}. */
    private long[] layOut(List<GroupStatistics> local, List<byte[]> localTokens, byte[][] union, int w) {
      int groups = union.length;
      long[] columns = new long[groups * w];
      long[] absent = new long[w];
      List<CallStatistics> calls = plan.layout.calls();
      int[] firstWords = plan.layout.firstWords();
      for (int c = 0; c < calls.size(); c++) {
        calls.get(c).encodeAbsent(absent, firstWords[c]);
      }
      boolean[] present = new boolean[groups];
      for (int i = 0; i < local.size(); i++) {
        int g = Arrays.binarySearch(union, localTokens.get(i), Arrays::compareUnsigned);
        if (g < 0 || present[g]) {
          throw new ParleyException("the coordinator's union of group tokens lacks one of this party's groups");
        }
        present[g] = true;
        long[] words = local.get(i).words();
        for (int j = 0; j < w; j++) {
          columns[j * groups + g] = words[j];
        }
      }
      for (int g = 0; g < groups; g++) {
        if (!present[g]) {
          for (int j = 0; j < w; j++) {
            columns[j * groups + g] = absent[j];
          }
        }
      }
      return columns;
    }

    /** Per reported group, its percentiles (null without values) at the initiator; empty elsewhere. */
    private GroupPercentiles[] percentiles(int call, double[] percentages, byte[][] union, GroupTokens tokens,
        int[] reported, int resultParty) {
      // This party's reported groups, by key, with their dense index among the reported groups.
      List<byte[]> keys = new ArrayList<>();
      List<Integer> indices = new ArrayList<>();
      for (int r = 0; r < reported.length; r++) {
        keys.add(tokens.groupKey(union[reported[r]]));
        indices.add(r);
      }
      Integer[] order = indices.toArray(Integer[]::new);
      Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(keys.get(a), keys.get(b)));
      byte[][] sortedKeys = new byte[order.length][];
      int[] denseIndex = new int[order.length];
      for (int i = 0; i < order.length; i++) {
        sortedKeys[i] = keys.get(order[i]);
        denseIndex[i] = order[i];
      }
      JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Broadcast<byte[][]> keysBroadcast = context.broadcast(sortedKeys);
      Broadcast<int[]> indexBroadcast = context.broadcast(denseIndex);
      try {
        CallStatistics statistics = plan.call(call);
        StructType schema = new StructType().add("group", DataTypes.IntegerType, false).add("value", DataTypes.LongType, false);
        Dataset<Row> values = spark.createDataFrame(
            plan.layout.groupsAndArgument(call, 0).javaRDD()
                .mapPartitions(new EncodeValues(plan.layout.groupKeyCodec(), statistics.comparedCodec(0),
                    plan.layout.groupTypes().size(), keysBroadcast, indexBroadcast)),
            schema);
        return inJob("percentiles of call " + call, () -> SharePercentiles.run(spark, runtime, session, values,
            reported.length, percentages, (int) plan.query.getPartitions(), resultParty, OPERATION_PERCENTILE + call));
      } finally {
        keysBroadcast.destroy();
        indexBroadcast.destroy();
      }
    }

    /** The result rows at the initiator: per reported group its values, then each call's result. */
    private List<Row> decode(byte[][] union, GroupTokens tokens, int[] reported, ShareComputation.Opened opened,
        PercentileCalls percentiles) {
      GroupKeyCodec codec = plan.layout.groupKeyCodec();
      int groupColumns = plan.layout.groupTypes().size();
      List<Row> rows = new ArrayList<>(reported.length);
      for (int r = 0; r < reported.length; r++) {
        Object[] key = codec.decode(tokens.groupKey(union[reported[r]]));
        if (key.length != groupColumns) {
          throw new ParleyException("group " + r + " decodes to " + key.length + " values, expected " + groupColumns);
        }
        Object[] values = Arrays.copyOf(key, groupColumns + plan.userCalls);
        for (int c = 0; c < plan.userCalls; c++) {
          values[groupColumns + c] = opened.result(c, r, percentiles);
        }
        rows.add(RowFactory.create(values));
      }
      return rows;
    }

    private <T> T inJob(String stageName, Supplier<T> job) {
      SparkContext sc = spark.sparkContext();
      String previousDescription = sc.getLocalProperty("spark.job.description");
      String previousGroup = sc.getLocalProperty("spark.jobGroup.id");
      String previousInterrupt = sc.getLocalProperty("spark.job.interruptOnCancel");
      String description = FederatedAggregation.jobDescription(plan.layout.spec(), sessionId, stageName);
      sc.setJobGroup(ownJobGroup || callerJobGroup == null ? FederatedAggregation.JOB_GROUP_PREFIX + sessionId
          : callerJobGroup, description, true);
      try {
        return job.get();
      } finally {
        sc.setLocalProperty("spark.job.description", previousDescription);
        sc.setLocalProperty("spark.jobGroup.id", previousGroup);
        sc.setLocalProperty("spark.job.interruptOnCancel", previousInterrupt);
      }
    }

    /** Aborts the session for everyone with a reason safe to show other parties; returns what to throw here. */
    private ParleyException abort(RuntimeException failure) {
      ParleyException local = new ParleyException("federated aggregate " + plan.layout.spec().getDescription()
          + " on shares (session " + sessionId + ") failed while " + stage + ": " + failure.getMessage(), failure);
      String reason = failure instanceof ParleyException
          ? "party " + runtime.party() + " failed while " + stage + ": " + failure.getMessage()
          : "party " + runtime.party() + " failed while " + stage + " (" + failure.getClass().getSimpleName() + ")";
      LOG.info("session {}: party {} aborts while {}", sessionId, runtime.party(), stage);
      try {
        runtime.client().abort(sessionId, reason);
      } catch (RuntimeException abortFailed) {
        LOG.info("session {}: abort not delivered ({})", sessionId, abortFailed.getClass().getSimpleName());
      }
      return local;
    }

    private void log(String event) {
      LOG.info("session {}: party {}: {}", sessionId, runtime.party(), event);
    }
  }

  private record Setup(SecretBytes tokenKey, long minGroupSize) {}

  /** The session key exchange of this party: its certificate, checked peers of its federation's CA. */
  private static SessionKeyExchange keyExchange(PartyRuntime runtime, SecureRandom random) {
    return new SessionKeyExchange(runtime.federation().name(), runtime.tls(),
        new CertificateChecker(runtime.tls().ca(), runtime.federation().name()), random);
  }

  static int[] allGroups(int groups) {
    int[] all = new int[groups];
    for (int g = 0; g < groups; g++) {
      all[g] = g;
    }
    return all;
  }

  /** The union as every party orders it: bytewise unsigned, duplicates refused. */
  static byte[][] sortedUnion(List<byte[]> tokens) {
    byte[][] union = tokens.toArray(new byte[0][]);
    Arrays.sort(union, Arrays::compareUnsigned);
    for (int i = 1; i < union.length; i++) {
      if (Arrays.equals(union[i - 1], union[i])) {
        throw new ParleyException("the coordinator's union of group tokens holds a token twice");
      }
    }
    return union;
  }

  // ---------------------------------------------------------------- executors

  /** Executors: each local group row to its canonical key and its words. */
  private static final class EncodeGroups implements FlatMapFunction<Iterator<Row>, GroupStatistics> {
    private static final long serialVersionUID = 1L;
    private final GroupKeyCodec codec;
    private final List<CallStatistics> calls;
    private final int[] firstColumns;
    private final int[] firstWords;
    private final int wordsPerGroup;

    EncodeGroups(GroupKeyCodec codec, List<CallStatistics> calls, int[] firstColumns, int[] firstWords, int wordsPerGroup) {
      this.codec = codec;
      this.calls = List.copyOf(calls);
      this.firstColumns = firstColumns;
      this.firstWords = firstWords;
      this.wordsPerGroup = wordsPerGroup;
    }

    @Override
    public Iterator<GroupStatistics> call(Iterator<Row> rows) {
      List<GroupStatistics> encoded = new ArrayList<>();
      while (rows.hasNext()) {
        Row row = rows.next();
        long[] words = new long[wordsPerGroup];
        for (int c = 0; c < calls.size(); c++) {
          calls.get(c).encode(row, firstColumns[c], words, firstWords[c]);
        }
        encoded.add(new GroupStatistics(codec.encode(row, 0), words));
      }
      return encoded.iterator();
    }
  }

  /** Executors: a row's non-null value, order-preservingly encoded, with its reported group's dense index. */
  private static final class EncodeValues implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    private final GroupKeyCodec codec;
    private final OrderedValueCodec values;
    private final int valueColumn;
    private final Broadcast<byte[][]> sortedKeys;
    private final Broadcast<int[]> denseIndex;

    EncodeValues(GroupKeyCodec codec, OrderedValueCodec values, int valueColumn, Broadcast<byte[][]> sortedKeys,
        Broadcast<int[]> denseIndex) {
      this.codec = codec;
      this.values = values;
      this.valueColumn = valueColumn;
      this.sortedKeys = sortedKeys;
      this.denseIndex = denseIndex;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      byte[][] keys = sortedKeys.value();
      int[] index = denseIndex.value();
      List<Row> encoded = new ArrayList<>();
      while (rows.hasNext()) {
        Row row = rows.next();
        if (row.isNullAt(valueColumn)) {
          continue;
        }
        int position = Arrays.binarySearch(keys, codec.encode(row, 0), Arrays::compareUnsigned);
        if (position >= 0) {
          encoded.add(RowFactory.create(index[position], values.encode(row.get(valueColumn))));
        }
      }
      return encoded.iterator();
    }
  }

}
