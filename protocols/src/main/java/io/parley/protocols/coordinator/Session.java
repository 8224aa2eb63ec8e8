package io.parley.protocols.coordinator;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.parley.protocols.ParleyException;
import io.parley.protocols.psi.IntersectionSumCoordinator;
import io.parley.protocols.ring.RingVectors;
import io.parley.protocols.wire.Ack;
import io.parley.protocols.wire.Envelope;
import io.parley.protocols.wire.JoinRequest;
import io.parley.protocols.wire.KeySet;
import io.parley.protocols.wire.KeyUnion;
import io.parley.protocols.wire.Member;
import io.parley.protocols.wire.Roster;
import io.parley.protocols.wire.PsiSumOutcome;
import io.parley.protocols.wire.PsiSumAwait;
import io.parley.protocols.wire.PsiSumHeader;
import io.parley.protocols.wire.PsiSumRole;
import io.parley.protocols.wire.PsiSumSlice;
import io.parley.protocols.wire.SessionPurpose;
import io.parley.protocols.wire.SumResult;
import io.parley.protocols.wire.VectorChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session. Aggregation: JOINING, ALIGNING, SUMMING, then DONE or ABORTED. Relay sessions, MPC
 * (three compute parties of the replicated-sharing engine) and PSI (the two sides of a private
 * join): JOINING, RELAYING (any number of Relay/Fetch exchanges, envelopes up to {@value
 * #MAX_MPC_CIPHERTEXT_BYTES} bytes; in PSI also one PsiSum message each, in slices), then DONE once every
 * participant called Finish, or ABORTED. Every method
 * takes the caller's party name (from its certificate), checks that the message fits the stage
 * and its fields have the right shape, and either answers, parks the caller's observer until the
 * stage completes (no thread waits), or rejects with a gRPC status. Responses are queued on
 * {@link Replies} and sent by the caller after the lock is released.
 *
 * <p>Memory: one {@code long[]} accumulator per session (the vector length), one interval set per
 * participant, the pending relay envelopes; never anything per row or per party vector. A PSI sum
 * holds both parties' PsiSum messages until it is computed, at most {@link #MAX_PSI_SUM_BYTES}
 * together as declared: the sender's masked words, assembled in place from its slices, and the
 * receiver's positions as a set (one bit per sender element, 1/256 of the payload's bytes).
 */
final class Session {
  static final int SESSION_KEY_BYTES = 32;
  static final int LAYOUT_DIGEST_BYTES = 32;
  static final int MAX_SIGNATURE_BYTES = 512;
  static final int MAX_TAG_CHARS = 128;
  static final int MAX_CIPHERTEXT_BYTES = 64 * 1024;
  /** Engine messages are large; a bigger one is split into several envelopes by the sender. */
  static final int MAX_MPC_CIPHERTEXT_BYTES = 4 * 1024 * 1024;
  /**
   * One engine round of a comparison over millions of values puts hundreds of megabytes in flight
   * at once (three parties sending before any fetches), so an MPC session may hold more.
   */
  static final long MAX_MPC_RELAY_BYTES = 1024L * 1024 * 1024;
  static final long MAX_RELAY_BYTES = 256L * 1024 * 1024;
  static final int MAX_TOKEN_BYTES = 1024;
  static final int MAX_REASON_CHARS = 500;
  /** The whole sum travels back in one message of at most 64 MiB. */
  static final long MAX_VECTOR_ELEMENTS = 8_000_000L;
  /** One slice of a PsiSum message: a quarter of the gRPC message cap, so a slice always fits one message. */
  static final int MAX_PSI_SUM_SLICE_BYTES = 16 * 1024 * 1024;
  /** Ring words per element of a PSI sum's payload (as {@code PsiMessages}). */
  static final int MAX_PSI_SUM_WIDTH = 1024;
  /** Both parties' PsiSum messages together, held until the sum is computed. */
  static final long MAX_PSI_SUM_BYTES = CoordinatorServer.PSI_SUM_BUDGET_BYTES;

  private static final Logger LOG = LoggerFactory.getLogger(Session.class);

  /** Told when the session ends, so the registry forgets it and remembers why. */
  interface EndListener {
    void ended(Session session, Status status);
  }

  private record RelayKey(String from, String to, String tag) {}

  private record SumWaiter(String party, boolean includeSum, StreamObserver<SumResult> observer) {}

  private final String id;
  private final SessionPurpose purpose;
  private final String initiator;
  private final List<String> participants;
  /** MPC: the three compute parties; the other participants are input parties. Empty otherwise. */
  private final List<String> computeParties;
  private final long createdMillis;
  private final long deadlineMillis;
  private final long psiSumBudgetBytes;
  private final PsiSumMemory psiSumMemory;
  private final EndListener endListener;

  private Stage stage = Stage.JOINING;
  private Status endStatus;

  private final Map<String, JoinRequest> joins = new TreeMap<>();
  private final Map<String, byte[]> certificates = new HashMap<>();
  private final Map<String, StreamObserver<Roster>> joinWaiters = new LinkedHashMap<>();
  private Roster roster;
  private long groupWords;

  private final Map<RelayKey, Envelope> envelopes = new HashMap<>();
  private final Set<RelayKey> delivered = new HashSet<>();
  private final Map<RelayKey, StreamObserver<Envelope>> fetchWaiters = new LinkedHashMap<>();
  private long relayBytes;
  private final Set<String> finished = new HashSet<>();

  /** The sender's declared payload and the receiver's declared report, while their slices arrive. */
  private PsiPayload psiPayload;
  private PsiReport psiReport;
  /** The receiver's mask correction, from its PsiSum wait. */
  private long[] psiCorrection;
  /**
   * Bytes both parties' declarations make this session hold (the sender's payload words and its
   * element bitmap, the receiver's position bitmap), against {@link #psiSumBudgetBytes} and
   * reserved in {@link #psiSumMemory}.
   */
  private long psiSumBytes;
  private final Set<String> psiAwaited = new HashSet<>();
  private final Map<String, StreamObserver<PsiSumOutcome>> psiWaiters = new LinkedHashMap<>();
  private PsiSumOutcome psiOutcome;

  private TreeSet<ByteString> union = new TreeSet<>(ByteString.unsignedLexicographicalComparator());
  private final Map<String, KeySet> keySets = new TreeMap<>();
  private final Map<String, StreamObserver<KeyUnion>> alignWaiters = new LinkedHashMap<>();
  /** An MPC session's keys are aligned once; the union has been answered. */
  private boolean mpcAligned;

  private long[] accumulator;
  private final Map<String, Coverage> coverage = new TreeMap<>();
  private final List<SumWaiter> sumWaiters = new ArrayList<>();
  private final Set<String> collected = new HashSet<>();
  private SumResult sumWithValues;
  private SumResult sumWithoutValues;

  Session(
      String id,
      SessionPurpose purpose,
      String initiator,
      List<String> participants,
      List<String> computeParties,
      long createdMillis,
      long deadlineMillis,
      EndListener endListener) {
    this(id, purpose, initiator, participants, computeParties, createdMillis, deadlineMillis, MAX_PSI_SUM_BYTES,
        new PsiSumMemory(MAX_PSI_SUM_BYTES), endListener);
  }

  /**
   * As above, holding at most {@code psiSumBudgetBytes} of PsiSum messages (tests use a small
   * budget), reserved as well in the coordinator-wide {@code psiSumMemory}.
   */
  Session(
      String id,
      SessionPurpose purpose,
      String initiator,
      List<String> participants,
      List<String> computeParties,
      long createdMillis,
      long deadlineMillis,
      long psiSumBudgetBytes,
      PsiSumMemory psiSumMemory,
      EndListener endListener) {
    this.id = id;
    this.purpose = purpose;
    this.initiator = initiator;
    this.participants = List.copyOf(participants);
    this.computeParties = List.copyOf(computeParties);
    this.createdMillis = createdMillis;
    this.deadlineMillis = deadlineMillis;
    this.psiSumBudgetBytes = psiSumBudgetBytes;
    this.psiSumMemory = psiSumMemory;
    this.endListener = endListener;
  }

  String id() {
    return id;
  }

  SessionPurpose purpose() {
    return purpose;
  }

  List<String> participants() {
    return participants;
  }

  long deadlineMillis() {
    return deadlineMillis;
  }

  /** Calls parked until a stage completes or an envelope arrives (tests and metrics). */
  synchronized int waitingCalls() {
    return joinWaiters.size() + fetchWaiters.size() + alignWaiters.size() + sumWaiters.size() + psiWaiters.size();
  }

  /** Bytes of PsiSum messages held, whole or in parts (tests and metrics). */
  synchronized long psiSumBytes() {
    return psiSumBytes;
  }

  synchronized Stage stage() {
    return stage;
  }

  // ---- Join -------------------------------------------------------------------------------

  synchronized void join(
      String party, byte[] peerCertificate, JoinRequest request, StreamObserver<Roster> observer, Replies replies) {
    requireParticipant(party);
    if (stage == Stage.JOINING && joins.containsKey(party) && joins.get(party).equals(request)) {
      // A retry of the same Join (the first call went away): wait again for the roster.
      parkJoin(party, observer);
      return;
    }
    if (roster != null && request.equals(joins.get(party))) {
      // A retry of the same Join after the roster was sent: send it again.
      replies.add(() -> complete(observer, roster));
      return;
    }
    requireStage(Stage.JOINING, "Join");
    if (joins.containsKey(party)) {
      throw rejection(Status.FAILED_PRECONDITION, "party " + party + " already joined");
    }
    if (!Arrays.equals(request.getCertificate().toByteArray(), peerCertificate)) {
      throw rejection(Status.INVALID_ARGUMENT,
          "the certificate in party " + party + "'s Join is not the certificate it connected with");
    }
    if (!request.getAccept()) {
      String reason = sanitize(request.getDeclineReason());
      abort("party " + party + " declined: " + (reason.isEmpty() ? "no reason given" : reason), replies);
      replies.add(() -> {
        observer.onNext(Roster.newBuilder().setSessionId(id).build());
        observer.onCompleted();
      });
      return;
    }
    requireBytes(request.getSessionPublicKey(), SESSION_KEY_BYTES, "session_public_key");
    requireBytes(request.getLayoutDigest(), LAYOUT_DIGEST_BYTES, "layout_digest");
    if (request.getSignature().isEmpty() || request.getSignature().size() > MAX_SIGNATURE_BYTES) {
      throw rejection(Status.INVALID_ARGUMENT,
          "signature must have 1.." + MAX_SIGNATURE_BYTES + " bytes, not " + request.getSignature().size());
    }
    long words = request.getVectorLength();
    if (words <= 0 || words > MAX_VECTOR_ELEMENTS) {
      throw rejection(Status.INVALID_ARGUMENT,
          "vector_length " + Long.toUnsignedString(words) + " is not in 1.." + MAX_VECTOR_ELEMENTS);
    }
    joins.put(party, request);
    certificates.put(party, peerCertificate);
    parkJoin(party, observer);
    LOG.info("session {}: party {} joined ({} of {})", id, party, joins.size(), participants.size());
    if (joins.size() < participants.size()) {
      return;
    }
    JoinRequest first = joins.get(participants.get(0));
    for (String other : participants) {
      JoinRequest theirs = joins.get(other);
      if (!theirs.getLayoutDigest().equals(first.getLayoutDigest()) || theirs.getVectorLength() != first.getVectorLength()) {
        abort("parties derived different layouts for this query (" + participants.get(0) + " and " + other + " differ)",
            replies);
        return;
      }
    }
    groupWords = first.getVectorLength();
    Roster.Builder builder = Roster.newBuilder().setSessionId(id);
    for (String member : participants) {
      JoinRequest joined = joins.get(member);
      builder.addMembers(Member.newBuilder()
          .setParty(member)
          .setCertificate(joined.getCertificate())
          .setSessionPublicKey(joined.getSessionPublicKey())
          .setSignature(joined.getSignature()));
    }
    roster = builder.build();
    moveTo(isRelaySession() ? Stage.RELAYING : Stage.ALIGNING);
    for (StreamObserver<Roster> waiter : joinWaiters.values()) {
      replies.add(() -> complete(waiter, roster));
    }
    joinWaiters.clear();
  }

  private void parkJoin(String party, StreamObserver<Roster> observer) {
    joinWaiters.put(party, observer);
    onCancel(observer, () -> joinWaiters.remove(party, observer));
  }

  // ---- Relay and Fetch ----------------------------------------------------------------------

  synchronized void relay(String party, Envelope envelope, StreamObserver<Ack> observer, Replies replies) {
    requireParticipant(party);
    requireRoster("Relay");
    String to = envelope.getToParty();
    requirePeer(party, to, "to_party");
    requireComputeEnd(party, to);
    String tag = requireTag(envelope.getTag());
    int maxCiphertext = isRelaySession() ? MAX_MPC_CIPHERTEXT_BYTES : MAX_CIPHERTEXT_BYTES;
    if (envelope.getCiphertext().size() > maxCiphertext) {
      throw rejection(Status.INVALID_ARGUMENT, "relay ciphertext of " + envelope.getCiphertext().size()
          + " bytes exceeds " + maxCiphertext);
    }
    if (finished.contains(party)) {
      throw rejection(Status.FAILED_PRECONDITION, "party " + party + " already finished and may not relay");
    }
    RelayKey key = new RelayKey(party, to, tag);
    if (envelopes.containsKey(key) || delivered.contains(key)) {
      throw rejection(Status.INVALID_ARGUMENT,
          "party " + party + " already relayed an envelope tagged '" + tag + "' to " + to);
    }
    long maxRelayBytes = isRelaySession() ? MAX_MPC_RELAY_BYTES : MAX_RELAY_BYTES;
    if (relayBytes + envelope.getCiphertext().size() > maxRelayBytes) {
      throw rejection(Status.RESOURCE_EXHAUSTED, "more than " + maxRelayBytes + " relay bytes are waiting to be fetched");
    }
    Envelope stored = envelope.toBuilder().setSessionId(id).setFromParty(party).build();
    StreamObserver<Envelope> waiter = fetchWaiters.remove(key);
    if (waiter != null) {
      delivered.add(key);
      replies.add(() -> complete(waiter, stored));
    } else {
      envelopes.put(key, stored);
      relayBytes += stored.getCiphertext().size();
    }
    replies.add(() -> complete(observer, Ack.getDefaultInstance()));
  }

  synchronized void fetch(String party, String from, String tagText, StreamObserver<Envelope> observer, Replies replies) {
    requireParticipant(party);
    requireRoster("Fetch");
    requirePeer(party, from, "from_party");
    requireComputeEnd(from, party);
    String tag = requireTag(tagText);
    RelayKey key = new RelayKey(from, party, tag);
    Envelope envelope = envelopes.remove(key);
    if (envelope != null) {
      relayBytes -= envelope.getCiphertext().size();
      delivered.add(key);
      replies.add(() -> complete(observer, envelope));
    } else if (delivered.contains(key)) {
      throw rejection(Status.FAILED_PRECONDITION,
          "party " + party + " already fetched the envelope tagged '" + tag + "' from " + from);
    } else if (fetchWaiters.containsKey(key)) {
      throw rejection(Status.FAILED_PRECONDITION,
          "party " + party + " is already waiting for the envelope tagged '" + tag + "' from " + from);
    } else {
      fetchWaiters.put(key, observer);
      onCancel(observer, () -> fetchWaiters.remove(key, observer));
    }
  }

  // ---- AlignKeys ----------------------------------------------------------------------------

  synchronized void alignKeys(String party, KeySet keySet, StreamObserver<KeyUnion> observer, Replies replies) {
    requireParticipant(party);
    if (purpose == SessionPurpose.SESSION_PURPOSE_MPC) {
      alignKeysWhileRelaying(party, keySet, observer, replies);
      return;
    }
    if (purpose != SessionPurpose.SESSION_PURPOSE_AGGREGATE) {
      throw rejection(Status.FAILED_PRECONDITION, "AlignKeys belongs to aggregation and MPC sessions; this is a PSI "
          + "session (Relay, Fetch, PsiSum, then Finish)");
    }
    if (stage == Stage.ALIGNING && keySet.equals(keySets.get(party))) {
      parkAlign(party, observer);
      return;
    }
    requireRoster("AlignKeys");
    if (keySets.containsKey(party) || stage != Stage.ALIGNING) {
      throw rejection(Status.FAILED_PRECONDITION, "party " + party + " already sent its group keys");
    }
    for (int i = 0; i < keySet.getTokensCount(); i++) {
      int size = keySet.getTokens(i).size();
      if (size == 0 || size > MAX_TOKEN_BYTES) {
        throw rejection(Status.INVALID_ARGUMENT,
            "group key token " + i + " has " + size + " bytes, not 1.." + MAX_TOKEN_BYTES);
      }
    }
    union.addAll(keySet.getTokensList());
    keySets.put(party, keySet);
    parkAlign(party, observer);
    LOG.info("session {}: party {} sent {} group keys ({} of {})", id, party, keySet.getTokensCount(), keySets.size(),
        participants.size());
    if (keySets.size() < participants.size()) {
      return;
    }
    long groups = union.size();
    if (groups > MAX_VECTOR_ELEMENTS / groupWords) {
      abort("the aggregate needs " + groups + " groups × " + groupWords + " ring elements, more than the coordinator's "
          + "limit of " + MAX_VECTOR_ELEMENTS + " elements", replies);
      return;
    }
    int length = (int) (groups * groupWords);
    KeyUnion answer = KeyUnion.newBuilder().setSessionId(id).addAllTokens(union).build();
    union = null;
    keySets.replaceAll((p, k) -> KeySet.getDefaultInstance());
    accumulator = new long[length];
    for (String participant : participants) {
      coverage.put(participant, new Coverage(length));
    }
    moveTo(Stage.SUMMING);
    LOG.info("session {}: {} groups, vector of {} ring elements", id, groups, length);
    for (StreamObserver<KeyUnion> waiter : alignWaiters.values()) {
      replies.add(() -> complete(waiter, answer));
    }
    alignWaiters.clear();
    releaseSumIfComplete(replies);
  }

  /**
   * AlignKeys in an MPC session: once, after the roster, beside relaying (the compute parties agree
   * the token key through the relay first). The stage stays RELAYING; no vector is summed, so the
   * union only has to fit one answer.
   */
  private void alignKeysWhileRelaying(String party, KeySet keySet, StreamObserver<KeyUnion> observer, Replies replies) {
    if (!mpcAligned && keySet.equals(keySets.get(party))) {
      parkAlign(party, observer);
      return;
    }
    requireRoster("AlignKeys");
    if (keySets.containsKey(party) || mpcAligned) {
      throw rejection(Status.FAILED_PRECONDITION, "party " + party + " already sent its group keys");
    }
    if (finished.contains(party)) {
      throw rejection(Status.FAILED_PRECONDITION, "party " + party + " already finished and may not align keys");
    }
    requireTokens(keySet);
    union.addAll(keySet.getTokensList());
    keySets.put(party, keySet);
    parkAlign(party, observer);
    LOG.info("session {}: party {} sent {} group keys ({} of {})", id, party, keySet.getTokensCount(), keySets.size(),
        participants.size());
    if (keySets.size() < participants.size()) {
      return;
    }
    if (union.size() > MAX_VECTOR_ELEMENTS) {
      abort("the query has " + union.size() + " groups, more than the coordinator's limit of " + MAX_VECTOR_ELEMENTS,
          replies);
      return;
    }
    KeyUnion answer = KeyUnion.newBuilder().setSessionId(id).addAllTokens(union).build();
    union = null;
    mpcAligned = true;
    keySets.replaceAll((p, k) -> KeySet.getDefaultInstance());
    LOG.info("session {}: union of {} groups", id, answer.getTokensCount());
    for (StreamObserver<KeyUnion> waiter : alignWaiters.values()) {
      replies.add(() -> complete(waiter, answer));
    }
    alignWaiters.clear();
  }

  private void requireTokens(KeySet keySet) {
    for (int i = 0; i < keySet.getTokensCount(); i++) {
      int size = keySet.getTokens(i).size();
      if (size == 0 || size > MAX_TOKEN_BYTES) {
        throw rejection(Status.INVALID_ARGUMENT,
            "group key token " + i + " has " + size + " bytes, not 1.." + MAX_TOKEN_BYTES);
      }
    }
  }

  private void parkAlign(String party, StreamObserver<KeyUnion> observer) {
    alignWaiters.put(party, observer);
    onCancel(observer, () -> alignWaiters.remove(party, observer));
  }

  // ---- SubmitVector and AwaitSum -----------------------------------------------------------

  /**
   * The most chunks a party may send for a vector of {@code length} elements: enough for honest
   * slices of {@value #MIN_SLICE_ELEMENTS} or more elements (each also split at 1 MiB), so a party
   * cannot make the coordinator keep one digest per element.
   */
  static long maxChunks(long length) {
    return length / MIN_SLICE_ELEMENTS + 1024;
  }

  /** The smallest executor slice a party's connector sends ({@code spark.parley.vector.sliceElements}). */
  static final int MIN_SLICE_ELEMENTS = 32;

  synchronized void addChunk(String party, VectorChunk chunk, Replies replies) {
    requireParticipant(party);
    requireAggregation("SubmitVector");
    if (stage != Stage.SUMMING) {
      requireNotEnded();
      throw rejection(Status.FAILED_PRECONDITION,
          "vector chunks are accepted once the group keys are aligned; the session is " + stage.description());
    }
    ByteString values = chunk.getValues();
    if (values.size() % Long.BYTES != 0 || values.isEmpty()) {
      throw rejection(Status.INVALID_ARGUMENT,
          "a vector chunk holds a positive whole number of 64-bit elements, not " + values.size() + " bytes");
    }
    long count = values.size() / Long.BYTES;
    long offset = chunk.getOffset();
    if (offset < 0 || offset > accumulator.length - count) {
      throw rejection(Status.INVALID_ARGUMENT, "chunk [" + Long.toUnsignedString(offset) + ", +" + count
          + ") lies outside the vector of " + accumulator.length + " elements");
    }
    Coverage sent = coverage.get(party);
    long overlap = sent.firstOverlap(offset, count);
    if (overlap >= 0) {
      if (sent.isResend(offset, values)) {
        // A retried Spark task masks with the same keys and sends the same bytes: already counted.
        return;
      }
      abort("party " + party + " sent element " + overlap + " twice", replies);
      throw endedRejection();
    }
    if (sent.chunks() >= maxChunks(accumulator.length)) {
      // Each chunk keeps a digest (to recognise a retried task's resend), so their number is bounded.
      abort("party " + party + " sent more than " + maxChunks(accumulator.length) + " chunks for a vector of "
          + accumulator.length + " elements", replies);
      throw endedRejection();
    }
    RingVectors.addInto(accumulator, (int) offset, values.asReadOnlyByteBuffer());
    sent.add(offset, count, values);
    if (sent.complete()) {
      LOG.info("session {}: party {} sent its whole vector", id, party);
      releaseSumIfComplete(replies);
    }
  }

  synchronized void awaitSum(String party, boolean includeSum, StreamObserver<SumResult> observer, Replies replies) {
    requireParticipant(party);
    requireAggregation("AwaitSum");
    requireRoster("AwaitSum");
    SumWaiter waiter = new SumWaiter(party, includeSum, observer);
    sumWaiters.add(waiter);
    onCancel(observer, () -> sumWaiters.remove(waiter));
    releaseSumIfComplete(replies);
  }

  private void releaseSumIfComplete(Replies replies) {
    if (stage != Stage.SUMMING || !coverage.values().stream().allMatch(Coverage::complete)) {
      return;
    }
    if (sumWithoutValues == null) {
      sumWithoutValues = SumResult.newBuilder().setSessionId(id).setLength(accumulator.length).build();
      LOG.info("session {}: every vector arrived, sum of {} elements ready", id, accumulator.length);
    }
    for (SumWaiter waiter : sumWaiters) {
      SumResult result = waiter.includeSum() ? sumWithValues() : sumWithoutValues;
      collected.add(waiter.party());
      replies.add(() -> complete(waiter.observer(), result));
    }
    sumWaiters.clear();
    if (collected.containsAll(participants)) {
      stage = Stage.DONE;
      release();
      LOG.info("session {}: done", id);
      endListener.ended(this, Status.FAILED_PRECONDITION.withDescription(describe("already finished")));
    }
  }

  private SumResult sumWithValues() {
    if (sumWithValues == null) {
      byte[] bytes = RingVectors.toBytes(accumulator, 0, accumulator.length);
      sumWithValues = sumWithoutValues.toBuilder().setValues(UnsafeByteOperations.unsafeWrap(bytes)).build();
    }
    return sumWithValues;
  }

  // ---- PsiSum (PSI) -------------------------------------------------------------------------

  /**
   * {@code party}'s driver declares its PsiSum message: the sender's masked payload ({@code
   * element_count} elements of {@code width} words) or the receiver's match report ({@code
   * match_count} positions among the {@code element_count} elements it matched against). The
   * message's bytes are reserved against the session's budget here, so slices never outgrow it.
   * One declaration per party; the two parties must take different roles and agree on the
   * sender's element count and width.
   */
  synchronized void psiSumBegin(String party, PsiSumHeader header) {
    requirePsiSum(party);
    if (psiPayload != null && psiPayload.party.equals(party) || psiReport != null && psiReport.party.equals(party)) {
      throw rejection(Status.FAILED_PRECONDITION, "party " + party + " already declared its PsiSum message");
    }
    boolean sender = header.getRole() == PsiSumRole.PSI_SUM_ROLE_SENDER;
    if (!sender && header.getRole() != PsiSumRole.PSI_SUM_ROLE_RECEIVER) {
      throw rejection(Status.INVALID_ARGUMENT,
          "party " + party + " declared a PsiSum message without a role; a party is the sender or the receiver");
    }
    long elements = header.getElementCount();
    long width = Integer.toUnsignedLong(header.getWidth());
    long matches = header.getMatchCount();
    if (width < 1 || width > MAX_PSI_SUM_WIDTH) {
      throw rejection(Status.INVALID_ARGUMENT,
          "party " + party + " declared " + width + " words per element; a PSI sum has 1.." + MAX_PSI_SUM_WIDTH);
    }
    if (elements < 0 || elements > Integer.MAX_VALUE) {
      throw rejection(Status.INVALID_ARGUMENT, "party " + party + " declared " + Long.toUnsignedString(elements)
          + " sender elements; a PSI sum has 0.." + Integer.MAX_VALUE);
    }
    if (sender ? matches != 0 : matches < 0 || matches > elements) {
      throw rejection(Status.INVALID_ARGUMENT, "party " + party + " declared " + Long.toUnsignedString(matches)
          + " matches among " + elements + " elements" + (sender ? "; the sender declares none" : ""));
    }
    if (sender ? psiPayload != null : psiReport != null) {
      String other = sender ? psiPayload.party : psiReport.party;
      throw rejection(Status.INVALID_ARGUMENT, "parties " + other + " and " + party + " both sent a "
          + (sender ? "masked payload" : "match report") + "; one side must be the sender, the other the receiver");
    }
    long declaredElements = sender ? psiReport == null ? -1 : psiReport.elements : psiPayload == null ? -1
        : psiPayload.elements;
    long declaredWidth = sender ? psiReport == null ? -1 : psiReport.width : psiPayload == null ? -1
        : psiPayload.width;
    if (declaredElements >= 0 && (declaredElements != elements || declaredWidth != width)) {
      String senderParty = sender ? party : psiPayload.party;
      String receiverParty = sender ? psiReport.party : party;
      long senderElements = sender ? elements : psiPayload.elements;
      long receiverElements = sender ? psiReport.elements : elements;
      long senderWidth = sender ? width : psiPayload.width;
      long receiverWidth = sender ? psiReport.width : width;
      throw rejection(Status.INVALID_ARGUMENT, "party " + receiverParty + " matched against " + receiverElements
          + " elements of " + receiverWidth + " words but party " + senderParty + " declared " + senderElements
          + " of " + senderWidth + "; the two disagree about the sender's set");
    }
    // What the declaration makes this session hold: the sender's words and one bit per element of
    // coverage; the receiver's one bit per sender element for the positions (however few it matched).
    long bytes = (sender ? Long.BYTES * elements * width : 0) + Coverage.bytesFor(elements);
    if (psiSumBytes + bytes > psiSumBudgetBytes) {
      throw rejection(Status.RESOURCE_EXHAUSTED, "party " + party + "'s PsiSum message of " + bytes
          + " bytes exceeds the " + psiSumBudgetBytes + " bytes the coordinator holds for both parties' PsiSum "
          + "messages of a session" + (psiSumBytes > 0 ? " (" + psiSumBytes + " already held)" : ""));
    }
    if (!psiSumMemory.tryReserve(bytes)) {
      throw rejection(Status.RESOURCE_EXHAUSTED, "party " + party + "'s PsiSum message of " + bytes
          + " bytes does not fit: the coordinator holds at most " + psiSumMemory.limitBytes()
          + " bytes of PsiSum messages across its sessions and " + psiSumMemory.heldBytes()
          + " are held now; try again when other private joins have ended");
    }
    psiSumBytes += bytes;
    if (sender) {
      psiPayload = new PsiPayload(party, (int) width, elements);
    } else {
      psiReport = new PsiReport(party, (int) width, elements, matches);
    }
    LOG.info("session {}: party {} declared its PsiSum {} ({} bytes)", id, party,
        sender ? "masked payload of " + elements + " elements" : "match report of " + matches + " positions", bytes);
  }

  /**
   * One slice of {@code party}'s declared PsiSum message, from any of its calls: the sender's
   * masked words of whole elements at {@code first_element}, or receiver positions. A slice that
   * leaves the declared range, overlaps what the party sent before, repeats a position or exceeds
   * the declared match count is refused whole (nothing of it is kept), naming the party.
   */
  synchronized void psiSumSlice(String party, PsiSumSlice slice) {
    requirePsiSum(party);
    boolean sender = psiPayload != null && psiPayload.party.equals(party);
    if (!sender && (psiReport == null || !psiReport.party.equals(party))) {
      throw rejection(Status.FAILED_PRECONDITION,
          "party " + party + " sent a PsiSum slice before declaring its message (PsiSumBegin)");
    }
    ByteString bytes = sender ? slice.getMaskedWords() : slice.getPositions();
    ByteString stray = sender ? slice.getPositions() : slice.getMaskedWords();
    if (!stray.isEmpty() || !sender && slice.getFirstElement() != 0) {
      throw rejection(Status.INVALID_ARGUMENT, "party " + party + " sent a PsiSum slice with "
          + (sender ? "positions; the sender sends masked words" : "masked words; the receiver sends positions"));
    }
    if (bytes.isEmpty() || bytes.size() > MAX_PSI_SUM_SLICE_BYTES) {
      throw rejection(Status.INVALID_ARGUMENT, "party " + party + "'s PsiSum slice has " + bytes.size()
          + " bytes; a slice has 1.." + MAX_PSI_SUM_SLICE_BYTES);
    }
    if (sender) {
      psiPayload.place(slice.getFirstElement(), bytes);
    } else {
      psiReport.place(bytes);
    }
  }

  /**
   * {@code party}'s driver waits for the sum; the receiver's call carries its mask correction. Its
   * message must be complete by now (its driver calls once all its executors' slices were
   * acknowledged): a payload with elements missing, or fewer positions than declared, is refused.
   * Once both parties wait, {@link IntersectionSumCoordinator} adds the assembled buffers and both
   * get the output-masked sum; the buffers are released then. A repeated call (a retry) waits
   * again, or gets the sum again once it is computed.
   */
  synchronized void psiSumAwait(
      String party, PsiSumAwait request, StreamObserver<PsiSumOutcome> observer, Replies replies) {
    requireParticipant(party);
    if (purpose != SessionPurpose.SESSION_PURPOSE_PSI) {
      throw rejection(Status.FAILED_PRECONDITION, "PsiSum belongs to PSI sessions");
    }
    requireRoster("PsiSum");
    if (psiOutcome != null) {
      PsiSumOutcome outcome = psiOutcome;
      replies.add(() -> complete(observer, outcome));
      return;
    }
    boolean sender = psiPayload != null && psiPayload.party.equals(party);
    if (!sender && (psiReport == null || !psiReport.party.equals(party))) {
      throw rejection(Status.FAILED_PRECONDITION,
          "party " + party + " awaits the PSI sum without declaring its message (PsiSumBegin)");
    }
    ByteString correction = request.getMaskCorrection();
    if (sender) {
      if (!correction.isEmpty()) {
        throw rejection(Status.INVALID_ARGUMENT, "party " + party + " sent a mask correction; only the receiver does");
      }
      if (!psiPayload.coverage.complete()) {
        throw rejection(Status.INVALID_ARGUMENT, "party " + party + " awaits the PSI sum but sent "
            + psiPayload.received + " of its " + psiPayload.elements + " declared elements");
      }
    } else {
      if (correction.size() != Long.BYTES * psiReport.width) {
        throw rejection(Status.INVALID_ARGUMENT, "party " + party + "'s mask correction has " + correction.size()
            + " bytes, not " + Long.BYTES * psiReport.width);
      }
      if (psiReport.received != psiReport.matches) {
        throw rejection(Status.INVALID_ARGUMENT, "party " + party + " awaits the PSI sum but sent "
            + psiReport.received + " of the " + psiReport.matches + " matched positions it declared");
      }
      psiCorrection = RingVectors.fromBytes(correction.toByteArray());
    }
    psiWaiters.put(party, observer);
    psiAwaited.add(party);
    onCancel(observer, () -> psiWaiters.remove(party, observer));
    if (psiPayload == null || psiReport == null || !psiAwaited.contains(psiPayload.party)
        || !psiAwaited.contains(psiReport.party)) {
      return;
    }
    byte[] result = IntersectionSumCoordinator.sum(psiPayload.words, psiPayload.width, psiReport.positions,
        psiCorrection);
    psiOutcome = PsiSumOutcome.newBuilder().setSessionId(id).setMessage(ByteString.copyFrom(result)).build();
    LOG.info("session {}: PSI sum released to {} and {}", id, psiPayload.party, psiReport.party);
    releasePsiSum();
    for (StreamObserver<PsiSumOutcome> waiter : psiWaiters.values()) {
      PsiSumOutcome outcome = psiOutcome;
      replies.add(() -> complete(waiter, outcome));
    }
    psiWaiters.clear();
  }

  private void requirePsiSum(String party) {
    requireParticipant(party);
    if (purpose != SessionPurpose.SESSION_PURPOSE_PSI) {
      throw rejection(Status.FAILED_PRECONDITION, "PsiSum belongs to PSI sessions");
    }
    requireRoster("PsiSum");
    if (psiOutcome != null) {
      throw rejection(Status.FAILED_PRECONDITION, "the PSI sum of this session was computed already");
    }
    if (psiAwaited.contains(party)) {
      throw rejection(Status.FAILED_PRECONDITION, "party " + party + " already awaits the PSI sum; its message is "
          + "complete");
    }
  }

  private void releasePsiSum() {
    psiPayload = null;
    psiReport = null;
    psiCorrection = null;
    psiSumMemory.release(psiSumBytes);
    psiSumBytes = 0;
  }

  /** The sender's masked payload, assembled in place from slices in any order. */
  private final class PsiPayload {
    final String party;
    final int width;
    final long elements;
    final long[] words;
    final Coverage coverage;
    long received;

    PsiPayload(String party, int width, long elements) {
      this.party = party;
      this.width = width;
      this.elements = elements;
      this.words = new long[Math.toIntExact(elements * width)];
      this.coverage = new Coverage(elements);
    }

    void place(long first, ByteString bytes) {
      long elementBytes = (long) Long.BYTES * width;
      if (bytes.size() % elementBytes != 0) {
        throw rejection(Status.INVALID_ARGUMENT, "party " + party + "'s PsiSum slice has " + bytes.size()
            + " bytes, not whole elements of " + width + " words");
      }
      long count = bytes.size() / elementBytes;
      if (first < 0 || first > elements - count) {
        throw rejection(Status.INVALID_ARGUMENT, "party " + party + "'s PsiSum slice of elements ["
            + Long.toUnsignedString(first) + ", " + Long.toUnsignedString(first + count) + ") lies outside the "
            + elements + " it declared");
      }
      long overlap = coverage.firstOverlap(first, count);
      if (overlap >= 0) {
        throw rejection(Status.INVALID_ARGUMENT, "party " + party + "'s PsiSum slice of elements [" + first + ", "
            + (first + count) + ") overlaps element " + overlap + ", which it sent before");
      }
      java.nio.LongBuffer in = bytes.asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
      in.get(words, Math.toIntExact(first * width), in.remaining());
      coverage.add(first, count);
      received += count;
    }
  }

  /** The receiver's matched positions, a set over the sender's elements, from slices in any order. */
  private final class PsiReport {
    final String party;
    final int width;
    final long elements;
    final long matches;
    final BitSet positions;
    long received;

    PsiReport(String party, int width, long elements, long matches) {
      this.party = party;
      this.width = width;
      this.elements = elements;
      this.matches = matches;
      this.positions = new BitSet((int) elements);
    }

    void place(ByteString bytes) {
      if (bytes.size() % Integer.BYTES != 0) {
        throw rejection(Status.INVALID_ARGUMENT, "party " + party + "'s PsiSum slice has " + bytes.size()
            + " bytes, not whole 4-byte positions");
      }
      int count = bytes.size() / Integer.BYTES;
      if (received + count > matches) {
        throw rejection(Status.INVALID_ARGUMENT, "party " + party + " sent more than the " + matches
            + " matched positions it declared");
      }
      java.nio.IntBuffer in = bytes.asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer();
      for (int i = 0; i < count; i++) {
        long position = Integer.toUnsignedLong(in.get(i));
        String problem = position >= elements ? "outside the sender's " + elements + " elements"
            : positions.get((int) position) ? "twice" : null;
        if (problem != null) {
          for (int j = 0; j < i; j++) {
            positions.clear(in.get(j)); // the slice is refused whole
          }
          throw rejection(Status.INVALID_ARGUMENT, "party " + party + " reports position " + position + " " + problem);
        }
        positions.set((int) position);
      }
      received += count;
    }
  }

  // ---- Finish (MPC) ------------------------------------------------------------------------

  /**
   * A relay-session participant is done: it relays nothing more. Once every participant (in MPC the
   * three compute parties and any input parties) finished, the session is DONE and its memory released. A repeated Finish (a retry) is acknowledged again.
   */
  synchronized void finish(String party, Replies replies) {
    requireParticipant(party);
    if (!isRelaySession()) {
      throw rejection(Status.FAILED_PRECONDITION, "Finish belongs to MPC sessions and PSI sessions; an aggregation session "
          + "ends with AwaitSum");
    }
    requireRoster("Finish");
    finished.add(party);
    LOG.info("session {}: party {} finished ({} of {})", id, party, finished.size(), participants.size());
    if (finished.containsAll(participants)) {
      stage = Stage.DONE;
      release();
      LOG.info("session {}: done", id);
      endListener.ended(this, Status.FAILED_PRECONDITION.withDescription(describe("already finished")));
    }
  }

  // ---- Abort and deadlines -----------------------------------------------------------------

  synchronized void abortBy(String party, String reason, Replies replies) {
    requireParticipant(party);
    if (stage == Stage.DONE || stage == Stage.ABORTED) {
      return;
    }
    String text = sanitize(reason);
    abort("party " + party + " aborted: " + (text.isEmpty() ? "no reason given" : text), replies);
  }

  /** Aborts the session, naming whom it still waits for, once its deadline has passed. */
  synchronized void expireIfDue(long nowMillis, Replies replies) {
    if (nowMillis < deadlineMillis || stage == Stage.DONE || stage == Stage.ABORTED) {
      return;
    }
    abort(waitingFor(), replies);
  }

  /** Fails every waiting call with {@code status}, without ending the session's record. */
  synchronized void failWaiters(Status status, Replies replies) {
    StatusRuntimeException failure = status.asRuntimeException();
    List<StreamObserver<?>> waiting = new ArrayList<>();
    waiting.addAll(joinWaiters.values());
    waiting.addAll(fetchWaiters.values());
    waiting.addAll(alignWaiters.values());
    sumWaiters.forEach(w -> waiting.add(w.observer()));
    waiting.addAll(psiWaiters.values());
    psiWaiters.clear();
    joinWaiters.clear();
    fetchWaiters.clear();
    alignWaiters.clear();
    sumWaiters.clear();
    for (StreamObserver<?> observer : waiting) {
      replies.add(() -> observer.onError(failure));
    }
  }

  private void abort(String reason, Replies replies) {
    stage = Stage.ABORTED;
    endStatus = Status.ABORTED.withDescription(describe(reason));
    LOG.info("session {} aborted: {}", id, reason);
    failWaiters(endStatus, replies);
    release();
    endListener.ended(this, endStatus);
  }

  private String waitingFor() {
    String within = " within " + formatMillis(deadlineMillis - createdMillis);
    if (!fetchWaiters.isEmpty()) {
      Set<String> senders = new TreeSet<>();
      fetchWaiters.keySet().forEach(k -> senders.add(k.from()));
      return names(senders) + " did not answer" + within + " (relaying messages)";
    }
    switch (stage) {
      case JOINING:
        return names(missing(joins.keySet())) + " did not answer" + within + " (joining)";
      case ALIGNING:
        return names(missing(keySets.keySet())) + " did not answer" + within + " (sending group keys)";
      case RELAYING:
        return names(missing(finished)) + " did not finish" + within + " (computing)";
      default:
        List<String> incomplete = participants.stream().filter(p -> !coverage.get(p).complete()).toList();
        if (!incomplete.isEmpty()) {
          return names(incomplete) + " did not answer" + within
              + (incomplete.size() == 1 ? " (sending its vector)" : " (sending their vectors)");
        }
        return names(missing(collected)) + " did not answer" + within + " (collecting the sum)";
    }
  }

  private List<String> missing(Set<String> done) {
    return participants.stream().filter(p -> !done.contains(p)).toList();
  }

  private static String names(java.util.Collection<String> parties) {
    return (parties.size() == 1 ? "party " : "parties ") + String.join(", ", parties);
  }

  static String formatMillis(long millis) {
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  private void release() {
    accumulator = null;
    coverage.clear();
    envelopes.clear();
    union = null;
    sumWithValues = null;
    releasePsiSum();
    psiWaiters.clear();
    psiOutcome = null;
  }

  /** MPC and PSI sessions: after the roster, parties exchange relayed envelopes until each finishes. */
  private boolean isRelaySession() {
    return purpose == SessionPurpose.SESSION_PURPOSE_MPC || purpose == SessionPurpose.SESSION_PURPOSE_PSI;
  }

  private void moveTo(Stage next) {
    LOG.info("session {}: {} -> {}", id, stage, next);
    stage = next;
  }

  // ---- checks -------------------------------------------------------------------------------

  String describe(String reason) {
    return "session " + id + ": " + reason;
  }

  private StatusRuntimeException rejection(Status status, String reason) {
    return status.withDescription(describe(reason)).asRuntimeException();
  }

  private StatusRuntimeException endedRejection() {
    return endStatus.asRuntimeException();
  }

  private void requireNotEnded() {
    if (stage == Stage.ABORTED) {
      throw endedRejection();
    }
    if (stage == Stage.DONE) {
      throw rejection(Status.FAILED_PRECONDITION, "already finished");
    }
  }

  private void requireParticipant(String party) {
    if (!participants.contains(party)) {
      throw rejection(Status.PERMISSION_DENIED, "party " + party + " is not a participant");
    }
    requireNotEnded();
  }

  private void requireStage(Stage expected, String rpc) {
    if (stage != expected) {
      throw rejection(Status.FAILED_PRECONDITION,
          rpc + " belongs to stage " + expected.description() + ", but the session is " + stage.description());
    }
  }

  private void requireAggregation(String rpc) {
    if (purpose != SessionPurpose.SESSION_PURPOSE_AGGREGATE) {
      throw rejection(Status.FAILED_PRECONDITION, rpc + " belongs to aggregation sessions; this is a relay session "
          + "(Relay, Fetch, then Finish)");
    }
  }

  private void requireRoster(String rpc) {
    if (stage == Stage.JOINING) {
      throw rejection(Status.FAILED_PRECONDITION, rpc + " is allowed once every participant joined; the session is "
          + "still joining");
    }
  }

  private void requirePeer(String party, String other, String field) {
    if (other.equals(party) || !participants.contains(other)) {
      throw rejection(Status.INVALID_ARGUMENT,
          field + " '" + sanitize(other) + "' is not another participant (" + String.join(", ", participants) + ")");
    }
  }

  /**
   * In an MPC session with input parties, every relayed envelope has a compute party at one end:
   * input parties send their shares to compute parties and hear only from them.
   */
  private void requireComputeEnd(String from, String to) {
    if (purpose == SessionPurpose.SESSION_PURPOSE_MPC && !computeParties.isEmpty()
        && !computeParties.contains(from) && !computeParties.contains(to)) {
      throw rejection(Status.PERMISSION_DENIED, "input parties " + from + " and " + to
          + " may not relay to each other; an MPC session relays only to and from its compute parties "
          + computeParties);
    }
  }

  private String requireTag(String tag) {
    if (tag.isEmpty() || tag.length() > MAX_TAG_CHARS) {
      throw rejection(Status.INVALID_ARGUMENT, "a relay tag has 1.." + MAX_TAG_CHARS + " characters, not " + tag.length());
    }
    return tag;
  }

  private void requireBytes(ByteString value, int expected, String field) {
    if (value.size() != expected) {
      throw rejection(Status.INVALID_ARGUMENT, field + " must have " + expected + " bytes, not " + value.size());
    }
  }

  /** Text another party sent, made safe to show: printable, bounded. */
  static String sanitize(String text) {
    String printable = text.codePoints()
        .map(c -> Character.isISOControl(c) ? ' ' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString()
        .strip();
    return printable.length() <= MAX_REASON_CHARS ? printable : printable.substring(0, MAX_REASON_CHARS) + "…";
  }

  /** A caller that goes away (cancelled, deadline) is no longer waited on; a retry may wait again. */
  private void onCancel(StreamObserver<?> observer, Runnable forget) {
    if (observer instanceof ServerCallStreamObserver<?> call) {
      call.setOnCancelHandler(() -> {
        synchronized (this) {
          forget.run();
        }
      });
    }
  }

  private static <T> void complete(StreamObserver<T> observer, T value) {
    observer.onNext(value);
    observer.onCompleted();
  }

  @Override
  public String toString() {
    return "Session{" + id + ", initiator=" + initiator + ", participants="
        + participants.stream().collect(Collectors.joining(",")) + "}";
  }
}
