package io.parley.protocols.coordinator;

import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.join;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.Subscription;
import io.parley.protocols.psi.IntersectionSumCoordinator;
import io.parley.protocols.psi.PsiMessages;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.PrivateJoinSide;
import io.parley.protocols.wire.PsiSumOutcome;
import io.parley.protocols.wire.PsiSumPart;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A PSI sum's messages in parts through a real coordinator (mutual TLS on loopback), with a session
 * budget of {@value #BUDGET} bytes so that limits show without gigabytes: many parts give the
 * single-part sum; parts out of order, repeated, missing, empty or too large, a part count that
 * changes, parts of two sessions or two calls, and a session over its budget are refused with a
 * message naming the party, and a refused party may send its message again.
 */
class CoordinatorPsiSumPartsTest {
  private static final long BUDGET = 50_000;
  private static final int WIDTH = 4;
  private static final int ELEMENTS = 1_000;
  private static final PrivateJoin JOIN = PrivateJoin.newBuilder().setVersion(1)
      .setInitiator(PrivateJoinSide.newBuilder().setParty("alpha").setTable("sales"))
      .setResponder(PrivateJoinSide.newBuilder().setParty("beta").setTable("sales"))
      .setDescription("psi sum parts test").build();

  private CoordinatorFixture fixture;
  private ExecutorService threads;
  private CoordinatorClient alpha;
  private CoordinatorClient beta;
  private Subscription betaSubscription;
  /** beta's masked payload: {@value #ELEMENTS} elements of {@value #WIDTH} words, 32,010 bytes. */
  private byte[] payload;
  /** alpha's match report: every third position, 1,382 bytes. */
  private byte[] report;

  @BeforeEach
  void start() {
    fixture = CoordinatorFixture.startWithPsiSumBudget(505, BUDGET);
    threads = Executors.newCachedThreadPool();
    alpha = fixture.client("alpha");
    beta = fixture.client("beta");
    betaSubscription = beta.subscribe(invitation -> {}, e -> {});
    Random random = new Random(506);
    long[] words = random.longs(ELEMENTS * WIDTH).toArray();
    payload = PsiMessages.encodeMaskedPayload(new PsiMessages.MaskedPayload(WIDTH, words));
    int[] positions = java.util.stream.IntStream.range(0, ELEMENTS).filter(p -> p % 3 == 0).toArray();
    report = PsiMessages.encodeMatchReport(
        new PsiMessages.MatchReport(ELEMENTS, positions, random.longs(WIDTH).toArray()));
  }

  @AfterEach
  void stop() {
    betaSubscription.close();
    threads.shutdownNow();
    fixture.close();
  }

  private String createAndJoin() throws Exception {
    String id = alpha.createPsiSession(JOIN, List.of("alpha", "beta"), Duration.ofSeconds(60)).getSessionId();
    List<Future<?>> joins = new ArrayList<>();
    for (CoordinatorClient client : List.of(alpha, beta)) {
      joins.add(threads.submit(
          () -> client.join(join(id, client, fixture.tls(client.party()).certificateDer(), (byte) 6, 1))));
    }
    for (Future<?> joined : joins) {
      joined.get(20, TimeUnit.SECONDS);
    }
    return id;
  }

  /** Both parties' PsiSum through {@code receiver} and {@code sender}; their two answers. */
  private byte[][] sum(String id, CoordinatorClient receiver, CoordinatorClient sender) throws Exception {
    Future<byte[]> atSender = threads.submit(() -> sender.psiSum(id, payload));
    Future<byte[]> atReceiver = threads.submit(() -> receiver.psiSum(id, report));
    return new byte[][] {atReceiver.get(20, TimeUnit.SECONDS), atSender.get(20, TimeUnit.SECONDS)};
  }

  private static PsiSumPart part(String id, int index, int count, byte[] chunk) {
    return PsiSumPart.newBuilder().setSessionId(id).setPartIndex(index).setPartCount(count)
        .setChunk(ByteString.copyFrom(chunk)).build();
  }

  private static byte[] bytes(int length, int fill) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, (byte) fill);
    return bytes;
  }

  /** A PsiSum call as {@code party} whose parts the test sends itself; completes with its answer or failure. */
  private final class RawCall {
    final CompletableFuture<PsiSumOutcome> answer = new CompletableFuture<>();
    final StreamObserver<PsiSumPart> parts;

    RawCall(String party) {
      parts = fixture.rawAsyncStub(party).psiSum(new StreamObserver<>() {
        @Override
        public void onNext(PsiSumOutcome outcome) {
          answer.complete(outcome);
        }

        @Override
        public void onError(Throwable t) {
          answer.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {}
      });
    }

    RawCall send(PsiSumPart... sent) {
      for (PsiSumPart part : sent) {
        parts.onNext(part);
      }
      return this;
    }

    RawCall end() {
      parts.onCompleted();
      return this;
    }

    Status refusal() {
      ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(20, TimeUnit.SECONDS));
      return assertInstanceOf(StatusRuntimeException.class, e.getCause()).getStatus();
    }
  }

  private RawCall call(String party) {
    return new RawCall(party);
  }

  private static void assertRefused(Status.Code code, String description, Status status) {
    assertEquals(description, status.getDescription());
    assertEquals(code, status.getCode());
  }

  @Test
  void aMessageInManyPartsGivesTheSumOfTheSameMessageInOnePart() throws Exception {
    byte[] expected = IntersectionSumCoordinator.sum(payload, "beta", report, "alpha");
    String single = createAndJoin();
    byte[][] inOnePart = sum(single, alpha, beta);
    String parted = createAndJoin();
    byte[][] inParts = sum(parted, fixture.client("alpha", 500), fixture.client("beta", 1_000));

    assertArrayEquals(expected, inOnePart[0]);
    assertArrayEquals(expected, inOnePart[1]);
    assertArrayEquals(expected, inParts[0]);
    assertArrayEquals(expected, inParts[1]);
    // The client cut the payload into 33 consecutive parts of at most 1,000 bytes, in order.
    List<PsiSumPart> sent = sentParts("beta", parted);
    assertEquals(33, sent.size());
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    for (int i = 0; i < sent.size(); i++) {
      assertEquals(i, sent.get(i).getPartIndex());
      assertEquals(33, sent.get(i).getPartCount());
      assertEquals(i < 32 ? 1_000 : payload.length - 32_000, sent.get(i).getChunk().size());
      sent.get(i).getChunk().writeTo(joined);
    }
    assertArrayEquals(payload, joined.toByteArray());
    assertEquals(3, sentParts("alpha", parted).size());
    assertEquals(1, sentParts("beta", single).size());
    assertEquals(0, fixture.server.service().sessions().psiSumBytes(parted), "nothing is held after the sum");
  }

  private List<PsiSumPart> sentParts(String party, String id) throws InvalidProtocolBufferException {
    List<PsiSumPart> parts = new ArrayList<>();
    for (CoordinatorFixture.Record record : fixture.transcriptOf(party, "PsiSum")) {
      PsiSumPart part = PsiSumPart.parseFrom(record.message());
      if (part.getSessionId().equals(id)) {
        parts.add(part);
      }
    }
    return parts;
  }

  @Test
  void partsOutOfOrderAreRefusedAndThePartyMaySendItsMessageAgain() throws Exception {
    String id = createAndJoin();
    Status skipped = call("beta").send(part(id, 0, 3, bytes(10, 1)), part(id, 2, 3, bytes(10, 3))).refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT,
        "session " + id + ": party beta sent PsiSum part 2 of 3 where part 1 was due; parts are sent in order", skipped);
    fixture.awaitPsiSumBytes(id, 0);

    byte[][] answers = sum(id, alpha, fixture.client("beta", 4_096));
    byte[] expected = IntersectionSumCoordinator.sum(payload, "beta", report, "alpha");
    assertArrayEquals(expected, answers[0]);
    assertArrayEquals(expected, answers[1]);
  }

  @Test
  void aRepeatedPartIsRefused() throws Exception {
    String id = createAndJoin();
    Status repeated = call("beta")
        .send(part(id, 0, 3, bytes(10, 1)), part(id, 1, 3, bytes(10, 2)), part(id, 1, 3, bytes(10, 2))).refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT, "session " + id + ": party beta sent PsiSum part 1 twice", repeated);
    fixture.awaitPsiSumBytes(id, 0);
  }

  @Test
  void aMessageThatEndsBeforeItsLastPartIsRefused() throws Exception {
    String id = createAndJoin();
    Status missing = call("alpha").send(part(id, 0, 3, bytes(10, 1)), part(id, 1, 3, bytes(10, 2))).end().refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT, "session " + id + ": party alpha's PsiSum message ended after 2 of 3 parts",
        missing);
    Status empty = call("alpha").end().refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT, "party alpha ended its PsiSum call without sending a part", empty);
    Status beyond = call("alpha").send(part(id, 0, 1, bytes(10, 1)), part(id, 1, 1, bytes(10, 2))).refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT,
        "session " + id + ": party alpha sent PsiSum part 1 of a message of 1 part (parts 0..0)", beyond);
    fixture.awaitPsiSumBytes(id, 0);
  }

  @Test
  void aPartCountThatDisagreesIsRefused() throws Exception {
    String id = createAndJoin();
    Status changed = call("beta").send(part(id, 0, 3, bytes(10, 1)), part(id, 1, 4, bytes(10, 2))).refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT,
        "session " + id + ": party beta's PsiSum part 1 says 4 parts where its first part said 3", changed);
    // A version-1 client sends its whole message without a part count.
    Status none = call("beta").send(PsiSumPart.newBuilder().setSessionId(id)
        .setChunk(ByteString.copyFrom(payload)).build()).refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT,
        "session " + id + ": party beta sent a PsiSum message of 0 parts; a message has 1..4096 parts", none);
    Status tooMany = call("beta").send(part(id, 0, 4097, bytes(10, 1))).refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT,
        "session " + id + ": party beta sent a PsiSum message of 4097 parts; a message has 1..4096 parts", tooMany);
    fixture.awaitPsiSumBytes(id, 0);
  }

  @Test
  void partsOfNoBytesOrOverSixteenMebibytesAreRefused() throws Exception {
    String id = createAndJoin();
    Status empty = call("beta").send(part(id, 0, 2, new byte[0])).refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT,
        "session " + id + ": party beta's PsiSum part 0 has 0 bytes; a part has 1..16777216", empty);
    Status oversized = call("beta")
        .send(part(id, 0, 2, bytes(10, 1)), part(id, 1, 2, new byte[Session.MAX_PSI_SUM_PART_BYTES + 1])).refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT,
        "session " + id + ": party beta's PsiSum part 1 has 16777217 bytes; a part has 1..16777216", oversized);
    fixture.awaitPsiSumBytes(id, 0);
  }

  @Test
  void theBudgetCoversBothPartiesMessagesAndARefusedMessageFreesItsShare() throws Exception {
    String id = createAndJoin();
    RawCall sender = call("beta").send(part(id, 0, 1, payload)).end();
    fixture.awaitPsiSumBytes(id, payload.length);
    // 32,010 + 10,000 fit; another 10,000 would pass the 50,000-byte budget.
    Status over = call("alpha")
        .send(part(id, 0, 3, bytes(10_000, 1)), part(id, 1, 3, bytes(10_000, 2)), part(id, 2, 3, bytes(100, 3)))
        .refusal();
    assertRefused(Status.Code.RESOURCE_EXHAUSTED, "session " + id + ": party alpha's PsiSum message exceeds the 50000 "
        + "bytes the coordinator holds for both parties' PsiSum messages of a session", over);
    fixture.awaitPsiSumBytes(id, payload.length);

    byte[] atReceiver = alpha.psiSum(id, report);
    byte[] expected = IntersectionSumCoordinator.sum(payload, "beta", report, "alpha");
    assertArrayEquals(expected, atReceiver);
    assertArrayEquals(expected, sender.answer.get(20, TimeUnit.SECONDS).getMessage().toByteArray());
  }

  @Test
  void aMessageLargerThanTheBudgetIsRefusedThroughTheClient() throws Exception {
    String id = createAndJoin();
    byte[] large = PsiMessages.encodeMaskedPayload(
        new PsiMessages.MaskedPayload(WIDTH, new Random(507).longs(2 * ELEMENTS * WIDTH).toArray()));
    ParleyException refused =
        assertThrows(ParleyException.class, () -> fixture.client("beta", 8_192).psiSum(id, large));
    assertEquals("session " + id + ": party beta's PsiSum message exceeds the 50000 bytes the coordinator holds for "
        + "both parties' PsiSum messages of a session", refused.getMessage());
    fixture.awaitPsiSumBytes(id, 0);
  }

  @Test
  void oneCallCarriesOneMessageOfOneSession() throws Exception {
    String id = createAndJoin();
    String other = createAndJoin();
    Status twoSessions = call("beta").send(part(id, 0, 2, bytes(10, 1)), part(other, 1, 2, bytes(10, 2))).refusal();
    assertRefused(Status.Code.INVALID_ARGUMENT, "party beta's PsiSum parts name session " + id + " and '" + other
        + "'; one call carries one session's message", twoSessions);
    fixture.awaitPsiSumBytes(id, 0);

    RawCall first = call("beta").send(part(id, 0, 2, bytes(10, 1)));
    fixture.awaitPsiSumBytes(id, 10);
    Status second = call("beta").send(part(id, 0, 2, bytes(10, 1))).refusal();
    assertRefused(Status.Code.FAILED_PRECONDITION,
        "session " + id + ": party beta is already sending its PsiSum message on another call", second);
    // The first call goes on as if the second had not been.
    first.send(part(id, 1, 2, bytes(10, 2)));
    fixture.awaitPsiSumBytes(id, 20);
    first.parts.onError(Status.CANCELLED.asRuntimeException());
    fixture.awaitPsiSumBytes(id, 0);
  }
}
