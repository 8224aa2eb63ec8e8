package io.parley.connector.join;

import io.parley.connector.config.ParleyConf;
import io.parley.connector.party.FederatedAggregation;
import io.parley.connector.party.PartyRuntime;
import io.parley.connector.party.QueryRefused;
import io.parley.connector.party.SessionJobs;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.coordinator.CoordinatorServer;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.mpc.Network;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.psi.PsiDomain;
import io.parley.protocols.psi.PsiKey;
import io.parley.protocols.psi.PsiLink;
import io.parley.protocols.psi.PsiMessages;
import io.parley.protocols.psi.PsiSession;
import io.parley.protocols.psi.PsiSumMasks;
import io.parley.protocols.psi.PsiSumResult;
import io.parley.protocols.psi.PsiVariant;
import io.parley.protocols.session.SessionKeyExchange;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.SessionCreated;
import io.parley.protocols.wire.SessionPurpose;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * A private join between two parties on Spark (issue 4): ECDH-PSI with every per-identifier step
 * in the executors. {@link #runAsInitiator} creates the PSI session and returns this party's result;
 * {@link #respond} answers an invitation (a responder writes a revealed intersection under {@code
 * spark.parley.psi.outputDir}).
 *
 * <p>Stages, at both parties at once, each a Spark job, with a sealed driver message between
 * stages (so a task only ever fetches a batch its peer has already sent, and two parties sharing
 * one set of cores cannot deadlock):
 *
 * <ol>
 *   <li><b>Blind.</b> Each party's rows (its local part after its filter) become canonical
 *       identifiers (nulls dropped), deduplicated by a shuffle under a keyed partitioner (HMAC-SHA256
 *       under a key drawn for the run), so each distinct identifier lands in a pseudorandom batch;
 *       each task puts its batch in a uniformly random order, hashes to the curve, blinds with the
 *       party's {@link PsiKey} and relays the batch to the peer. The batch (identifiers, and for a
 *       sum the payload words, in the order sent) is locally checkpointed: recomputing it would draw
 *       another order and key placement. The driver sends the peer the batch sizes and this party's
 *       {@code minIntersection}.
 *   <li><b>Reblind.</b> One task per peer batch fetches it, checks every point and reblinds it. For
 *       the intersection, a party whose peer learns its rows returns the batch in the order received;
 *       for size and sum, the sender returns the receiver's doubly blinded points after a global
 *       shuffle (a uniformly random batch per point, then Fisher-Yates within the batch), so the
 *       receiver cannot tell which of its identifiers matched or which batch they came from.
 *   <li><b>Match.</b> Spark's own join on the doubly blinded values (BINARY columns): for the
 *       intersection, this party's returned points (beside its identifiers) against the peer's, then
 *       a semi-join back to its rows; for size and sum the receiver joins its shuffled points with
 *       the peer's (beside their positions in the peer's send order) and counts. Below the larger
 *       {@code minIntersection} of the two, it withholds the result (see {@link
 *       ParleyConf#POLICY_PSI_MIN_INTERSECTION}); otherwise it releases the size, and for a sum
 *       its executors send the matched positions to the coordinator's {@code PsiSum} while the
 *       sender's executors mask and send their payload slices: each driver declares its message
 *       and awaits the sum, never holding the payload or the positions.
 * </ol>
 *
 * Any failure aborts the session for both; nothing partial is returned.
 */
public final class PrivateJoins {
  private static final Logger LOG = LoggerFactory.getLogger(PrivateJoins.class);
  private static final String DRIVER_OPERATION = "psi-driver";
  private static final String COORDINATOR = "coordinator";
  private static final String CANONICAL = "__parley_canonical";
  private static final StructType PEER_POINTS =
      new StructType().add("point", DataTypes.BinaryType, false).add("position", DataTypes.LongType, false);
  private static final StructType OWN_POINTS =
      new StructType().add("point", DataTypes.BinaryType, false).add(CANONICAL, DataTypes.BinaryType, false);
  private static final StructType RETURNED_POINTS = new StructType().add("point", DataTypes.BinaryType, false);

  private PrivateJoins() {}

  /**
   * Refuses a sum whose two PsiSum messages, the sender's masked payload and the receiver's report
   * if every possible identifier matched, could exceed the coordinator's {@code budgetBytes}: 32
   * bytes per distinct sender identifier and 4 per match, so about 30 million sender identifiers.
   */
  static void requireSumFits(
      String join, String sender, long senderIdentifiers, long receiverIdentifiers, long budgetBytes) {
    long bytes = PsiMessages.maskedPayloadBytes(senderIdentifiers, PsiTasks.SUM_WIDTH)
        + PsiMessages.matchReportBytes(Math.min(senderIdentifiers, receiverIdentifiers), PsiTasks.SUM_WIDTH);
    if (bytes > budgetBytes) {
      throw new ParleyException(join + ": party " + sender + " has " + senderIdentifiers + " distinct identifiers, "
          + "too many for a sum over the intersection: its masked payload and the match report could reach " + bytes
          + " bytes, more than the " + budgetBytes + " the coordinator holds for a session's PsiSum messages; "
          + "narrow party " + sender + "'s side with a filter");
    }
  }

  /**
   * Runs {@code join} as its initiator (the initiator's side names this party) and returns this
   * party's result: for the intersection its rows (every column of its table) whose identifier is
   * common; for the size one row {@code intersection_size}; for the sum one row {@code
   * intersection_size, matched_rows, sum_<column>} (without the sum when the join names no sum column).
   *
   * @throws ParleyException naming the party, policy, table or column at fault; the session is aborted
   */
  public static Dataset<Row> runAsInitiator(SparkSession spark, PrivateJoin join) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    JoinPlan plan = JoinPlan.resolve(spark, runtime, join, true);
    SessionCreated created;
    try {
      created = runtime.client().createPsiSession(join, List.of(plan.self(), plan.peer()), runtime.sessionTimeout());
    } catch (ParleyException e) {
      throw new ParleyException(plan.description() + " could not start: " + e.getMessage(), e);
    }
    LOG.info("session {}: party {} initiates {} with {}", created.getSessionId(), plan.self(), plan.description(),
        plan.peer());
    return new Run(spark, runtime, plan, created.getSessionId(), join.toByteArray(), false).run();
  }

  /**
   * Answers a PSI invitation for the party of {@code spark}: checks the join and this party's policy
   * (declining with the reason when either refuses), then takes part.
   *
   * @throws ParleyException when the session failed; it has then been aborted (or declined)
   */
  public static void respond(SparkSession spark, Invitation invitation) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    String sessionId = invitation.getSessionId();
    JoinPlan plan;
    try {
      if (invitation.getPurpose() != SessionPurpose.SESSION_PURPOSE_PSI) {
        throw new QueryRefused("party " + runtime.party() + " answers private joins in PSI sessions only");
      }
      PrivateJoin join;
      try {
        join = PrivateJoin.parseFrom(invitation.getQuery());
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new QueryRefused("the query of PSI session " + sessionId + " is not a valid PrivateJoin message");
      }
      if (!join.getInitiator().getParty().equals(invitation.getInitiator())) {
        throw new QueryRefused("the private join names party " + join.getInitiator().getParty()
            + " as its initiator, but party " + invitation.getInitiator() + " created the session");
      }
      TreeSet<String> expected = new TreeSet<>(List.of(join.getInitiator().getParty(), join.getResponder().getParty()));
      if (!new ArrayList<>(expected).equals(new ArrayList<>(new TreeSet<>(invitation.getParticipantsList())))
          || invitation.getParticipantsCount() != 2) {
        throw new QueryRefused("the PSI session's participants " + invitation.getParticipantsList()
            + " are not the two sides of its private join " + expected);
      }
      plan = JoinPlan.resolve(spark, runtime, join, false);
    } catch (ParleyException refused) {
      String reason = refused instanceof QueryRefused
          ? refused.getMessage()
          : "party " + runtime.party() + " cannot answer this private join (see its log)";
      LOG.info("session {}: party {} declines: {}", sessionId, runtime.party(), refused.getMessage());
      decline(runtime, sessionId, reason);
      throw refused;
    } catch (RuntimeException failed) {
      LOG.warn("session {}: party {} declines after {}", sessionId, runtime.party(), failed.getClass().getName());
      decline(runtime, sessionId, "party " + runtime.party() + " cannot answer this private join ("
          + failed.getClass().getSimpleName() + "; see its log)");
      throw failed;
    }
    LOG.info("session {}: party {} answers {} from {}", sessionId, runtime.party(), plan.description(),
        invitation.getInitiator());
    Dataset<Row> result = new Run(spark, runtime, plan, sessionId, invitation.getQuery().toByteArray(), true).run();
    if (plan.learnsRows()) {
      String path = runtime.conf().get(ParleyConf.PSI_OUTPUT_DIR).replaceAll("/+$", "") + "/" + sessionId;
      result.write().parquet(path);
      LOG.info("session {}: party {} wrote its part of the intersection to {}", sessionId, runtime.party(), path);
    }
  }

  private static void decline(PartyRuntime runtime, String sessionId, String reason) {
    try {
      keyExchange(runtime).decline(runtime.client(), sessionId, reason);
    } catch (RuntimeException e) {
      LOG.info("session {}: decline not delivered ({})", sessionId, e.getClass().getSimpleName());
    }
  }

  private static SessionKeyExchange keyExchange(PartyRuntime runtime) {
    String federation = runtime.federation().name();
    return new SessionKeyExchange(federation, runtime.tls(), new CertificateChecker(runtime.tls().ca(), federation),
        Drbg.strong());
  }

  /** One private join as this party runs it. */
  private static final class Run {
    private final SparkSession spark;
    private final PartyRuntime runtime;
    private final JoinPlan plan;
    private final String sessionId;
    private final byte[] joinBytes;
    private final boolean responding;
    private final CoordinatorClient client;
    private final String callerJobGroup;
    private final List<JavaRDD<?>> cached = new ArrayList<>();
    private String stage = "joining";
    private PsiSession session;
    /** Set when the receiver withheld the result by policy: the session then ends cleanly, without an abort. */
    private boolean withheld;

    Run(SparkSession spark, PartyRuntime runtime, JoinPlan plan, String sessionId, byte[] joinBytes,
        boolean responding) {
      this.spark = spark;
      this.runtime = runtime;
      this.plan = plan;
      this.sessionId = sessionId;
      this.joinBytes = joinBytes;
      this.responding = responding;
      this.client = runtime.client();
      this.callerJobGroup = SessionJobs.callerGroup(spark.sparkContext());
    }

    Dataset<Row> run() {
      PsiKey key = null;
      try {
        // The domain binds the whole join message (both sides, variant, receiver, normalization):
        // parties that read different joins hash differently and sign different layouts.
        PsiDomain domain = PsiDomain.of(runtime.federation().name(), sessionId,
            "private-join/" + HexFormat.of().formatHex(sha256(joinBytes)), plan.normalizer());
        List<String> parties = List.copyOf(new TreeSet<>(List.of(plan.self(), plan.peer())));
        session =
            PsiSession.join(keyExchange(runtime), client, sessionId, parties, domain, plan.variant(), plan.receiver());
        log("joined");
        PsiLink link = session.link();
        key = PsiKey.generate(domain, Drbg.strong(), runtime.conf().get(ParleyConf.PSI_X25519));
        PsiTasks.ExecutorLink executors =
            new PsiTasks.ExecutorLink(runtime.coordinator(), runtime.tls(), runtime.callTimeout(), link);
        Network driver = link.network(client, DRIVER_OPERATION, 0, Drbg.strong());
        long minIntersection = runtime.conf().get(ParleyConf.POLICY_PSI_MIN_INTERSECTION);
        int partitions = partitions();
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());

        stage = "blinding";
        JavaRDD<Tuple2<byte[][], long[]>> own = blind(key, executors, partitions);
        List<Integer> ownSizes = inJob(stage, () -> own.map(batch -> batch._1().length).collect());
        DriverMessages.Batches mine = new DriverMessages.Batches(minIntersection,
            ownSizes.stream().mapToInt(Integer::intValue).toArray());
        driver.send(link.peerId(), DriverMessages.encode(mine));
        DriverMessages.Batches theirs = DriverMessages.decodeBatches(driver.receive(link.peerId()), plan.peer());
        log("blinded " + mine.total() + " distinct identifiers; peer sent " + theirs.total());
        if (plan.variant() == PsiVariant.INTERSECTION_SUM) {
          // Both parties know both counts: they refuse alike, before the costly stages.
          requireSumFits(plan.description(), plan.isReceiver() ? plan.peer() : plan.self(),
              plan.isReceiver() ? theirs.total() : mine.total(), plan.isReceiver() ? mine.total() : theirs.total(),
              CoordinatorServer.PSI_SUM_BUDGET_BYTES);
        }

        stage = "reblinding";
        boolean intersection = plan.variant() == PsiVariant.INTERSECTION;
        boolean keepPeer = intersection ? plan.learnsRows() : plan.isReceiver();
        boolean returnInOrder = intersection && plan.peerLearnsRows();
        JavaRDD<Row> peerPoints = context
            .parallelize(IntStream.range(0, theirs.sizes().length).boxed().toList(), Math.max(1, theirs.sizes().length))
            .mapPartitionsWithIndex(new PsiTasks.FetchAndReblind(key, executors, theirs, returnInOrder), true);
        int[] returnedSizes = new int[0];
        Dataset<Row> peerDoubly = null;
        if (keepPeer) {
          JavaRDD<Row> kept = checkpointed(peerPoints);
          inJob(stage, kept::count);
          peerDoubly = spark.createDataFrame(kept, PEER_POINTS);
        } else if (!intersection) {
          List<Integer> sizes = inJob(stage, () -> peerPoints
              .mapPartitionsToPair(new PsiTasks.RandomBatch(partitions))
              .partitionBy(new HashPartitioner(partitions))
              .mapPartitionsWithIndex(new PsiTasks.ShuffleAndReturn(executors), true)
              .collect());
          returnedSizes = sizes.stream().mapToInt(Integer::intValue).toArray();
        } else {
          inJob(stage, peerPoints::count);
        }
        driver.send(link.peerId(), DriverMessages.encode(new DriverMessages.Batches(minIntersection, returnedSizes)));
        DriverMessages.Batches returned = DriverMessages.decodeBatches(driver.receive(link.peerId()), plan.peer());
        log("reblinded the peer's identifiers");

        stage = "matching";
        long minimum = Math.max(minIntersection, theirs.minIntersection());
        Dataset<Row> result;
        if (intersection) {
          result = plan.learnsRows() ? intersectionRows(own, executors, peerDoubly) : null;
        } else if (plan.isReceiver()) {
          result = receive(driver, link, domain, executors, peerDoubly, returned, theirs, minimum);
        } else {
          result = send(driver, link, domain, executors, own, mine, minimum);
        }
        session.finish();
        log("done");
        return result;
      } catch (Exception failure) {
        // Spark throws its checked SparkException (a closure that does not serialize, say) unchecked.
        if (withheld && failure instanceof QueryRefused refused) {
          session.finish();
          throw refused;
        }
        throw abort(failure);
      } finally {
        if (key != null) {
          key.destroy();
        }
        for (JavaRDD<?> rdd : cached) {
          rdd.unpersist(false);
        }
      }
    }

    private JavaRDD<Tuple2<byte[][], long[]>> blind(PsiKey key, PsiTasks.ExecutorLink executors, int partitions) {
      byte[] placementKey = new byte[32];
      Drbg.strong().nextBytes(placementKey);
      JavaRDD<Tuple2<byte[][], long[]>> batches = plan.keyColumns().javaRDD()
          .mapPartitionsToPair(new PsiTasks.CanonicalKeys(plan.normalizer(), plan.identifierType(), plan.sums(),
              plan.sumType()))
          .reduceByKey(new PsiTasks.KeyedPartitioner(placementKey, partitions), new PsiTasks.AddWords())
          .mapPartitionsWithIndex(new PsiTasks.BlindAndSend(key, executors, plan.sums() ? PsiTasks.SUM_WIDTH : 0), true);
      return checkpointed(batches);
    }

    /** Persisted and locally checkpointed: a lost block fails the job rather than relaying a batch twice. */
    private <T> JavaRDD<T> checkpointed(JavaRDD<T> rdd) {
      JavaRDD<T> persisted = rdd.persist(StorageLevel.MEMORY_AND_DISK());
      persisted.rdd().localCheckpoint();
      cached.add(persisted);
      return persisted;
    }

    private Dataset<Row> intersectionRows(JavaRDD<Tuple2<byte[][], long[]>> own, PsiTasks.ExecutorLink executors,
        Dataset<Row> peerDoubly) {
      JavaRDD<Row> returnedOwn = checkpointed(own.mapPartitionsWithIndex(new PsiTasks.FetchOwnReturned(executors), true));
      inJob(stage, returnedOwn::count);
      Dataset<Row> ownDoubly = spark.createDataFrame(returnedOwn, OWN_POINTS);
      Dataset<Row> common = ownDoubly.join(peerDoubly, "point").select(CANONICAL);
      Dataset<Row> rows = plan.rows();
      int identifier = rows.schema().fieldIndex(rows.schema().apply(plan.identifierColumn()).name());
      StructType withCanonical = rows.schema().add(CANONICAL, DataTypes.BinaryType, true);
      Dataset<Row> keyed = spark.createDataFrame(
          rows.javaRDD().mapPartitions(new PsiTasks.AppendCanonical(plan.normalizer(), identifier, plan.identifierType())),
          withCanonical);
      Dataset<Row> matched = keyed.join(common, keyed.col(CANONICAL).equalTo(common.col(CANONICAL)), "left_semi")
          .drop(CANONICAL);
      // Materialized before the session ends: the plan reads batches fetched once from the relay.
      return inJob(stage, () -> matched.localCheckpoint(true));
    }

    private Dataset<Row> receive(Network driver, PsiLink link, PsiDomain domain, PsiTasks.ExecutorLink executors,
        Dataset<Row> peerDoubly, DriverMessages.Batches returned, DriverMessages.Batches theirs, long minimum) {
      JavaRDD<Row> shuffledOwn = checkpointed(JavaSparkContext.fromSparkContext(spark.sparkContext())
          .parallelize(IntStream.range(0, returned.sizes().length).boxed().toList(), Math.max(1, returned.sizes().length))
          .mapPartitionsWithIndex(new PsiTasks.FetchShuffled(executors, returned.sizes()), true));
      inJob(stage, shuffledOwn::count);
      Dataset<Row> matches = peerDoubly.join(spark.createDataFrame(shuffledOwn, RETURNED_POINTS), "point")
          .select("position");
      long size = inJob(stage, matches::count);
      if (size < minimum) {
        driver.send(link.peerId(), DriverMessages.encode(new DriverMessages.Outcome(false, -1)));
        throw withheld(minimum);
      }
      driver.send(link.peerId(), DriverMessages.encode(new DriverMessages.Outcome(true, size)));
      if (plan.variant() == PsiVariant.CARDINALITY) {
        return sizeRow(size);
      }
      // The matched positions index the sender's private shuffle: the receiver learns which of
      // those anonymous elements matched, as the protocol states, and the coordinator needs them.
      // Only now, with the size released, does each task send its positions to the coordinator
      // itself; this driver gets back each partition's count and payload-mask sum (5 words).
      stage = "summing";
      PsiSumMasks masks = link.sumMasks(domain);
      client.beginPsiSumReport(sessionId, theirs.total(), PsiTasks.SUM_WIDTH, size);
      List<long[]> shares = inJob(stage, () -> matches.javaRDD()
          .mapPartitions(new PsiTasks.SendMatchedPositions(masks.payloadOnly(), executors)).collect());
      long sent = 0;
      long[] correction = new long[PsiTasks.SUM_WIDTH];
      for (long[] share : shares) {
        sent += share[0];
        for (int w = 0; w < correction.length; w++) {
          correction[w] += share[1 + w];
        }
      }
      if (sent != size) {
        throw new ParleyException("the matching tasks sent " + sent + " positions where the join counted " + size);
      }
      long[] outputMask = masks.outputMask(PsiTasks.SUM_WIDTH);
      for (int w = 0; w < correction.length; w++) {
        correction[w] -= outputMask[w];
      }
      PsiSumResult sum = PsiSumResult.unmask(client.awaitPsiSum(sessionId, correction), COORDINATOR, masks);
      if (sum.intersectionSize() != size) {
        throw new ParleyException("the coordinator's sum counts " + sum.intersectionSize() + " matches, not the "
            + size + " reported");
      }
      return sumRow(sum);
    }

    private Dataset<Row> send(Network driver, PsiLink link, PsiDomain domain, PsiTasks.ExecutorLink executors,
        JavaRDD<Tuple2<byte[][], long[]>> own, DriverMessages.Batches mine, long minimum) {
      DriverMessages.Outcome outcome = DriverMessages.decodeOutcome(driver.receive(link.peerId()), plan.peer());
      if (!outcome.released()) {
        throw withheld(minimum);
      }
      if (plan.variant() == PsiVariant.CARDINALITY) {
        return sizeRow(outcome.size());
      }
      stage = "summing";
      PsiSumMasks masks = link.sumMasks(domain);
      // Each task masks its own batch at its place in the send order and sends it to the coordinator
      // itself: this driver declares the payload's size and then only waits for the sum.
      client.beginPsiSumPayload(sessionId, mine.total(), PsiTasks.SUM_WIDTH);
      long sent = inJob(stage, () -> own.mapPartitionsWithIndex(
              new PsiTasks.SendMaskedPayload(masks.payloadOnly(), mine.offsets(), executors), true).collect())
          .stream().mapToLong(Long::longValue).sum();
      if (sent != mine.total()) {
        throw new ParleyException("the masking tasks sent " + sent + " elements, not the " + mine.total() + " blinded");
      }
      PsiSumResult sum = PsiSumResult.unmask(client.awaitPsiSum(sessionId, new long[0]), COORDINATOR, masks);
      if (sum.intersectionSize() != outcome.size()) {
        throw new ParleyException("the coordinator's sum counts " + sum.intersectionSize() + " matches where party "
            + plan.peer() + " announced " + outcome.size());
      }
      return sumRow(sum);
    }

    private QueryRefused withheld(long minimum) {
      withheld = true;
      return new QueryRefused(plan.description() + ": nothing is released: the intersection is smaller than "
          + minimum + ", the larger " + ParleyConf.POLICY_PSI_MIN_INTERSECTION.key() + " of parties "
          + plan.self() + " and " + plan.peer());
    }

    private Dataset<Row> sizeRow(long size) {
      StructType schema = new StructType().add("intersection_size", DataTypes.LongType, false);
      return spark.createDataFrame(List.of(RowFactory.create(size)), schema);
    }

    private Dataset<Row> sumRow(PsiSumResult sum) {
      long[] words = sum.sums();
      if (words.length != PsiTasks.SUM_WIDTH - 1) {
        throw new ParleyException("the sum over the intersection has " + words.length + " words, expected "
            + (PsiTasks.SUM_WIDTH - 1));
      }
      if (plan.sumType() == null) {
        StructType counted = new StructType()
            .add("intersection_size", DataTypes.LongType, false)
            .add("matched_rows", DataTypes.LongType, false);
        return spark.createDataFrame(List.of(RowFactory.create(sum.intersectionSize(), sum.matchedRows())), counted);
      }
      DataType type = resultType(plan.sumType());
      Object value = null;
      if (words[2] != 0) {
        BigInteger total = BigInteger.valueOf(words[1]).shiftLeft(32).add(BigInteger.valueOf(words[0]));
        if (type instanceof DecimalType decimal) {
          value = new BigDecimal(total, decimal.scale());
        } else if (total.bitLength() > 63) {
          throw new ParleyException(plan.description() + ": the sum of " + plan.sumColumn()
              + " over the intersection overflows BIGINT");
        } else {
          value = total.longValue();
        }
      }
      StructType schema = new StructType()
          .add("intersection_size", DataTypes.LongType, false)
          .add("matched_rows", DataTypes.LongType, false)
          .add("sum_" + plan.sumColumn(), type, true);
      return spark.createDataFrame(List.of(RowFactory.create(sum.intersectionSize(), sum.matchedRows(), value)),
          schema);
    }

    /** Spark's type of {@code sum(column)}: BIGINT for integers, DECIMAL(min(38, p + 10), s) for decimals. */
    private static DataType resultType(DataType columnType) {
      if (columnType instanceof DecimalType decimal) {
        return DataTypes.createDecimalType(Math.min(38, decimal.precision() + 10), decimal.scale());
      }
      return DataTypes.LongType;
    }

    private int partitions() {
      int configured = runtime.conf().get(ParleyConf.PSI_PARTITIONS);
      return configured > 0 ? configured : Math.max(2, 2 * spark.sparkContext().defaultParallelism());
    }

    private <T> T inJob(String stageName, Supplier<T> job) {
      String description = "parley: " + plan.description() + " [session " + sessionId + "]: " + stageName;
      return SessionJobs.run(spark.sparkContext(),
          responding || callerJobGroup == null ? SessionJobs.sessionGroup(sessionId) : callerJobGroup, description, job);
    }

    private ParleyException abort(Exception failure) {
      String reason;
      if (failure instanceof QueryRefused) {
        reason = failure.getMessage();
      } else if (failure instanceof ParleyException) {
        reason = "party " + plan.self() + " failed while " + stage + ": " + failure.getMessage();
      } else {
        reason = "party " + plan.self() + " failed while " + stage + " (" + failure.getClass().getSimpleName() + ")";
      }
      try {
        client.abort(sessionId, reason);
      } catch (RuntimeException abortFailed) {
        LOG.info("session {}: abort not delivered ({})", sessionId, abortFailed.getClass().getSimpleName());
      }
      if (failure instanceof QueryRefused refused) {
        return refused;
      }
      return new ParleyException(plan.description() + " (session " + sessionId + ") failed while " + stage + ": "
          + failure.getMessage(), failure);
    }

    private void log(String event) {
      LOG.info("session {}: party {}: {}", sessionId, plan.self(), event);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
