package io.parley.connector.shares;

import io.parley.connector.config.ParleyConf;
import io.parley.connector.functions.CallStatistics;
import io.parley.connector.functions.GroupKeyCodec;
import io.parley.connector.functions.SecureFunction;
import io.parley.connector.party.EncodeGroups;
import io.parley.connector.party.FederatedAggregation;
import io.parley.connector.party.GroupStatistics;
import io.parley.connector.party.PartyRuntime;
import io.parley.connector.party.QueryLayout;
import io.parley.connector.party.QueryRefused;
import io.parley.connector.party.SessionJobs;
import io.parley.protocols.ParleyException;
import io.parley.protocols.aggregation.AggregationParty;
import io.parley.protocols.aggregation.GroupTokens;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.SecretBytes;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.mpc.ArithmeticShares;
import io.parley.protocols.mpc.BooleanShares;
import io.parley.protocols.mpc.ComputeSession;
import io.parley.protocols.mpc.InputChannels;
import io.parley.protocols.mpc.InputSession;
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
 * driver ({@link #runAsInitiator} at the party that asks, which must be a compute party, {@link
 * #respond} at the others); a compute party with no local part of the table takes part with no
 * rows. Every other party of the federation answers as an input party: it shares its words (and,
 * for percentiles, its values) with the compute parties and learns no result.
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
  /** Input parties' words, on each input party's channel with each compute party. */
  static final String OPERATION_INPUT = "share-input";
  /** Which groups are reported, from compute party 0 to each input party (only with percentile calls). */
  static final String OPERATION_REPORTED = "share-reported";
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
    List<String> inputParties = inputParties(runtime.federation());
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
      created = client.createMpcSession(query, computeParties, inputParties, runtime.sessionTimeout());
    } catch (ParleyException e) {
      throw new ParleyException("federated aggregate " + spec.getDescription() + " could not start: " + e.getMessage(), e);
    }
    try {
      FederatedAggregation.checkPolicy(runtime, spec, created.getParticipantsList());
      if (!created.getComputePartiesList().equals(computeParties)) {
        throw new ParleyException("the coordinator opened session " + created.getSessionId() + " for compute parties "
            + created.getComputePartiesList() + ", not " + computeParties);
      }
    } catch (ParleyException refused) {
      client.abort(created.getSessionId(), "party " + runtime.party() + " refuses the session's participants");
      throw refused;
    }
    LOG.info("session {}: party {} initiates {} on shares with {}", created.getSessionId(), runtime.party(),
        spec.getDescription(), created.getParticipantsList());
    return new Participation(spark, runtime, plan, created.getSessionId(), created.getParticipantsList(),
        computeParties, runtime.party(), false, Drbg.strong()).run();
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
      requireSessionShape(runtime, spec, invitation);
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
    new Participation(spark, runtime, plan, sessionId, invitation.getParticipantsList(),
        invitation.getComputePartiesList(), invitation.getInitiator(), true, Drbg.strong()).run();
  }

  /**
   * The invitation's compute parties are the federation's, the initiator among them, and its
   * participants are every party of the federation (the others as input parties), so no party's
   * rows are left out and none computes that the federation did not name.
   */
  private static void requireSessionShape(PartyRuntime runtime, FederatedAggregate spec, Invitation invitation) {
    FederationDefinition federation = runtime.federation();
    List<String> compute = federation.computeParties();
    String what = "parley: " + describeShareWork(spec) + " over federated table " + spec.getTable();
    if (compute.isEmpty()) {
      throw new QueryRefused(what + " runs on secret shares among three compute parties, but federation "
          + federation.name() + " names none: set federation.computeParties=a,b,c in its definition");
    }
    if (!invitation.getComputePartiesList().equals(compute)) {
      throw new QueryRefused("party " + runtime.party() + " computes on shares only with the compute parties " + compute
          + " (federation.computeParties), not " + invitation.getComputePartiesList());
    }
    if (!compute.contains(invitation.getInitiator())) {
      throw new QueryRefused("party " + runtime.party() + " answers queries on shares only from a compute party "
          + compute + " (federation.computeParties), not from " + invitation.getInitiator());
    }
    List<String> everyone = federation.parties().stream().sorted().toList();
    if (!invitation.getParticipantsList().stream().sorted().toList().equals(everyone)) {
      throw new QueryRefused("party " + runtime.party() + " answers a query on shares only with every party of"
          + " federation " + federation.name() + " " + everyone + ", not " + invitation.getParticipantsList());
    }
  }

  /** The federation's parties that are not compute parties, sorted: they take part as input parties. */
  static List<String> inputParties(FederationDefinition federation) {
    List<String> compute = federation.computeParties();
    return federation.parties().stream().filter(p -> !compute.contains(p)).sorted().toList();
  }

  /**
   * A query on shares needs the federation's three compute parties, the initiator (this party)
   * among them: the result is opened to it on shares. Every other party of the federation takes
   * part as an input party.
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
          + " (federation.computeParties); only a compute party can initiate it, since the result is opened to the"
          + " initiator on shares");
    }
    return compute;
  }

  private static String describeShareWork(FederatedAggregate spec) {
    Optional<String> comparing = spec.getAggregatesList().stream().map(AggregateCall::getFunction)
        .filter(name -> SecureFunction.bySqlName(name).map(SecureFunction::compares).orElse(false)).findFirst();
    return comparing.orElse("GROUP BY with " + ParleyConf.POLICY_MIN_GROUP_SIZE.key() + " > 1");
  }

  // ---------------------------------------------------------------- one party's run

  /**
   * One session as this party runs it, stage by stage: as a compute party ({@link #runComputing})
   * or, for a party of the federation outside the compute parties, as an input party ({@link
   * #runAsInputParty}) that shares its words and values and learns no result.
   */
  private static final class Participation {
    private final SparkSession spark;
    private final PartyRuntime runtime;
    private final SharePlan plan;
    private final String sessionId;
    private final List<String> participants;
    private final List<String> computeParties;
    private final String initiator;
    private final boolean ownJobGroup;
    private final SecureRandom random;
    private final String callerJobGroup;
    private volatile String stage = "computing local statistics";
    private ComputeSession session;

    Participation(SparkSession spark, PartyRuntime runtime, SharePlan plan, String sessionId, List<String> participants,
        List<String> computeParties, String initiator, boolean ownJobGroup, SecureRandom random) {
      this.spark = spark;
      this.runtime = runtime;
      this.plan = plan;
      this.sessionId = sessionId;
      this.participants = List.copyOf(participants);
      this.computeParties = computeParties.stream().sorted().toList();
      this.initiator = initiator;
      this.ownJobGroup = ownJobGroup;
      this.random = random;
      this.callerJobGroup = SessionJobs.callerGroup(spark.sparkContext());
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
        if (computeParties.contains(runtime.party())) {
          return runComputing(local);
        }
        runAsInputParty(local);
        return List.of();
      } catch (RuntimeException failure) {
        throw abort(failure);
      }
    }

    private List<Row> runComputing(List<GroupStatistics> local) {
      QueryLayout layout = plan.layout;
      session = ComputeSession.join(keyExchange(runtime, random), runtime.client(), sessionId, participants,
          computeParties, plan.digest, layout.wordsPerGroup());
      int self = session.partyId();
      int resultParty = session.parties().indexOf(initiator);
      if (resultParty < 0) {
        throw new ParleyException("the initiator " + initiator + " is not a compute party of the session");
      }
      List<String> inputParties = session.inputParties();

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
      checkSize(groups, w);
      log("union of " + groups + " groups, minimum group size " + k);

      stage = "sharing the inputs";
      long[] columns = layOut(plan, local, localTokens, union, w);
      ReplicatedParty engine =
          ReplicatedParty.connect(session.network(OPERATION_AGGREGATE, 0, random), random, 0);
      ShareComputation computation = new ShareComputation(engine, plan, groups, w, self, inputParties.size());
      List<ArithmeticShares> inputColumns = new ArrayList<>();
      List<BooleanShares> inputAbsent = new ArrayList<>();
      for (int input = 0; input < inputParties.size(); input++) {
        stage = "receiving the inputs of input party " + inputParties.get(input);
        Network channel = session.inputChannel(input, OPERATION_INPUT, 0, random);
        int peer = InputChannels.peerId(runtime.party(), inputParties.get(input));
        inputColumns.add(ReplicatedParty.receiveExternalInput(channel.receive(peer), groups * w));
        inputAbsent.add(ReplicatedParty.receiveExternalBooleanInput(channel.receive(peer), computation.absentWords()));
      }
      stage = "sharing the inputs";
      computation.share(columns, inputColumns, inputAbsent);

      int[] reported;
      if (plan.grouped() && k > 1) {
        stage = "suppressing small groups";
        reported = computation.reportedGroups(k);
      } else {
        reported = allGroups(groups);
      }
      log(reported.length + " of " + groups + " groups reported");

      PercentileCalls percentiles = new PercentileCalls(plan);
      if (self == 0 && !percentiles.firstCalls().isEmpty()) {
        // Input parties share values only of reported groups: they must know which those are.
        stage = "telling the input parties which groups are reported";
        for (int input = 0; input < inputParties.size(); input++) {
          session.inputChannel(input, OPERATION_REPORTED, 0, random)
              .send(InputChannels.peerId(runtime.party(), inputParties.get(input)), reportedMessage(groups, reported));
        }
      }

      stage = "comparing";
      Optional<ShareComputation.Opened> opened = computation.results(reported, resultParty);

      // One percentile stage per distinct argument: its calls' percentages are selected together.
      if (reported.length > 0) {
        for (int first : percentiles.firstCalls()) {
          stage = "computing percentiles of " + plan.layout.spec().getAggregates(first).getArgumentSql(0);
          double[] percentages = percentiles.percentages(first);
          percentiles.found(first, withValues(first, union, tokens, reported, values ->
              inJob("percentiles of call " + first, () -> SharePercentiles.run(spark, runtime, session, values,
                  reported.length, percentages, (int) plan.query.getPartitions(), resultParty,
                  OPERATION_PERCENTILE + first))));
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
    }

    /**
     * An input party's run: it sends each compute party its minimum group size, gets the token key
     * from compute party 0, aligns its group keys, sends its words (and absent flags) as
     * replicated shares; with percentile calls it learns from compute party 0 which groups are
     * reported and shares its values of those through the percentile stage's input.
     */
    private void runAsInputParty(List<GroupStatistics> local) {
      QueryLayout layout = plan.layout;
      InputSession input = InputSession.join(keyExchange(runtime, random), runtime.client(), sessionId, participants,
          computeParties, plan.digest, layout.wordsPerGroup());

      stage = "sending the minimum group size and receiving the token key";
      byte[] ownSetup = ByteBuffer.allocate(1 + Long.BYTES).put(SETUP_VERSION)
          .putLong(runtime.conf().get(ParleyConf.POLICY_MIN_GROUP_SIZE)).array();
      Network fromFirst = null;
      for (int party = 0; party < ReplicatedParty.PARTIES; party++) {
        Network channel = input.channel(party, OPERATION_SETUP, 0, random);
        channel.send(InputChannels.peerId(runtime.party(), computeParties.get(party)), ownSetup.clone());
        if (party == 0) {
          fromFirst = channel;
        }
      }
      byte[] received = fromFirst.receive(InputChannels.peerId(runtime.party(), computeParties.get(0)));
      if (received.length != 1 + TOKEN_KEY_BYTES || received[0] != SETUP_VERSION) {
        throw new ParleyException("compute party " + computeParties.get(0)
            + " sent a session setup message of the wrong version or length");
      }
      SecretBytes tokenKey = SecretBytes.of(Arrays.copyOfRange(received, 1, received.length));
      Arrays.fill(received, (byte) 0);
      GroupTokens tokens = AggregationParty.tokensFor(runtime.federation().name(), sessionId, tokenKey);
      tokenKey.destroy();

      stage = "aligning group keys";
      List<byte[]> localTokens = new ArrayList<>(local.size());
      for (GroupStatistics group : local) {
        localTokens.add(tokens.token(group.key()));
      }
      byte[][] union = sortedUnion(runtime.client().alignKeys(sessionId, localTokens));
      int groups = union.length;
      int w = layout.wordsPerGroup();
      checkSize(groups, w);
      log("union of " + groups + " groups");

      stage = "sending its inputs as shares";
      long[] columns = layOut(plan, local, localTokens, union, w);
      byte[][] words = ReplicatedParty.externalInputMessages(columns, random);
      byte[][] absent = ReplicatedParty.externalBooleanInputMessages(
          ShareComputation.absentFlags(plan, columns, groups), random);
      Arrays.fill(columns, 0L);
      for (int party = 0; party < ReplicatedParty.PARTIES; party++) {
        Network channel = input.channel(party, OPERATION_INPUT, 0, random);
        int peer = InputChannels.peerId(runtime.party(), computeParties.get(party));
        channel.send(peer, words[party]);
        channel.send(peer, absent[party]);
      }

      PercentileCalls percentiles = new PercentileCalls(plan);
      if (!percentiles.firstCalls().isEmpty()) {
        stage = "learning which groups are reported";
        byte[] message = input.channel(0, OPERATION_REPORTED, 0, random)
            .receive(InputChannels.peerId(runtime.party(), computeParties.get(0)));
        int[] reported = reportedGroups(message, groups, computeParties.get(0));
        log(reported.length + " of " + groups + " groups reported");
        if (reported.length > 0) {
          for (int first : percentiles.firstCalls()) {
            stage = "sharing values of " + plan.layout.spec().getAggregates(first).getArgumentSql(0);
            withValues(first, union, tokens, reported, values -> {
              inJob("percentiles of call " + first, () -> {
                PercentileStage.contribute(spark, runtime, input, values, reported.length,
                    (int) plan.query.getPartitions(), OPERATION_PERCENTILE + first);
                return null;
              });
              return null;
            });
          }
        }
      }

      stage = "finishing";
      input.finish();
      log("done: inputs shared");
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
      // Input parties: party 0 sends each the token key; each sends every compute party its minimum.
      List<String> inputParties = session.inputParties();
      Network[] inputChannels = new Network[inputParties.size()];
      for (int input = 0; input < inputParties.size(); input++) {
        inputChannels[input] = session.inputChannel(input, OPERATION_SETUP, 0, random);
        if (self == 0) {
          inputChannels[input].send(InputChannels.peerId(runtime.party(), inputParties.get(input)),
              ByteBuffer.allocate(1 + TOKEN_KEY_BYTES).put(SETUP_VERSION).put(tokenKey).array());
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
      for (int input = 0; input < inputParties.size(); input++) {
        byte[] received =
            inputChannels[input].receive(InputChannels.peerId(runtime.party(), inputParties.get(input)));
        if (received.length != 1 + Long.BYTES || received[0] != SETUP_VERSION) {
          throw new ParleyException("input party " + inputParties.get(input)
              + " sent a session setup message of the wrong version or length");
        }
        long theirs = ByteBuffer.wrap(received, 1, Long.BYTES).getLong();
        if (theirs < 1) {
          throw new ParleyException("input party " + inputParties.get(input) + " sent a minimum group size below 1");
        }
        minGroupSize = Math.max(minGroupSize, theirs);
      }
      SecretBytes key = SecretBytes.of(tokenKey);
      Arrays.fill(tokenKey, (byte) 0);
      return new Setup(key, minGroupSize);
    }

    /**
     * Runs {@code body} on this party's values of call {@code call}'s argument (group INT = the
     * dense index among the reported groups, value BIGINT encoded), non-null values of reported
     * groups only.
     */
    private <T> T withValues(int call, byte[][] union, GroupTokens tokens, int[] reported,
        java.util.function.Function<Dataset<Row>, T> body) {
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
        return body.apply(values);
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
      return SessionJobs.run(spark.sparkContext(),
          ownJobGroup || callerJobGroup == null ? SessionJobs.sessionGroup(sessionId) : callerJobGroup,
          FederatedAggregation.jobDescription(plan.layout.spec(), sessionId, stageName), job);
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

  /** This party's words on the union, one column per word: column j of group g at {@code j * G + g}. */
  static long[] layOut(SharePlan plan, List<GroupStatistics> local, List<byte[]> localTokens, byte[][] union, int w) {
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

  private static void checkSize(int groups, int w) {
    if ((long) groups * w > Integer.MAX_VALUE / 4) {
      throw new ParleyException("the union of " + groups + " groups x " + w + " words is too large to share");
    }
  }

  /** Which of {@code groups} groups are reported, as compute party 0 tells input parties: version, G, a bitmap. */
  static byte[] reportedMessage(int groups, int[] reported) {
    ByteBuffer message = ByteBuffer.allocate(1 + Integer.BYTES + (groups + 7) / 8);
    message.put(SETUP_VERSION).putInt(groups);
    byte[] bitmap = new byte[(groups + 7) / 8];
    for (int g : reported) {
      bitmap[g >>> 3] |= (byte) (1 << (g & 7));
    }
    return message.put(bitmap).array();
  }

  /** The reported groups of a {@link #reportedMessage}, checked against this party's union of {@code groups}. */
  static int[] reportedGroups(byte[] message, int groups, String from) {
    if (message.length != 1 + Integer.BYTES + (groups + 7) / 8 || message[0] != SETUP_VERSION
        || ByteBuffer.wrap(message, 1, Integer.BYTES).getInt() != groups) {
      throw new ParleyException("compute party " + from + " sent a list of reported groups of the wrong version,"
          + " length or group count");
    }
    List<Integer> reported = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      if ((message[1 + Integer.BYTES + (g >>> 3)] & (1 << (g & 7))) != 0) {
        reported.add(g);
      }
    }
    for (int g = groups; g < 8 * ((groups + 7) / 8); g++) {
      if ((message[1 + Integer.BYTES + (g >>> 3)] & (1 << (g & 7))) != 0) {
        throw new ParleyException("compute party " + from + " reported a group beyond the union");
      }
    }
    return reported.stream().mapToInt(Integer::intValue).toArray();
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
    return FederatedAggregation.sortedUnion(tokens);
  }

  // ---------------------------------------------------------------- executors

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
