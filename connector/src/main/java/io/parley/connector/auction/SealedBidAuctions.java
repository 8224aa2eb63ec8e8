package io.parley.connector.auction;

import io.parley.connector.config.ParleyConf;
import io.parley.connector.party.FederatedAggregation;
import io.parley.connector.party.LocalTables;
import io.parley.connector.party.PartyRuntime;
import io.parley.connector.party.SessionJobs;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.mpc.ArithmeticShares;
import io.parley.protocols.mpc.ComputeSession;
import io.parley.protocols.mpc.InputChannels;
import io.parley.protocols.mpc.InputSession;
import io.parley.protocols.mpc.ReplicatedParty;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.session.SessionKeyExchange;
import io.parley.protocols.wire.AuctionRule;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.SealedBidAuction;
import io.parley.protocols.wire.SessionCreated;
import io.parley.protocols.wire.ShareQuery;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sealed-bid auctions over a federated table of bids (bid id, amount) among every party of the
 * federation: its three compute parties ({@code federation.computeParties}) compute, as the
 * initiator ({@link #runAsInitiator}, a compute party) or as responders to an MPC invitation
 * carrying a {@link ShareQuery} with an auction ({@link #respond}); every other party answers the
 * same invitation as an input party: it sends the compute parties shares of its top two amounts
 * and of its top bid id, and learns nothing.
 *
 * <p>Each party first computes its top two bids in one Spark action over its local rows and checks
 * them (ids unique, not null, at most 254 UTF-8 bytes; amounts not null and 0 or more), before it
 * joins. A party with no local part of the table (a {@code parley helper}) takes part with no bids.
 * Then the parties' drivers decide on shares, over one sealed network ({@link AuctionProtocol}):
 *
 * <ul>
 *   <li><b>Winner</b>: the highest amount. Equal amounts at different parties: the party whose
 *       name sorts first. Equal amounts at one party: the smaller bid id (STRING ids in Spark's
 *       order, by UTF-8 bytes; integral ids numerically).
 *   <li><b>Price</b>, first-price: the winning amount. Second-price: the highest amount among all
 *       other bids (the winner's party's second bid and the other parties' top bids), so equal to
 *       the winning amount when another bid ties it; 0 when the winning bid is the only bid
 *       (there is no reserve price).
 *   <li><b>No bids</b> anywhere: the outcome says so ({@link AuctionOutcome#noBids()}).
 * </ul>
 *
 * What leaks: the initiator learns the winning party, bid id and price; every compute party
 * learns the winner's party (or that nobody bid), so that the winner's bid id can be handed to the
 * initiator on shares; an input party learns nothing, not even whether it won (docs/SECURITY.md).
 */
public final class SealedBidAuctions {
  private static final Logger LOG = LoggerFactory.getLogger(SealedBidAuctions.class);
  /** The operation name of the driver's sealed network. */
  static final String OPERATION = "auction";
  /** The operation name of each input party's channel with each compute party. */
  static final String OPERATION_INPUT = "auction-input";
  /** The batch length every participant states when it joins: each shares two amounts. */
  static final long BATCH = 2;
  static final int SHARE_QUERY_VERSION = 1;
  private static final String JOB_DESCRIPTION = "spark.job.description";

  private SealedBidAuctions() {}

  /** {@code first-price} or {@code second-price}. */
  public static String ruleName(AuctionRule rule) {
    return switch (rule) {
      case AUCTION_RULE_FIRST_PRICE -> "first-price";
      case AUCTION_RULE_SECOND_PRICE -> "second-price";
      default -> "no rule";
    };
  }

  /** The rule named {@code first-price} or {@code second-price} (case-insensitive). */
  public static AuctionRule rule(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "first-price" -> AuctionRule.AUCTION_RULE_FIRST_PRICE;
      case "second-price" -> AuctionRule.AUCTION_RULE_SECOND_PRICE;
      default -> throw new ParleyException("unknown auction rule '" + name + "': first-price or second-price");
    };
  }

  /** The auction over {@code table}'s columns {@code bidIdColumn} and {@code amountColumn}. */
  public static SealedBidAuction auction(String table, String bidIdColumn, String amountColumn, AuctionRule rule,
      String description) {
    return SealedBidAuction.newBuilder()
        .setVersion(AuctionColumns.VERSION)
        .setTable(table)
        .setBidIdColumn(bidIdColumn)
        .setAmountColumn(amountColumn)
        .setRule(rule)
        .setDescription(description)
        .build();
  }

  /** {@link #runAsInitiator(SparkSession, SealedBidAuction, SecureRandom)} with entropy from the system. */
  public static AuctionOutcome runAsInitiator(SparkSession spark, SealedBidAuction auction) {
    return runAsInitiator(spark, auction, Drbg.strong());
  }

  /**
   * Runs {@code auction} as its initiator: checks it, opens an MPC session with the three compute
   * parties and every other party of the federation as an input party, checks this party's bids
   * (aborting the session if they fail) while the others check theirs, takes part like the other
   * compute parties and returns the outcome.
   *
   * @throws ParleyException naming the party, table, column or setting at fault; a session that
   *     was opened has been aborted
   */
  public static AuctionOutcome runAsInitiator(SparkSession spark, SealedBidAuction auction, SecureRandom random) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    AuctionColumns columns = AuctionColumns.resolve(auction, runtime.tableSchema(auction.getTable()));
    List<String> computeParties = checkFederation(runtime, runtime.party(), columns);
    List<String> inputParties = inputParties(runtime.federation());
    checkPolicy(runtime, columns, AuctionProtocol.bidders(computeParties, inputParties));
    ShareQuery query = ShareQuery.newBuilder().setVersion(SHARE_QUERY_VERSION).setAuction(auction).build();
    byte[] queryBytes = query.toByteArray();
    CoordinatorClient client = runtime.client();
    SessionCreated created;
    try {
      created = client.createMpcSession(query, computeParties, inputParties, runtime.sessionTimeout());
    } catch (ParleyException e) {
      throw new ParleyException(describe(columns) + " could not start: " + e.getMessage(), e);
    }
    String sessionId = created.getSessionId();
    List<String> everyone = AuctionProtocol.bidders(computeParties, inputParties);
    if (!new TreeSet<>(created.getParticipantsList()).equals(new TreeSet<>(everyone))
        || created.getParticipantsCount() != everyone.size()
        || !created.getComputePartiesList().stream().sorted().toList().equals(computeParties)) {
      client.abort(sessionId, "party " + runtime.party() + " refuses the session's participants");
      throw new ParleyException("the coordinator opened " + describe(columns) + " with " + created.getParticipantsList()
          + " and compute parties " + created.getComputePartiesList() + ", not federation " + everyone
          + " with federation.computeParties " + computeParties);
    }
    LOG.info("session {}: party {} initiates {}", sessionId, runtime.party(), describe(columns));
    // The session opens first, so the other parties' local jobs run while this party's does.
    TopBids mine;
    long started = System.nanoTime();
    try {
      mine = localTopBids(spark, runtime, columns);
    } catch (RuntimeException failed) {
      client.abort(sessionId, "party " + runtime.party() + " cannot take part in " + describe(columns)
          + ": its bids fail its checks");
      throw failed;
    }
    LOG.info("session {}: party {}: local top bids of table {} in {} ms", sessionId, runtime.party(), columns.table(),
        millisSince(started));
    AuctionProtocol.Result result = participate(runtime, columns, sessionId, created.getParticipantsList(),
        computeParties, runtime.party(), queryBytes, mine, random);
    if (result.noBids()) {
      return AuctionOutcome.nobodyBid(columns.rule());
    }
    return new AuctionOutcome(everyone.get(result.winner()),
        new String(result.winnerId().orElseThrow(), StandardCharsets.UTF_8), columns.price(result.price().orElseThrow()),
        columns.rule());
  }

  /** {@link #respond(SparkSession, Invitation, ShareQuery, SecureRandom)} with entropy from the system. */
  public static void respond(SparkSession spark, Invitation invitation, ShareQuery query) {
    respond(spark, invitation, query, Drbg.strong());
  }

  /**
   * Answers an MPC invitation whose query is an auction: checks the auction, the federation, this
   * party's policy and its bids, declining with a reason when any refuses (a problem with this
   * party's own bids is named only in its log), then takes part: a compute party computes and
   * learns the winner's party; an input party (a party outside {@code federation.computeParties})
   * sends shares of its top bids and learns nothing.
   *
   * @throws ParleyException when the party declined or the session failed (it has been aborted)
   */
  public static void respond(SparkSession spark, Invitation invitation, ShareQuery query, SecureRandom random) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    String sessionId = invitation.getSessionId();
    AuctionColumns columns;
    List<String> computeParties;
    List<String> everyone;
    try {
      if (!query.hasAuction()) {
        throw new ParleyException("the query of session " + sessionId + " is not an auction");
      }
      if (query.getVersion() != SHARE_QUERY_VERSION) {
        throw new ParleyException("version " + query.getVersion() + " of the share query is not supported (party "
            + runtime.party() + " reads " + SHARE_QUERY_VERSION + ")");
      }
      columns = AuctionColumns.resolve(query.getAuction(), runtime.tableSchema(query.getAuction().getTable()));
      computeParties = checkFederation(runtime, invitation.getInitiator(), columns);
      if (!invitation.getComputePartiesList().stream().sorted().toList().equals(computeParties)) {
        throw new ParleyException("party " + runtime.party() + " answers an auction only with the compute parties "
            + computeParties + " (federation.computeParties), not " + invitation.getComputePartiesList());
      }
      everyone = AuctionProtocol.bidders(computeParties, inputParties(runtime.federation()));
      if (!new TreeSet<>(invitation.getParticipantsList()).equals(new TreeSet<>(everyone))
          || invitation.getParticipantsCount() != everyone.size()) {
        throw new ParleyException("party " + runtime.party() + " answers an auction only among every party of federation "
            + runtime.federation().name() + " " + everyone + ", not " + invitation.getParticipantsList());
      }
      checkPolicy(runtime, columns, everyone);
    } catch (ParleyException refused) {
      // The auction and the policy are the same for everyone, so the reason is shown to all.
      LOG.info("session {}: party {} declines: {}", sessionId, runtime.party(), refused.getMessage());
      decline(runtime, sessionId, refused.getMessage());
      throw refused;
    }
    TopBids mine;
    long started = System.nanoTime();
    try {
      mine = inJobGroup(spark, sessionId, () -> localTopBids(spark, runtime, columns));
      LOG.info("session {}: party {}: local top bids of table {} in {} ms", sessionId, runtime.party(), columns.table(),
          millisSince(started));
    } catch (RuntimeException failed) {
      // Problems with this party's own bids stay in its own log.
      LOG.warn("session {}: party {} declines {}: {}", sessionId, runtime.party(), describe(columns), failed.getMessage());
      decline(runtime, sessionId, "party " + runtime.party() + " cannot take part in " + describe(columns)
          + ": its bids fail its checks (see its log)");
      throw failed;
    }
    byte[] queryBytes = invitation.getQuery().toByteArray();
    if (!computeParties.contains(runtime.party())) {
      LOG.info("session {}: party {} answers {} from {} as an input party", sessionId, runtime.party(),
          describe(columns), invitation.getInitiator());
      participateAsInput(runtime, columns, sessionId, invitation.getParticipantsList(), computeParties, queryBytes, mine,
          random);
      LOG.info("session {}: party {} done: its top bids shared", sessionId, runtime.party());
      return;
    }
    LOG.info("session {}: party {} answers {} from {}", sessionId, runtime.party(), describe(columns),
        invitation.getInitiator());
    AuctionProtocol.Result result = participate(runtime, columns, sessionId, invitation.getParticipantsList(),
        computeParties, invitation.getInitiator(), queryBytes, mine, random);
    LOG.info("session {}: party {} done ({})", sessionId, runtime.party(),
        result.noBids() ? "no bids" : "won by " + everyone.get(result.winner()));
  }

  /**
   * The compute parties, sorted, after the Tier-2 checks: the federation names them and the
   * initiator is one (the price and winning id are opened to it on shares). Every other party of
   * the federation takes part as an input party.
   */
  static List<String> checkFederation(PartyRuntime runtime, String initiator, AuctionColumns columns) {
    FederationDefinition federation = runtime.federation();
    List<String> computeParties = federation.computeParties();
    if (computeParties.isEmpty()) {
      throw new ParleyException(describe(columns) + " needs three compute parties, but federation " + federation.name()
          + " names none (set federation.computeParties in " + runtime.conf().get(ParleyConf.FEDERATION) + ")");
    }
    if (!computeParties.contains(initiator)) {
      throw new ParleyException("party " + initiator + " cannot run " + describe(columns)
          + ": it is not one of federation.computeParties " + computeParties);
    }
    return computeParties;
  }

  /** The federation's parties that are not compute parties, sorted: they take part as input parties. */
  static List<String> inputParties(FederationDefinition federation) {
    List<String> compute = federation.computeParties();
    return federation.parties().stream().filter(party -> !compute.contains(party)).sorted().toList();
  }

  private static void checkPolicy(PartyRuntime runtime, AuctionColumns columns, List<String> participants) {
    ParleyConf conf = runtime.conf();
    if (!conf.policyAllowsTable(columns.table())) {
      throw new ParleyException("party " + runtime.party() + "'s policy does not allow federated table " + columns.table()
          + " (" + ParleyConf.POLICY_TABLES.key() + " = " + String.join(",", conf.get(ParleyConf.POLICY_TABLES)) + ")");
    }
    int minParties = conf.get(ParleyConf.POLICY_MIN_PARTIES);
    if (participants.size() < minParties) {
      throw new ParleyException("party " + runtime.party() + "'s policy needs at least " + minParties + " participants ("
          + ParleyConf.POLICY_MIN_PARTIES.key() + "); the auction has " + participants.size());
    }
  }

  /** This party's top bids: none when it has no local part of the table. */
  private static TopBids localTopBids(SparkSession spark, PartyRuntime runtime, AuctionColumns columns) {
    if (!LocalTables.isMapped(spark, columns.table())) {
      LOG.info("party {} has no local part of table {}: it takes part in the auction with no bids", runtime.party(),
          columns.table());
      return TopBids.NONE;
    }
    Dataset<Row> local = LocalTables.localPart(spark, columns.table());
    SparkContext sc = spark.sparkContext();
    String previous = sc.getLocalProperty(JOB_DESCRIPTION);
    sc.setJobDescription("parley " + describe(columns) + ": party " + runtime.party() + "'s top two bids");
    try {
      return LocalBids.topTwo(local, columns, runtime.party());
    } finally {
      sc.setLocalProperty(JOB_DESCRIPTION, previous);
    }
  }

  /** Runs {@code job} in the session's job group, so stopping the responder cancels it. */
  private static <T> T inJobGroup(SparkSession spark, String sessionId, Supplier<T> job) {
    return SessionJobs.run(spark.sparkContext(), SessionJobs.sessionGroup(sessionId),
        "parley: auction [session " + sessionId + "]: local bids", job);
  }

  /**
   * Joins the MPC session as a compute party, receives each input party's shares and runs the
   * share part; any failure aborts the session for every participant.
   */
  private static AuctionProtocol.Result participate(PartyRuntime runtime, AuctionColumns columns, String sessionId,
      List<String> participants, List<String> computeParties, String initiator, byte[] queryBytes, TopBids mine,
      SecureRandom random) {
    CoordinatorClient client = runtime.client();
    ComputeSession session;
    long started = System.nanoTime();
    try {
      session = ComputeSession.join(keyExchange(runtime, random), client, sessionId, participants, computeParties,
          computationDigest(queryBytes, runtime.federation().schemaDdl(columns.table())), BATCH);
    } catch (RuntimeException e) {
      client.abort(sessionId, "party " + runtime.party() + " could not join: " + e.getMessage());
      throw new ParleyException(describe(columns) + " (session " + sessionId + ") failed while joining: " + e.getMessage(), e);
    }
    long joined = System.nanoTime();
    try {
      List<String> inputParties = session.inputParties();
      List<ArithmeticShares> inputs = new ArrayList<>(inputParties.size());
      for (int input = 0; input < inputParties.size(); input++) {
        int peer = InputChannels.peerId(runtime.party(), inputParties.get(input));
        byte[] message = session.inputChannel(input, OPERATION_INPUT, 0, random).receive(peer);
        try {
          inputs.add(ReplicatedParty.receiveExternalInput(message, AuctionProtocol.INPUT_WORDS));
        } catch (ParleyException malformed) {
          throw new ParleyException("input party " + inputParties.get(input) + ": " + malformed.getMessage(), malformed);
        }
      }
      ReplicatedParty engine = ReplicatedParty.connect(session.network(OPERATION, 0, random), random, 0);
      AuctionProtocol.Result result = AuctionProtocol.run(engine, session.parties().indexOf(initiator), columns.rule(),
          mine, session.parties(), inputParties, inputs);
      session.finish();
      LOG.info("session {}: party {} joined in {} ms, computed on shares in {} ms", sessionId, runtime.party(),
          (joined - started) / 1_000_000, millisSince(joined));
      return result;
    } catch (RuntimeException e) {
      session.abort("party " + runtime.party() + " failed in " + describe(columns) + ": " + e.getMessage());
      throw new ParleyException(describe(columns) + " (session " + sessionId + ") failed at party " + runtime.party() + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * Joins the MPC session as an input party and sends each compute party its replicated shares of
   * {@link AuctionProtocol#inputWords}; it receives nothing. A failure aborts the session.
   */
  private static void participateAsInput(PartyRuntime runtime, AuctionColumns columns, String sessionId,
      List<String> participants, List<String> computeParties, byte[] queryBytes, TopBids mine, SecureRandom random) {
    CoordinatorClient client = runtime.client();
    InputSession session;
    try {
      session = InputSession.join(keyExchange(runtime, random), client, sessionId, participants, computeParties,
          computationDigest(queryBytes, runtime.federation().schemaDdl(columns.table())), BATCH);
    } catch (RuntimeException e) {
      client.abort(sessionId, "party " + runtime.party() + " could not join: " + e.getMessage());
      throw new ParleyException(describe(columns) + " (session " + sessionId + ") failed while joining: " + e.getMessage(), e);
    }
    try {
      long[] words = AuctionProtocol.inputWords(mine);
      byte[][] messages = ReplicatedParty.externalInputMessages(words, random);
      Arrays.fill(words, 0L);
      List<String> compute = session.computeParties();
      for (int party = 0; party < ReplicatedParty.PARTIES; party++) {
        session.channel(party, OPERATION_INPUT, 0, random)
            .send(InputChannels.peerId(runtime.party(), compute.get(party)), messages[party]);
      }
      session.finish();
    } catch (RuntimeException e) {
      session.abort("party " + runtime.party() + " failed in " + describe(columns) + ": " + e.getMessage());
      throw new ParleyException(describe(columns) + " (session " + sessionId + ") failed at input party "
          + runtime.party() + ": " + e.getMessage(), e);
    }
  }

  private static SessionKeyExchange keyExchange(PartyRuntime runtime, SecureRandom random) {
    TlsMaterial tls = runtime.tls();
    String federationName = runtime.federation().name();
    return new SessionKeyExchange(federationName, tls, new CertificateChecker(tls.ca(), federationName), random);
  }

  /** What every party derives from the query: SHA-256 of the query bytes and the table's schema. */
  static byte[] computationDigest(byte[] queryBytes, String schemaDdl) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(Hkdf.info("parley/v1/auction", queryBytes, schemaDdl.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static void decline(PartyRuntime runtime, String sessionId, String reason) {
    try {
      runtime.aggregationParty().decline(runtime.client(), sessionId, reason);
    } catch (RuntimeException e) {
      LOG.info("session {}: decline not delivered ({})", sessionId, e.getClass().getSimpleName());
    }
  }

  private static String describe(AuctionColumns columns) {
    return "the " + ruleName(columns.rule()) + " auction over table " + columns.table();
  }
}
