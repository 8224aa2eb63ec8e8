package io.parley.protocols.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.parley.protocols.ParleyException;
import io.parley.protocols.psi.PsiMessages;
import io.parley.protocols.ring.RingVectors;
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
import io.parley.protocols.wire.PsiSumRole;
import io.parley.protocols.wire.PsiSumSlice;
import io.parley.protocols.wire.SessionPurpose;
import io.parley.protocols.wire.ShareQuery;
import io.parley.protocols.wire.SubscribeRequest;
import io.parley.protocols.wire.SumResult;
import io.parley.protocols.wire.VectorChunk;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A party's connection to the coordinator: one gRPC channel over mutual TLS (reuse it; one per
 * JVM), blocking calls with a deadline of the call timeout plus a margin, and every failure as a
 * {@link ParleyException} carrying the coordinator's description. Thread-safe.
 */
public final class CoordinatorClient implements AutoCloseable {
  /** The wire version of {@code parley.proto}; 2 sends a PSI sum's messages in slices from executors. */
  public static final int PROTOCOL_VERSION = 2;
  /** Values per {@code VectorChunk}: 1 MiB of 64-bit words. */
  public static final int CHUNK_ELEMENTS = (1024 * 1024) / Long.BYTES;
  /** Bytes per PsiSum slice: the most the coordinator takes in one slice, a quarter of the message cap. */
  public static final int PSI_SUM_SLICE_BYTES = 16 * 1024 * 1024;
  static final Duration DEADLINE_MARGIN = Duration.ofSeconds(5);
  private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
  private static final Duration ABORT_TIMEOUT = Duration.ofSeconds(5);
  private static final Pattern HOST_PORT = Pattern.compile("(?:\\[([^\\]]+)\\]|([^:\\[\\]]+)):(\\d{1,5})");
  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorClient.class);

  private final String target;
  private final String party;
  private final Duration callTimeout;
  private final int psiSumSliceBytes;
  private final ManagedChannel channel;

  private CoordinatorClient(
      String target, String party, Duration callTimeout, int psiSumSliceBytes, ManagedChannel channel) {
    this.target = target;
    this.party = party;
    this.callTimeout = callTimeout;
    this.psiSumSliceBytes = psiSumSliceBytes;
    this.channel = channel;
  }

  /**
   * Opens a channel to the coordinator at {@code hostPort}. The server must present a certificate
   * of the party's federation with {@code OU=coordinator} that is valid for the host dialled. The
   * TLS handshake happens with the first call.
   */
  public static CoordinatorClient connect(String hostPort, TlsMaterial tls, Duration callTimeout) {
    return connect(hostPort, tls, callTimeout, PSI_SUM_SLICE_BYTES);
  }

  /** As above, cutting PsiSum messages into slices of at most {@code psiSumSliceBytes} (tests use small ones). */
  static CoordinatorClient connect(String hostPort, TlsMaterial tls, Duration callTimeout, int psiSumSliceBytes) {
    Objects.requireNonNull(tls, "tls");
    if (psiSumSliceBytes < 1 || psiSumSliceBytes > PSI_SUM_SLICE_BYTES) {
      throw new IllegalArgumentException("PsiSum slices have 1.." + PSI_SUM_SLICE_BYTES + " bytes, not " + psiSumSliceBytes);
    }
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new ParleyException("the coordinator call timeout must be positive, not " + callTimeout);
    }
    Matcher matcher = HOST_PORT.matcher(hostPort.strip());
    if (!matcher.matches() || Integer.parseInt(matcher.group(3)) > 65535) {
      throw new ParleyException("coordinator address '" + hostPort + "' is not host:port");
    }
    String host = matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
    int port = Integer.parseInt(matcher.group(3));
    TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder()
        .trustManager(new CoordinatorTrustManager(tls.ca(), tls.federationName(), host));
    try {
      credentials.keyManager(new ByteArrayInputStream(tls.certificatePem()), new ByteArrayInputStream(tls.privateKeyPem()));
    } catch (IOException | IllegalArgumentException e) {
      throw new ParleyException("cannot use the TLS certificate and key of party " + tls.partyName() + ": "
          + e.getMessage(), e);
    }
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(host, port, credentials.build())
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveWithoutCalls(true)
        .build();
    return new CoordinatorClient(hostPort.strip(), tls.partyName(), callTimeout, psiSumSliceBytes, channel);
  }

  /** This party's name, from its certificate. */
  public String party() {
    return party;
  }

  public String target() {
    return target;
  }

  // ---- calls --------------------------------------------------------------------------------

  public SessionCreated createSession(FederatedAggregate query, Duration timeout, int minParties) {
    long millis = Math.min(Math.max(timeout.toMillis(), 1), 0xFFFF_FFFFL);
    CreateSessionRequest request = CreateSessionRequest.newBuilder()
        .setProtocolVersion(PROTOCOL_VERSION)
        .setQuery(query.toByteString())
        .setTimeoutMs((int) millis)
        .setMinParties(minParties)
        .build();
    return call("CreateSession", () -> blocking().createSession(request));
  }

  /**
   * Opens an MPC session among exactly three {@code computeParties} of the federation, this party
   * among them; the other two are invited. The session allows Relay and Fetch once all three
   * joined, and ends when each called {@link #finish}. The query (a {@code ShareQuery} from the
   * connector) is opaque to the coordinator.
   */
  public SessionCreated createMpcSession(
      com.google.protobuf.MessageLite query, List<String> computeParties, Duration timeout) {
    return createMpcSession(query, computeParties, List.of(), timeout);
  }

  /**
   * As {@link #createMpcSession(com.google.protobuf.MessageLite, List, Duration)}, with {@code
   * inputParties}: further parties of the federation, none a compute party, invited to share their
   * inputs with the compute parties (they relay only to and from compute parties, and also call
   * {@link #finish}).
   */
  public SessionCreated createMpcSession(
      com.google.protobuf.MessageLite query, List<String> computeParties, List<String> inputParties,
      Duration timeout) {
    long millis = Math.min(Math.max(timeout.toMillis(), 1), 0xFFFF_FFFFL);
    CreateSessionRequest request = CreateSessionRequest.newBuilder()
        .setProtocolVersion(PROTOCOL_VERSION)
        .setQuery(query.toByteString())
        .setTimeoutMs((int) millis)
        .setPurpose(SessionPurpose.SESSION_PURPOSE_MPC)
        .addAllComputeParties(computeParties)
        .addAllInputParties(inputParties)
        .build();
    return call("CreateSession", () -> blocking().createSession(request));
  }

  /**
   * Opens a PSI session (a relay session between exactly two named parties, this one among them)
   * for private join {@code join}, which the invitation carries (each party checks its own side
   * before it joins; the coordinator checks only that both tables are declared): Join,
   * Relay/Fetch, optionally a PSI sum ({@link #beginPsiSumPayload} or {@link #beginPsiSumReport},
   * slices from any number of callers, {@link #awaitPsiSum}), then {@link #finish}.
   */
  public SessionCreated createPsiSession(io.parley.protocols.wire.PrivateJoin join, List<String> parties,
      Duration timeout) {
    long millis = Math.min(Math.max(timeout.toMillis(), 1), 0xFFFF_FFFFL);
    CreateSessionRequest request = CreateSessionRequest.newBuilder()
        .setProtocolVersion(PROTOCOL_VERSION)
        .setQuery(join.toByteString())
        .setTimeoutMs((int) millis)
        .setPurpose(SessionPurpose.SESSION_PURPOSE_PSI)
        .addAllComputeParties(parties)
        .build();
    return call("CreateSession", () -> blocking().createSession(request));
  }

  /**
   * A whole PsiSum message of this party (the sender's {@code PsiMessages} MASKED_PAYLOAD or the
   * receiver's MATCH_REPORT), sent as one party's driver and executors would: declared, sent in
   * slices of at most {@link #PSI_SUM_SLICE_BYTES}, then awaited. Returns the coordinator's
   * SUM_RESULT bytes (output-masked) once the other party's message is complete too. For callers
   * that hold the whole message (the in-process {@code PsiSession}); Spark sends it from executors.
   */
  public byte[] psiSum(String sessionId, byte[] message) {
    if (message.length < 2) {
      throw new ParleyException("session " + sessionId + ": a PsiSum message is never empty");
    }
    if (message[1] == PsiMessages.Type.MASKED_PAYLOAD.ordinal() + 1) {
      PsiMessages.MaskedPayload payload = PsiMessages.decodeMaskedPayload(message, party);
      beginPsiSumPayload(sessionId, payload.elementCount(), payload.width());
      sendPsiSumPayload(sessionId, 0, payload.words(), payload.width());
      return awaitPsiSum(sessionId, new long[0]);
    }
    PsiMessages.MatchReport report = PsiMessages.decodeMatchReport(message, party);
    int width = report.maskCorrection().length;
    beginPsiSumReport(sessionId, report.elementCount(), width, report.positions().length);
    sendPsiSumPositions(sessionId, report.positions(), 0, report.positions().length);
    return awaitPsiSum(sessionId, report.maskCorrection());
  }

  /**
   * The sender's driver declares its masked payload of a PSI sum: {@code elements} elements of
   * {@code width} words. The coordinator reserves its bytes against the session's PsiSum budget
   * (1 GiB for both parties) and refuses a payload over it.
   */
  public void beginPsiSumPayload(String sessionId, long elements, int width) {
    beginPsiSum(PsiSumHeader.newBuilder().setSessionId(sessionId).setRole(PsiSumRole.PSI_SUM_ROLE_SENDER)
        .setElementCount(elements).setWidth(width).build());
  }

  /**
   * The receiver's driver declares its match report: {@code matches} positions among the sender's
   * {@code senderElements} elements of {@code width} words.
   */
  public void beginPsiSumReport(String sessionId, long senderElements, int width, long matches) {
    beginPsiSum(PsiSumHeader.newBuilder().setSessionId(sessionId).setRole(PsiSumRole.PSI_SUM_ROLE_RECEIVER)
        .setElementCount(senderElements).setWidth(width).setMatchCount(matches).build());
  }

  private void beginPsiSum(PsiSumHeader header) {
    call("PsiSumBegin", () -> blocking().psiSumBegin(header));
  }

  /**
   * Sends masked payload words (whole elements of {@code width} words) as the elements starting at
   * {@code firstElement} of this party's declared payload, on one call in slices of at most {@link
   * #PSI_SUM_SLICE_BYTES}; returns once the coordinator placed every slice. Any number of calls
   * may run at once (one per executor task); none may overlap another.
   */
  public void sendPsiSumPayload(String sessionId, long firstElement, long[] maskedWords, int width) {
    if (width < 1 || maskedWords.length % width != 0 || firstElement < 0) {
      throw new ParleyException("session " + sessionId + ": " + maskedWords.length + " payload words at element "
          + firstElement + " are not whole elements of " + width + " words");
    }
    int elements = maskedWords.length / width;
    int perSlice = Math.max(1, psiSumSliceBytes / (Long.BYTES * width));
    sendPsiSumSlices(sessionId, (elements + perSlice - 1) / perSlice, slice -> {
      int first = slice * perSlice;
      int count = Math.min(perSlice, elements - first);
      return PsiSumSlice.newBuilder().setSessionId(sessionId).setFirstElement(firstElement + first)
          .setMaskedWords(UnsafeByteOperations.unsafeWrap(
              RingVectors.toBytes(maskedWords, first * width, count * width)))
          .build();
    });
  }

  /**
   * Sends matched positions {@code positions[from .. from+length)} (any order) of this party's
   * declared match report, on one call in slices of at most {@link #PSI_SUM_SLICE_BYTES}; returns
   * once the coordinator placed every slice.
   */
  public void sendPsiSumPositions(String sessionId, int[] positions, int from, int length) {
    if (from < 0 || length < 0 || from > positions.length - length) {
      throw new ParleyException("session " + sessionId + ": positions [" + from + ", +" + length
          + ") do not fit an array of " + positions.length);
    }
    int perSlice = Math.max(1, psiSumSliceBytes / Integer.BYTES);
    sendPsiSumSlices(sessionId, (length + perSlice - 1) / perSlice, slice -> {
      int first = from + slice * perSlice;
      int count = Math.min(perSlice, from + length - first);
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(count * Integer.BYTES)
          .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      bytes.asIntBuffer().put(positions, first, count);
      return PsiSumSlice.newBuilder().setSessionId(sessionId)
          .setPositions(UnsafeByteOperations.unsafeWrap(bytes.array())).build();
    });
  }

  /** {@code slices} slices, built one at a time as gRPC flow control allows, on one PsiSumSlices call. */
  private void sendPsiSumSlices(String sessionId, int slices, java.util.function.IntFunction<PsiSumSlice> slice) {
    if (slices == 0) {
      return;
    }
    long deadlineNanos = System.nanoTime() + deadline().toNanos();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Object ready = new Object();
    ClientResponseObserver<PsiSumSlice, Ack> responses = new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<PsiSumSlice> requests) {
        requests.setOnReadyHandler(() -> wake(ready));
      }

      @Override
      public void onNext(Ack ack) {}

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
        wake(ready);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
    ClientCallStreamObserver<PsiSumSlice> requests;
    try {
      requests = (ClientCallStreamObserver<PsiSumSlice>) CoordinatorGrpc.newStub(channel)
          .withDeadlineAfter(deadline().toMillis(), TimeUnit.MILLISECONDS)
          .psiSumSlices(responses);
    } catch (StatusRuntimeException e) {
      throw failure("PsiSumSlices", e);
    }
    try {
      for (int index = 0; index < slices && !done.isDone(); index++) {
        awaitReady(requests, ready, done, deadlineNanos);
        if (done.isDone()) {
          break;
        }
        requests.onNext(slice.apply(index));
      }
      if (!done.isDone()) {
        requests.onCompleted();
      }
    } catch (InterruptedException e) {
      requests.cancel("interrupted", e);
      Thread.currentThread().interrupt();
      throw new ParleyException("session " + sessionId + ": interrupted while sending PsiSum slices", e);
    } catch (RuntimeException e) {
      requests.cancel("failed to send", e);
      throw e;
    }
    awaitDone(done, deadlineNanos, "PsiSumSlices");
  }

  /**
   * Waits until both parties' PsiSum messages are complete and returns the coordinator's
   * SUM_RESULT bytes (output-masked). The receiver passes its mask correction ({@code width}
   * words), the sender an empty array. Call once this party's slices were all acknowledged.
   */
  public byte[] awaitPsiSum(String sessionId, long[] maskCorrection) {
    PsiSumAwait request = PsiSumAwait.newBuilder().setSessionId(sessionId)
        .setMaskCorrection(UnsafeByteOperations.unsafeWrap(RingVectors.toBytes(maskCorrection, 0,
            maskCorrection.length)))
        .build();
    PsiSumOutcome outcome = call("PsiSum", () -> blocking().psiSum(request));
    if (!outcome.getSessionId().equals(sessionId)) {
      throw new ParleyException("the coordinator answered PsiSum for session " + sessionId + " with session "
          + outcome.getSessionId());
    }
    return outcome.getMessage().toByteArray();
  }

  private static void wake(Object ready) {
    synchronized (ready) {
      ready.notifyAll();
    }
  }

  /** Tells the coordinator this party relays nothing more in MPC or PSI session {@code sessionId}. */
  public void finish(String sessionId) {
    call("Finish", () -> blocking().finish(FinishRequest.newBuilder().setSessionId(sessionId).build()));
  }

  /** Joins (or declines) a session; returns the roster once every participant answered. */
  public Roster join(JoinRequest request) {
    Roster roster = call("Join", () -> blocking().join(request));
    if (!roster.getSessionId().equals(request.getSessionId())) {
      throw new ParleyException("the coordinator answered Join for session " + request.getSessionId()
          + " with the roster of session " + roster.getSessionId());
    }
    return roster;
  }

  public void relay(String sessionId, String toParty, String tag, byte[] ciphertext) {
    Envelope envelope = Envelope.newBuilder()
        .setSessionId(sessionId)
        .setToParty(toParty)
        .setTag(tag)
        .setCiphertext(ByteString.copyFrom(ciphertext))
        .build();
    call("Relay", () -> blocking().relay(envelope));
  }

  /** Waits for the envelope {@code fromParty} relayed to this party with {@code tag}; its ciphertext. */
  public byte[] fetch(String sessionId, String fromParty, String tag) {
    FetchRequest request = FetchRequest.newBuilder().setSessionId(sessionId).setFromParty(fromParty).setTag(tag).build();
    Envelope envelope = call("Fetch", () -> blocking().fetch(request));
    if (!envelope.getFromParty().equals(fromParty) || !envelope.getToParty().equals(party)
        || !envelope.getTag().equals(tag)) {
      throw new ParleyException("session " + sessionId + ": the coordinator answered a Fetch for '" + tag + "' from "
          + fromParty + " with another envelope");
    }
    return envelope.getCiphertext().toByteArray();
  }

  /** Sends this party's group-key tokens; returns the sorted union once every participant sent. */
  public List<byte[]> alignKeys(String sessionId, List<byte[]> tokens) {
    KeySet.Builder request = KeySet.newBuilder().setSessionId(sessionId);
    tokens.forEach(t -> request.addTokens(ByteString.copyFrom(t)));
    KeyUnion union = call("AlignKeys", () -> blocking().alignKeys(request.build()));
    List<byte[]> result = new ArrayList<>(union.getTokensCount());
    ByteString previous = null;
    for (ByteString token : union.getTokensList()) {
      if (previous != null && ByteString.unsignedLexicographicalComparator().compare(previous, token) >= 0) {
        throw new ParleyException("session " + sessionId + ": the coordinator's union of group keys is not sorted "
            + "without duplicates");
      }
      result.add(token.toByteArray());
      previous = token;
    }
    return result;
  }

  /**
   * Sends {@code values[fromIndex .. fromIndex+length)} as the elements starting at {@code offset}
   * of this party's vector, on one client stream in chunks of at most {@link #CHUNK_ELEMENTS},
   * respecting gRPC flow control. Returns once the coordinator acknowledged every chunk.
   */
  public void submitVector(String sessionId, long offset, long[] values, int fromIndex, int length) {
    if (fromIndex < 0 || length < 0 || fromIndex > values.length - length || offset < 0) {
      throw new ParleyException("submitVector range [" + fromIndex + ", +" + length + ") at offset " + offset
          + " does not fit an array of " + values.length);
    }
    if (length == 0) {
      return;
    }
    long deadlineNanos = System.nanoTime() + deadline().toNanos();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Object ready = new Object();
    ClientResponseObserver<VectorChunk, Ack> responses = new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<VectorChunk> requests) {
        requests.setOnReadyHandler(() -> {
          synchronized (ready) {
            ready.notifyAll();
          }
        });
      }

      @Override
      public void onNext(Ack ack) {}

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
        synchronized (ready) {
          ready.notifyAll();
        }
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
    ClientCallStreamObserver<VectorChunk> requests;
    try {
      requests = (ClientCallStreamObserver<VectorChunk>) CoordinatorGrpc.newStub(channel)
          .withDeadlineAfter(deadline().toMillis(), TimeUnit.MILLISECONDS)
          .submitVector(responses);
    } catch (StatusRuntimeException e) {
      throw failure("SubmitVector", e);
    }
    try {
      for (int sent = 0; sent < length && !done.isDone(); ) {
        int count = Math.min(CHUNK_ELEMENTS, length - sent);
        awaitReady(requests, ready, done, deadlineNanos);
        if (done.isDone()) {
          break;
        }
        byte[] bytes = RingVectors.toBytes(values, fromIndex + sent, count);
        requests.onNext(VectorChunk.newBuilder()
            .setSessionId(sessionId)
            .setOffset(offset + sent)
            .setValues(UnsafeByteOperations.unsafeWrap(bytes))
            .build());
        sent += count;
      }
      if (!done.isDone()) {
        requests.onCompleted();
      }
    } catch (InterruptedException e) {
      requests.cancel("interrupted", e);
      Thread.currentThread().interrupt();
      throw new ParleyException("session " + sessionId + ": interrupted while sending the vector", e);
    } catch (RuntimeException e) {
      requests.cancel("failed to send", e);
      throw e;
    }
    awaitDone(done, deadlineNanos, "SubmitVector");
  }

  private static void awaitReady(
      ClientCallStreamObserver<?> requests, Object ready, CompletableFuture<?> done, long deadlineNanos)
      throws InterruptedException {
    synchronized (ready) {
      while (!requests.isReady() && !done.isDone()) {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
          return; // the call's own deadline fails it; done completes
        }
        TimeUnit.NANOSECONDS.timedWait(ready, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    }
  }

  private <T> T awaitDone(CompletableFuture<T> done, long deadlineNanos, String rpc) {
    try {
      return done.get(
          Math.max(0, deadlineNanos - System.nanoTime()) + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof StatusRuntimeException status) {
        throw failure(rpc, status);
      }
      if (cause instanceof ParleyException parley) {
        throw parley;
      }
      throw new ParleyException("the coordinator at " + target + " failed " + rpc + ": " + cause, cause);
    } catch (TimeoutException e) {
      throw new ParleyException("the coordinator at " + target + " did not answer " + rpc + " within "
          + deadline().toSeconds() + "s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParleyException("interrupted while waiting for the coordinator (" + rpc + ")", e);
    }
  }

  /**
   * Waits until every participant's vector arrived. With {@code includeSum} returns the
   * (output-masked) sum; without, an empty array (only completion was asked for).
   */
  public long[] awaitSum(String sessionId, boolean includeSum) {
    AwaitSumRequest request = AwaitSumRequest.newBuilder().setSessionId(sessionId).setIncludeSum(includeSum).build();
    SumResult result = call("AwaitSum", () -> blocking().awaitSum(request));
    if (!includeSum) {
      return new long[0];
    }
    if (result.getValues().size() != result.getLength() * Long.BYTES || result.getLength() > Integer.MAX_VALUE) {
      throw new ParleyException("session " + sessionId + ": the coordinator sent a sum of " + result.getValues().size()
          + " bytes for " + result.getLength() + " elements");
    }
    return RingVectors.fromBytes(result.getValues().toByteArray());
  }

  /** Tells the coordinator to abort the session for everyone. Best effort: never throws. */
  public void abort(String sessionId, String reason) {
    try {
      CoordinatorGrpc.newBlockingStub(channel)
          .withDeadlineAfter(ABORT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .abort(AbortRequest.newBuilder().setSessionId(sessionId).setReason(reason == null ? "" : reason).build());
    } catch (RuntimeException e) {
      LOG.info("could not abort session {} at the coordinator: {}", sessionId, e.getMessage());
    }
  }

  /**
   * Subscribes this party for invitations. Returns once the coordinator has registered the
   * subscription (so a session created afterwards reaches it). {@code onInvitation} runs on a gRPC
   * thread, one invitation at a time; {@code onEnd} runs once if the stream ends for any reason
   * other than {@link Subscription#close()}, with a ParleyException saying why.
   */
  public Subscription subscribe(Consumer<Invitation> onInvitation, Consumer<Throwable> onEnd) {
    CompletableFuture<Void> registered = new CompletableFuture<>();
    AtomicBoolean open = new AtomicBoolean(true);
    CompletableFuture<ClientCallStreamObserver<SubscribeRequest>> call = new CompletableFuture<>();
    ClientResponseObserver<SubscribeRequest, Invitation> observer = new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requests) {
        call.complete(requests);
      }

      @Override
      public void onNext(Invitation invitation) {
        registered.complete(null);
        try {
          onInvitation.accept(invitation);
        } catch (RuntimeException e) {
          LOG.warn("handling the invitation to session {} failed", invitation.getSessionId(), e);
        }
      }

      @Override
      public void onError(Throwable t) {
        ParleyException failure = t instanceof StatusRuntimeException status
            ? failure("Subscribe", status)
            : new ParleyException("the subscription to the coordinator at " + target + " failed: " + t, t);
        registered.completeExceptionally(failure);
        if (open.getAndSet(false)) {
          onEnd.accept(failure);
        }
      }

      @Override
      public void onCompleted() {
        ParleyException ended = new ParleyException("the coordinator at " + target + " ended the subscription");
        registered.completeExceptionally(ended);
        if (open.getAndSet(false)) {
          onEnd.accept(ended);
        }
      }
    };
    ClientInterceptor headersMeanRegistered = new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata received) {
                registered.complete(null);
                super.onHeaders(received);
              }
            }, headers);
          }
        };
      }
    };
    CoordinatorGrpc.newStub(channel)
        .withInterceptors(headersMeanRegistered)
        .subscribe(SubscribeRequest.newBuilder().setProtocolVersion(PROTOCOL_VERSION).build(), observer);
    Subscription subscription = new Subscription(
        () -> call.getNow(null).cancel("subscription closed by party " + party, null), open);
    try {
      registered.get(deadline().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      subscription.close();
      throw (ParleyException) e.getCause();
    } catch (TimeoutException e) {
      subscription.close();
      throw new ParleyException("the coordinator at " + target + " did not confirm the subscription within "
          + deadline().toSeconds() + "s");
    } catch (InterruptedException e) {
      subscription.close();
      Thread.currentThread().interrupt();
      throw new ParleyException("interrupted while subscribing at the coordinator", e);
    }
    return subscription;
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "CoordinatorClient{party=" + party + ", coordinator=" + target + "}";
  }

  // ---- helpers ------------------------------------------------------------------------------

  private Duration deadline() {
    return callTimeout.plus(DEADLINE_MARGIN);
  }

  private CoordinatorGrpc.CoordinatorBlockingStub blocking() {
    return CoordinatorGrpc.newBlockingStub(channel).withDeadlineAfter(deadline().toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T> T call(String rpc, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (StatusRuntimeException e) {
      throw failure(rpc, e);
    }
  }

  /** The coordinator's own description where it gave one; otherwise what went wrong on the way. */
  ParleyException failure(String rpc, StatusRuntimeException e) {
    Status status = e.getStatus();
    String description = status.getDescription();
    return switch (status.getCode()) {
      case UNAVAILABLE -> new ParleyException("cannot reach the coordinator at " + target + ": " + transportDetail(status), e);
      case DEADLINE_EXCEEDED -> new ParleyException("the coordinator at " + target + " did not answer " + rpc + " within "
          + deadline().toSeconds() + "s", e);
      case UNAUTHENTICATED -> new ParleyException("the coordinator at " + target + " refused party " + party + ": "
          + (description == null ? "unauthenticated" : description), e);
      default -> new ParleyException(description != null && !description.isBlank()
          ? description
          : rpc + " failed at the coordinator at " + target + " (" + status.getCode() + ")", e);
    };
  }

  /** The first line of gRPC's description, and the root cause, marked as TLS where the handshake failed. */
  private static String transportDetail(Status status) {
    String description = status.getDescription() == null ? "unavailable" : status.getDescription().lines().findFirst()
        .orElse("unavailable");
    boolean tls = false;
    Throwable root = null;
    for (Throwable cause = status.getCause(); cause != null; cause = cause.getCause()) {
      tls |= cause instanceof SSLException || cause instanceof java.security.cert.CertificateException;
      root = cause;
    }
    if (root == null || root.getMessage() == null) {
      return description + (tls ? " (TLS handshake failed)" : "");
    }
    return description + (tls ? " (TLS handshake failed: " : " (") + root.getMessage() + ")";
  }

}
