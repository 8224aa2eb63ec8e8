package io.parley.protocols.coordinator;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.wire.AbortRequest;
import io.parley.protocols.wire.Ack;
import io.parley.protocols.wire.AwaitSumRequest;
import io.parley.protocols.wire.CoordinatorGrpc;
import io.parley.protocols.wire.CreateSessionRequest;
import io.parley.protocols.wire.Envelope;
import io.parley.protocols.wire.FederatedAggregate;
import io.parley.protocols.wire.FetchRequest;
import io.parley.protocols.wire.FinishRequest;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.JoinRequest;
import io.parley.protocols.wire.KeySet;
import io.parley.protocols.wire.KeyUnion;
import io.parley.protocols.wire.Roster;
import io.parley.protocols.wire.SessionCreated;
import io.parley.protocols.wire.PsiSumOutcome;
import io.parley.protocols.wire.PsiSumAwait;
import io.parley.protocols.wire.PsiSumHeader;
import io.parley.protocols.wire.PsiSumSlice;
import io.parley.protocols.wire.SessionPurpose;
import io.parley.protocols.wire.SubscribeRequest;
import io.parley.protocols.wire.SumResult;
import io.parley.protocols.wire.VectorChunk;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Coordinator gRPC service: maps each RPC onto the {@link Session} state machine. Calls that
 * wait (Join, Fetch, AlignKeys, AwaitSum, PsiSum) park their response observer in the session and return
 * at once; the call that completes a stage (or an abort, or {@link #checkDeadlines()}) answers
 * them. No gRPC thread ever blocks on another party.
 */
final class CoordinatorService extends CoordinatorGrpc.CoordinatorImplBase {
  static final int PROTOCOL_VERSION = 2;
  static final int MAX_QUERY_BYTES = 64 * 1024;
  static final int MPC_PARTIES = 3;
  static final int PSI_PARTIES = 2;
  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorService.class);

  private final FederationDefinition federation;
  private final Clock clock;
  private final long maxTimeoutMillis;
  private final SecureRandom random;
  private final long psiSumBudgetBytes;
  /** PsiSum memory across all sessions: this many sessions at their full budget. */
  static final int PSI_SUM_SESSIONS_AT_BUDGET = 2;
  private final PsiSumMemory psiSumMemory;
  private final SessionRegistry sessions = new SessionRegistry();
  private final Subscriptions subscriptions = new Subscriptions();
  private volatile boolean shuttingDown;

  CoordinatorService(FederationDefinition federation, Clock clock, Duration maxTimeout, SecureRandom random) {
    this(federation, clock, maxTimeout, random, Session.MAX_PSI_SUM_BYTES);
  }

  /** As above, each PSI session holding at most {@code psiSumBudgetBytes} of PsiSum messages. */
  CoordinatorService(
      FederationDefinition federation, Clock clock, Duration maxTimeout, SecureRandom random, long psiSumBudgetBytes) {
    this.federation = federation;
    this.clock = clock;
    this.maxTimeoutMillis = maxTimeout.toMillis();
    this.random = random;
    this.psiSumBudgetBytes = psiSumBudgetBytes;
    this.psiSumMemory = new PsiSumMemory(PSI_SUM_SESSIONS_AT_BUDGET * psiSumBudgetBytes);
  }

  /** PsiSum bytes reserved across all sessions (tests and metrics). */
  long psiSumBytesHeld() {
    return psiSumMemory.heldBytes();
  }

  // ---- RPCs ---------------------------------------------------------------------------------

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<Invitation> observer) {
    handle(observer, () -> {
      requireVersion(request.getProtocolVersion());
      subscriptions.subscribe(caller(), (ServerCallStreamObserver<Invitation>) observer);
    });
  }

  @Override
  public void createSession(CreateSessionRequest request, StreamObserver<SessionCreated> observer) {
    handle(observer, () -> {
      requireVersion(request.getProtocolVersion());
      String initiator = caller();
      SessionPurpose purpose = request.getPurpose();
      if (purpose == SessionPurpose.SESSION_PURPOSE_PSI) {
        checkPrivateJoin(request.getQuery().toByteArray());
      } else {
        checkQuery(request.getQuery().toByteArray(), purpose);
      }
      if (purpose != SessionPurpose.SESSION_PURPOSE_MPC && request.getInputPartiesCount() != 0) {
        throw Status.INVALID_ARGUMENT
            .withDescription("input_parties belong to MPC sessions")
            .asRuntimeException();
      }
      List<String> computeParties = List.of();
      List<String> participants = switch (purpose) {
        case SESSION_PURPOSE_AGGREGATE -> {
          if (request.getComputePartiesCount() != 0) {
            throw Status.INVALID_ARGUMENT
                .withDescription("compute_parties belong to MPC sessions; an aggregation session invites every party")
                .asRuntimeException();
          }
          yield federation.parties().stream().sorted().toList();
        }
        case SESSION_PURPOSE_MPC, SESSION_PURPOSE_PSI -> {
          String kind = purpose == SessionPurpose.SESSION_PURPOSE_MPC ? "MPC" : "PSI";
          int count = purpose == SessionPurpose.SESSION_PURPOSE_MPC ? MPC_PARTIES : PSI_PARTIES;
          List<String> computing = computeParties(request.getComputePartiesList(), count,
              purpose == SessionPurpose.SESSION_PURPOSE_MPC
                  ? "an MPC session names exactly " + count + " distinct compute parties"
                  : "a PSI session names exactly " + count + " distinct parties");
          if (!computing.contains(initiator)) {
            // The initiator orchestrates the computation and must be able to abort it.
            throw Status.INVALID_ARGUMENT
                .withDescription("party " + initiator + " opens a " + kind + " session for " + computing
                    + " without being one of its parties")
                .asRuntimeException();
          }
          computeParties = computing;
          yield purpose == SessionPurpose.SESSION_PURPOSE_MPC
              ? withInputParties(computing, request.getInputPartiesList())
              : computing;
        }
        default -> throw Status.INVALID_ARGUMENT
            .withDescription("session purpose " + request.getPurposeValue() + " is unknown to this coordinator")
            .asRuntimeException();
      };
      for (String party : participants) {
        if (!party.equals(initiator) && !subscriptions.isConnected(party)) {
          throw Status.FAILED_PRECONDITION
              .withDescription("party " + party + " is not connected to the coordinator")
              .asRuntimeException();
        }
      }
      if (participants.size() < request.getMinParties()) {
        throw Status.FAILED_PRECONDITION
            .withDescription("only " + participants.size() + " parties can take part, fewer than the "
                + request.getMinParties() + " asked for")
            .asRuntimeException();
      }
      long timeout = request.getTimeoutMs() == 0
          ? maxTimeoutMillis
          : Math.min(Integer.toUnsignedLong(request.getTimeoutMs()), maxTimeoutMillis);
      long now = clock.millis();
      String id = newSessionId();
      Session session =
          new Session(id, purpose, initiator, participants, computeParties, now, now + timeout, psiSumBudgetBytes,
              psiSumMemory, sessions);
      sessions.add(session);
      LOG.info("session {} ({}) created by party {} for parties {}, deadline in {}", id, purpose, initiator,
          participants, Session.formatMillis(timeout));
      Invitation invitation = Invitation.newBuilder()
          .setSessionId(id)
          .setInitiator(initiator)
          .addAllParticipants(participants)
          .setQuery(request.getQuery())
          .setDeadlineUnixMs(now + timeout)
          .setPurpose(purpose)
          .addAllComputeParties(purpose == SessionPurpose.SESSION_PURPOSE_MPC ? computeParties : List.of())
          .build();
      for (String party : participants) {
        if (!party.equals(initiator) && !subscriptions.invite(party, invitation)) {
          Replies replies = new Replies();
          session.abortBy(initiator, "party " + party + " could not be invited (its subscription closed)", replies);
          replies.send();
          throw Status.FAILED_PRECONDITION
              .withDescription("party " + party + " is not connected to the coordinator")
              .asRuntimeException();
        }
      }
      observer.onNext(SessionCreated.newBuilder()
          .setSessionId(id)
          .addAllParticipants(participants)
          .setDeadlineUnixMs(now + timeout)
          .addAllComputeParties(purpose == SessionPurpose.SESSION_PURPOSE_MPC ? computeParties : List.of())
          .build());
      observer.onCompleted();
    });
  }

  @Override
  public void join(JoinRequest request, StreamObserver<Roster> observer) {
    onSession(observer, request.getSessionId(),
        (session, replies) -> session.join(caller(), PartyAuthenticator.CERTIFICATE.get(), request, observer, replies));
  }

  @Override
  public void relay(Envelope request, StreamObserver<Ack> observer) {
    onSession(observer, request.getSessionId(), (session, replies) -> session.relay(caller(), request, observer, replies));
  }

  @Override
  public void fetch(FetchRequest request, StreamObserver<Envelope> observer) {
    onSession(observer, request.getSessionId(),
        (session, replies) -> session.fetch(caller(), request.getFromParty(), request.getTag(), observer, replies));
  }

  @Override
  public void alignKeys(KeySet request, StreamObserver<KeyUnion> observer) {
    onSession(observer, request.getSessionId(),
        (session, replies) -> session.alignKeys(caller(), request, observer, replies));
  }

  @Override
  public StreamObserver<VectorChunk> submitVector(StreamObserver<Ack> observer) {
    String party = caller();
    return sessionStream(observer, VectorChunk::getSessionId,
        (session, chunk, replies) -> session.addChunk(party, chunk, replies));
  }

  @Override
  public void awaitSum(AwaitSumRequest request, StreamObserver<SumResult> observer) {
    onSession(observer, request.getSessionId(),
        (session, replies) -> session.awaitSum(caller(), request.getIncludeSum(), observer, replies));
  }

  @Override
  public void abort(AbortRequest request, StreamObserver<Ack> observer) {
    onSession(observer, request.getSessionId(), (session, replies) -> {
      session.abortBy(caller(), request.getReason(), replies);
      replies.add(() -> acknowledge(observer));
    });
  }

  @Override
  public void psiSumBegin(PsiSumHeader request, StreamObserver<Ack> observer) {
    onSession(observer, request.getSessionId(), (session, replies) -> {
      session.psiSumBegin(caller(), request);
      replies.add(() -> acknowledge(observer));
    });
  }

  /**
   * Slices of a party's declared PsiSum message; any number of such calls may run at once (one per
   * executor task), each slice naming its session. After a refusal the call has failed and later
   * slices are ignored; slices placed before it stay (a retry that resends them is refused).
   */
  @Override
  public StreamObserver<PsiSumSlice> psiSumSlices(StreamObserver<Ack> observer) {
    String party = caller();
    return sessionStream(observer, PsiSumSlice::getSessionId,
        (session, slice, replies) -> session.psiSumSlice(party, slice));
  }

  @Override
  public void psiSum(PsiSumAwait request, StreamObserver<PsiSumOutcome> observer) {
    onSession(observer, request.getSessionId(),
        (session, replies) -> session.psiSumAwait(caller(), request, observer, replies));
  }

  @Override
  public void finish(FinishRequest request, StreamObserver<Ack> observer) {
    onSession(observer, request.getSessionId(), (session, replies) -> {
      session.finish(caller(), replies);
      replies.add(() -> acknowledge(observer));
    });
  }

  // ---- deadlines and shutdown --------------------------------------------------------------

  /** Aborts every session whose deadline has passed; production calls it every 100 ms. */
  void checkDeadlines() {
    long now = clock.millis();
    for (Session session : sessions.active()) {
      Replies replies = new Replies();
      session.expireIfDue(now, replies);
      replies.send();
    }
  }

  /** Fails every waiting call and closes every subscription: the coordinator is going away. */
  void shutDown() {
    shuttingDown = true;
    Status status = Status.UNAVAILABLE.withDescription("coordinator shutting down");
    for (Session session : sessions.active()) {
      Replies replies = new Replies();
      session.failWaiters(status, replies);
      replies.send();
    }
    subscriptions.endAll(status);
  }

  SessionRegistry sessions() {
    return sessions;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private interface SessionCall {
    void run(Session session, Replies replies);
  }

  private void onSession(StreamObserver<?> observer, String sessionId, SessionCall call) {
    Replies replies = new Replies();
    try {
      requireRunning();
      Session session = sessions.get(sessionId);
      session.expireIfDue(clock.millis(), replies);
      call.run(session, replies);
    } catch (StatusRuntimeException e) {
      replies.add(() -> observer.onError(e));
    } finally {
      replies.send();
    }
  }

  private interface StreamCall<T> {
    void run(Session session, T message, Replies replies);
  }

  /**
   * A client stream of messages that each name their session (vector chunks, PsiSum slices): each
   * is handled as {@link #onSession} handles a call; after a refusal the call has failed and later
   * messages are ignored, and the call is acknowledged once the party closes it without one.
   */
  private <T> StreamObserver<T> sessionStream(
      StreamObserver<Ack> observer, java.util.function.Function<T, String> sessionId, StreamCall<T> call) {
    return new StreamObserver<>() {
      private boolean failed;

      @Override
      public void onNext(T message) {
        if (failed) {
          return;
        }
        Replies replies = new Replies();
        try {
          requireRunning();
          Session session = sessions.get(sessionId.apply(message));
          session.expireIfDue(clock.millis(), replies);
          call.run(session, message, replies);
        } catch (StatusRuntimeException e) {
          failed = true;
          replies.add(() -> observer.onError(e));
        } finally {
          replies.send();
        }
      }

      @Override
      public void onError(Throwable t) {
        failed = true;
      }

      @Override
      public void onCompleted() {
        if (!failed) {
          acknowledge(observer);
        }
      }
    };
  }

  private static void acknowledge(StreamObserver<Ack> observer) {
    observer.onNext(Ack.getDefaultInstance());
    observer.onCompleted();
  }

  private void handle(StreamObserver<?> observer, Runnable call) {
    try {
      requireRunning();
      call.run();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
    }
  }

  private void requireRunning() {
    if (shuttingDown) {
      throw Status.UNAVAILABLE.withDescription("coordinator shutting down").asRuntimeException();
    }
  }

  private static String caller() {
    return PartyAuthenticator.PARTY.get();
  }

  private static void requireVersion(int version) {
    if (version != PROTOCOL_VERSION) {
      throw Status.FAILED_PRECONDITION
          .withDescription("protocol version " + Integer.toUnsignedString(version) + " is not supported; this coordinator "
              + "speaks version " + PROTOCOL_VERSION)
          .asRuntimeException();
    }
  }

  /**
   * Exactly {@code count} distinct parties of the federation, sorted: for MPC the engine's party
   * ids 0, 1, 2; for PSI the two sides of the join.
   */
  private List<String> computeParties(List<String> named, int count, String shape) {
    List<String> sorted = named.stream().sorted().distinct().toList();
    if (named.size() != count || sorted.size() != count) {
      throw Status.INVALID_ARGUMENT
          .withDescription(shape + ", not "
              + named.stream().map(Session::sanitize).toList())
          .asRuntimeException();
    }
    for (String party : sorted) {
      if (!federation.parties().contains(party)) {
        throw Status.INVALID_ARGUMENT
            .withDescription("compute party '" + Session.sanitize(party) + "' is not a party of federation "
                + federation.name())
            .asRuntimeException();
      }
    }
    return sorted;
  }

  /**
   * An MPC session's participants: its three compute parties and any input parties, each a party of
   * the federation that is not a compute party, named once; sorted by name.
   */
  private List<String> withInputParties(List<String> computing, List<String> named) {
    java.util.TreeSet<String> participants = new java.util.TreeSet<>(computing);
    for (String party : named) {
      if (!federation.parties().contains(party)) {
        throw Status.INVALID_ARGUMENT
            .withDescription("input party '" + Session.sanitize(party) + "' is not a party of federation "
                + federation.name())
            .asRuntimeException();
      }
      if (computing.contains(party)) {
        throw Status.INVALID_ARGUMENT
            .withDescription("party " + party + " is named both as a compute party and as an input party")
            .asRuntimeException();
      }
      if (!participants.add(party)) {
        throw Status.INVALID_ARGUMENT
            .withDescription("input party " + party + " is named twice")
            .asRuntimeException();
      }
    }
    return List.copyOf(participants);
  }

  /**
   * An aggregation session's query is a FederatedAggregate over a declared table; the query of a
   * relay session (MPC: a ShareQuery; PSI: the PSI helper's message) is opaque here, only bounded.
   */
  private void checkQuery(byte[] query, SessionPurpose purpose) {
    if (query.length == 0 || query.length > MAX_QUERY_BYTES) {
      throw Status.INVALID_ARGUMENT
          .withDescription("the query must have 1.." + MAX_QUERY_BYTES + " bytes, not " + query.length)
          .asRuntimeException();
    }
    if (purpose != SessionPurpose.SESSION_PURPOSE_AGGREGATE) {
      return;
    }
    FederatedAggregate aggregate;
    try {
      aggregate = FederatedAggregate.parseFrom(query);
    } catch (InvalidProtocolBufferException e) {
      throw Status.INVALID_ARGUMENT.withDescription("the query is not a FederatedAggregate message").asRuntimeException();
    }
    if (!federation.hasTable(aggregate.getTable())) {
      throw Status.INVALID_ARGUMENT
          .withDescription("the query reads table '" + Session.sanitize(aggregate.getTable())
              + "', which federation " + federation.name() + " does not declare")
          .asRuntimeException();
    }
  }

  /** A PSI session's query is a PrivateJoin over two declared tables; each party checks its own side. */
  private void checkPrivateJoin(byte[] query) {
    if (query.length == 0 || query.length > MAX_QUERY_BYTES) {
      throw Status.INVALID_ARGUMENT
          .withDescription("the query must have 1.." + MAX_QUERY_BYTES + " bytes, not " + query.length)
          .asRuntimeException();
    }
    io.parley.protocols.wire.PrivateJoin join;
    try {
      join = io.parley.protocols.wire.PrivateJoin.parseFrom(query);
    } catch (InvalidProtocolBufferException e) {
      throw Status.INVALID_ARGUMENT.withDescription("the query of a PSI session is not a PrivateJoin message")
          .asRuntimeException();
    }
    for (String table : List.of(join.getInitiator().getTable(), join.getResponder().getTable())) {
      if (!federation.hasTable(table)) {
        throw Status.INVALID_ARGUMENT
            .withDescription("the private join reads table '" + Session.sanitize(table) + "', which federation "
                + federation.name() + " does not declare")
            .asRuntimeException();
      }
    }
  }

  private String newSessionId() {
    byte[] bytes = new byte[16];
    String id;
    do {
      random.nextBytes(bytes);
      id = HexFormat.of().formatHex(bytes);
    } while (sessions.contains(id));
    return id;
  }
}
