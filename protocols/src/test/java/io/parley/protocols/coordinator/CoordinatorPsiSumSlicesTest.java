package io.parley.protocols.coordinator;

import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.join;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.Subscription;
import io.parley.protocols.psi.IntersectionSumCoordinator;
import io.parley.protocols.psi.PsiMessages;
import io.parley.protocols.wire.Ack;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.PrivateJoinSide;
import io.parley.protocols.wire.PsiSumSlice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A PSI sum's two messages in slices through a real coordinator (mutual TLS on loopback), as the
 * parties' executors send them, with a session budget of {@value #BUDGET} bytes so that limits show
 * without gigabytes. Beta is the sender (a masked payload of {@value #ELEMENTS} elements of {@value
 * #WIDTH} words, 32,000 bytes declared), alpha the receiver. Slices out of order from concurrent
 * calls give the whole-message sum and the plaintext sum; overlaps, gaps, slices or positions out of
 * range, repeated positions, wrong match counts and declarations over the budget are refused with
 * one-line messages naming the party.
 */
class CoordinatorPsiSumSlicesTest {
  private static final long BUDGET = 50_000;
  private static final int WIDTH = 4;
  private static final int ELEMENTS = 1_000;
  private static final PrivateJoin JOIN = PrivateJoin.newBuilder().setVersion(1)
      .setInitiator(PrivateJoinSide.newBuilder().setParty("alpha").setTable("sales"))
      .setResponder(PrivateJoinSide.newBuilder().setParty("beta").setTable("sales"))
      .setDescription("psi sum slices test").build();

  private CoordinatorFixture fixture;
  private ExecutorService threads;
  private CoordinatorClient alpha;
  private CoordinatorClient beta;
  private Subscription betaSubscription;
  /** beta's plaintext payload words, the masks it adds, and the output mask both parties know. */
  private long[] plain;
  private long[] masked;
  private long[] outputMask;
  /** alpha's matches: every third element. */
  private int[] positions;
  private long[] correction;

  @BeforeEach
  void start() {
    fixture = CoordinatorFixture.startWithPsiSumBudget(515, BUDGET);
    threads = Executors.newCachedThreadPool();
    alpha = fixture.client("alpha");
    beta = fixture.client("beta");
    betaSubscription = beta.subscribe(invitation -> {}, e -> {});
    Random random = new Random(516);
    plain = random.ints(ELEMENTS * WIDTH, -1_000_000, 1_000_000).asLongStream().toArray();
    long[] masks = random.longs(ELEMENTS * WIDTH).toArray();
    outputMask = random.longs(WIDTH).toArray();
    masked = new long[plain.length];
    for (int i = 0; i < plain.length; i++) {
      masked[i] = plain[i] + masks[i];
    }
    positions = IntStream.range(0, ELEMENTS).filter(p -> p % 3 == 0).toArray();
    correction = new long[WIDTH];
    for (int position : positions) {
      for (int w = 0; w < WIDTH; w++) {
        correction[w] += masks[position * WIDTH + w];
      }
    }
    for (int w = 0; w < WIDTH; w++) {
      correction[w] -= outputMask[w];
    }
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

  private static long[] range(long[] words, int firstElement, int elements) {
    return Arrays.copyOfRange(words, firstElement * WIDTH, (firstElement + elements) * WIDTH);
  }

  private static void assertRefused(String expected, Runnable call) {
    ParleyException refused = assertThrows(ParleyException.class, call::run);
    assertEquals(expected, refused.getMessage());
  }

  @Test
  void slicesOutOfOrderFromConcurrentCallsGiveTheWholeMessageSumAndThePlaintextSum() throws Exception {
    byte[] expected = IntersectionSumCoordinator.sum(
        PsiMessages.encodeMaskedPayload(new PsiMessages.MaskedPayload(WIDTH, masked)), "beta",
        PsiMessages.encodeMatchReport(new PsiMessages.MatchReport(ELEMENTS, positions, correction)), "alpha");
    String id = createAndJoin();
    beta.beginPsiSumPayload(id, ELEMENTS, WIDTH);
    alpha.beginPsiSumReport(id, ELEMENTS, WIDTH, positions.length);

    // Ten partitions of 100 elements in a shuffled order, from five executors at once, each cutting
    // its partition into slices of at most 1,000 bytes (31 elements).
    List<Integer> partitions = new ArrayList<>(IntStream.range(0, 10).boxed().toList());
    Collections.shuffle(partitions, new Random(517));
    List<Future<?>> sent = new ArrayList<>();
    for (int executor = 0; executor < 5; executor++) {
      CoordinatorClient client = fixture.client("beta", 1_000);
      List<Integer> mine = partitions.subList(executor * 2, executor * 2 + 2);
      sent.add(threads.submit(() -> {
        for (int partition : mine) {
          client.sendPsiSumPayload(id, partition * 100L, range(masked, partition * 100, 100), WIDTH);
        }
        return null;
      }));
    }
    // The receiver's positions in a shuffled order, from three executors at once.
    List<Integer> shuffled = new ArrayList<>(Arrays.stream(positions).boxed().toList());
    Collections.shuffle(shuffled, new Random(518));
    int[] order = shuffled.stream().mapToInt(Integer::intValue).toArray();
    for (int executor = 0; executor < 3; executor++) {
      CoordinatorClient client = fixture.client("alpha", 100);
      int from = executor * order.length / 3;
      int to = (executor + 1) * order.length / 3;
      sent.add(threads.submit(() -> {
        client.sendPsiSumPositions(id, order, from, to - from);
        return null;
      }));
    }
    for (Future<?> done : sent) {
      done.get(20, TimeUnit.SECONDS);
    }
    // beta's words and element bitmap, alpha's position bitmap: 32,000 + 125 + 125
    assertEquals(32_250, fixture.server.service().sessions().psiSumBytes(id));
    Future<byte[]> atSender = threads.submit(() -> beta.awaitPsiSum(id, new long[0]));
    byte[] atReceiver = alpha.awaitPsiSum(id, correction);

    assertArrayEquals(expected, atReceiver);
    assertArrayEquals(expected, atSender.get(20, TimeUnit.SECONDS));
    PsiMessages.SumResult result = PsiMessages.decodeSumResult(atReceiver, "coordinator");
    assertEquals(positions.length, result.intersectionSize());
    for (int w = 0; w < WIDTH; w++) {
      long plaintext = 0;
      for (int position : positions) {
        plaintext += plain[position * WIDTH + w];
      }
      assertEquals(plaintext, result.maskedWords()[w] - outputMask[w], "word " + w);
    }
    assertEquals(0, fixture.server.service().sessions().psiSumBytes(id), "nothing is held after the sum");
    assertEquals(0, fixture.server.service().psiSumBytesHeld(), "nor reserved across sessions");
    // A retried wait gets the same answer; a slice after the sum is refused.
    assertArrayEquals(expected, beta.awaitPsiSum(id, new long[0]));
    assertRefused("session " + id + ": the PSI sum of this session was computed already",
        () -> beta.sendPsiSumPayload(id, 0, range(masked, 0, 1), WIDTH));
  }

  @Test
  void theWholeMessagesOfThePsiSessionClientGiveTheSameSum() throws Exception {
    byte[] payload = PsiMessages.encodeMaskedPayload(new PsiMessages.MaskedPayload(WIDTH, masked));
    byte[] report = PsiMessages.encodeMatchReport(new PsiMessages.MatchReport(ELEMENTS, positions, correction));
    String id = createAndJoin();
    Future<byte[]> atSender = threads.submit(() -> fixture.client("beta", 4_096).psiSum(id, payload));
    byte[] atReceiver = alpha.psiSum(id, report);
    byte[] expected = IntersectionSumCoordinator.sum(payload, "beta", report, "alpha");
    assertArrayEquals(expected, atReceiver);
    assertArrayEquals(expected, atSender.get(20, TimeUnit.SECONDS));
  }

  @Test
  void anOverlappingSliceIsRefusedSoARetriedTaskCannotCountTwice() throws Exception {
    String id = createAndJoin();
    beta.beginPsiSumPayload(id, ELEMENTS, WIDTH);
    beta.sendPsiSumPayload(id, 0, range(masked, 0, 100), WIDTH);
    assertRefused("session " + id + ": party beta's PsiSum slice of elements [50, 150) overlaps element 50, which it "
        + "sent before", () -> beta.sendPsiSumPayload(id, 50, range(masked, 50, 100), WIDTH));
    // The same slice again (a recomputed task) is an overlap too.
    assertRefused("session " + id + ": party beta's PsiSum slice of elements [0, 100) overlaps element 0, which it "
        + "sent before", () -> beta.sendPsiSumPayload(id, 0, range(masked, 0, 100), WIDTH));
    beta.sendPsiSumPayload(id, 100, range(masked, 100, 900), WIDTH);
    assertRefused("session " + id + ": party beta already declared its PsiSum message",
        () -> beta.beginPsiSumPayload(id, ELEMENTS, WIDTH));
  }

  @Test
  void aPayloadWithAGapIsRefusedWhenItsPartyAwaitsTheSum() throws Exception {
    String id = createAndJoin();
    beta.beginPsiSumPayload(id, ELEMENTS, WIDTH);
    beta.sendPsiSumPayload(id, 0, range(masked, 0, 500), WIDTH);
    beta.sendPsiSumPayload(id, 600, range(masked, 600, 400), WIDTH);
    assertRefused("session " + id + ": party beta awaits the PSI sum but sent 900 of its 1000 declared elements",
        () -> beta.awaitPsiSum(id, new long[0]));
    assertRefused("session " + id + ": party beta sent a mask correction; only the receiver does",
        () -> beta.awaitPsiSum(id, new long[WIDTH]));
  }

  @Test
  void slicesAndPositionsOutOfRangeAreRefused() throws Exception {
    String id = createAndJoin();
    assertRefused("session " + id + ": party beta sent a PsiSum slice before declaring its message (PsiSumBegin)",
        () -> beta.sendPsiSumPayload(id, 0, range(masked, 0, 10), WIDTH));
    beta.beginPsiSumPayload(id, ELEMENTS, WIDTH);
    assertRefused("session " + id + ": party beta's PsiSum slice of elements [990, 1010) lies outside the 1000 it "
        + "declared", () -> beta.sendPsiSumPayload(id, 990, range(masked, 0, 20), WIDTH));
    alpha.beginPsiSumReport(id, ELEMENTS, WIDTH, 3);
    assertRefused("session " + id + ": party alpha reports position 1000 outside the sender's 1000 elements",
        () -> alpha.sendPsiSumPositions(id, new int[] {4, 1000}, 0, 2));
    assertRefused("session " + id + ": party alpha reports position 4294967295 outside the sender's 1000 elements",
        () -> alpha.sendPsiSumPositions(id, new int[] {-1}, 0, 1));
    // The refused slice left nothing behind: position 4 may still come.
    alpha.sendPsiSumPositions(id, new int[] {4, 5, 6}, 0, 3);
  }

  @Test
  void aRepeatedPositionIsRefusedAndTheRefusedSliceLeavesNothing() throws Exception {
    String id = createAndJoin();
    alpha.beginPsiSumReport(id, ELEMENTS, WIDTH, 5);
    alpha.sendPsiSumPositions(id, new int[] {1, 2, 3}, 0, 3);
    assertRefused("session " + id + ": party alpha reports position 3 twice",
        () -> alpha.sendPsiSumPositions(id, new int[] {4, 3}, 0, 2));
    assertRefused("session " + id + ": party alpha reports position 7 twice",
        () -> alpha.sendPsiSumPositions(id, new int[] {7, 7}, 0, 2));
    alpha.sendPsiSumPositions(id, new int[] {4, 7}, 0, 2);
    assertRefused("session " + id + ": party alpha sent more than the 5 matched positions it declared",
        () -> alpha.sendPsiSumPositions(id, new int[] {9}, 0, 1));
  }

  @Test
  void aMatchCountOtherThanTheDeclaredOneIsRefused() throws Exception {
    String id = createAndJoin();
    alpha.beginPsiSumReport(id, ELEMENTS, WIDTH, 3);
    alpha.sendPsiSumPositions(id, new int[] {10, 20}, 0, 2);
    assertRefused("session " + id + ": party alpha awaits the PSI sum but sent 2 of the 3 matched positions it "
        + "declared", () -> alpha.awaitPsiSum(id, correction));
    assertRefused("session " + id + ": party alpha sent more than the 3 matched positions it declared",
        () -> alpha.sendPsiSumPositions(id, new int[] {30, 40}, 0, 2));
    assertRefused("session " + id + ": party alpha's mask correction has 8 bytes, not 32",
        () -> alpha.awaitPsiSum(id, new long[1]));
    String other = createAndJoin();
    assertRefused("session " + other + ": party alpha declared 1001 matches among 1000 elements",
        () -> alpha.beginPsiSumReport(other, ELEMENTS, WIDTH, 1001));
  }

  @Test
  void theTwoDeclarationsMustTakeBothRolesAndAgreeOnTheSendersSet() throws Exception {
    String id = createAndJoin();
    beta.beginPsiSumPayload(id, ELEMENTS, WIDTH);
    assertRefused("session " + id + ": parties beta and alpha both sent a masked payload; one side must be the "
        + "sender, the other the receiver", () -> alpha.beginPsiSumPayload(id, 10, WIDTH));
    assertRefused("session " + id + ": party alpha matched against 999 elements of 4 words but party beta declared "
        + "1000 of 4; the two disagree about the sender's set", () -> alpha.beginPsiSumReport(id, 999, WIDTH, 1));
  }

  @Test
  void declarationsOverTheSessionBudgetAreRefused() throws Exception {
    String id = createAndJoin();
    // A receiver holds one bit per sender element for its positions, however few it matched.
    assertRefused("session " + id + ": party alpha's PsiSum message of 268435456 bytes exceeds the 50000 bytes the "
        + "coordinator holds for both parties' PsiSum messages of a session",
        () -> alpha.beginPsiSumReport(id, Integer.MAX_VALUE, WIDTH, 0));
    // A sender holds its words and one bit per element of coverage.
    assertRefused("session " + id + ": party beta's PsiSum message of 64250 bytes exceeds the 50000 bytes the "
        + "coordinator holds for both parties' PsiSum messages of a session",
        () -> beta.beginPsiSumPayload(id, 2 * ELEMENTS, WIDTH));
    beta.beginPsiSumPayload(id, 1_555, WIDTH);
    assertEquals(49_955, fixture.server.service().sessions().psiSumBytes(id));
    assertRefused("session " + id + ": party alpha's PsiSum message of 195 bytes exceeds the 50000 bytes the "
        + "coordinator holds for both parties' PsiSum messages of a session (49955 already held)",
        () -> alpha.beginPsiSumReport(id, 1_555, WIDTH, 500));
    assertEquals(49_955, fixture.server.service().psiSumBytesHeld());
  }

  @Test
  void sessionsTogetherHoldNoMoreThanTheCoordinatorWideLimitAndAbortsReleaseTheirShare() throws Exception {
    String first = createAndJoin();
    String second = createAndJoin();
    String third = createAndJoin();
    beta.beginPsiSumPayload(first, 1_500, WIDTH);
    beta.beginPsiSumPayload(second, 1_500, WIDTH);
    assertEquals(2 * 48_188, fixture.server.service().psiSumBytesHeld());
    assertRefused("session " + third + ": party beta's PsiSum message of 48188 bytes does not fit: the coordinator "
        + "holds at most 100000 bytes of PsiSum messages across its sessions and 96376 are held now; try again when "
        + "other private joins have ended",
        () -> beta.beginPsiSumPayload(third, 1_500, WIDTH));
    assertEquals(0, fixture.server.service().sessions().psiSumBytes(third), "a refused declaration holds nothing");

    alpha.abort(first, "the test ends the first join");
    assertEquals(48_188, fixture.server.service().psiSumBytesHeld(), "the aborted session released its bytes");
    beta.beginPsiSumPayload(third, 1_500, WIDTH);
    assertEquals(2 * 48_188, fixture.server.service().psiSumBytesHeld());
  }

  @Test
  void aSliceOverSixteenMebibytesOrOfPartialElementsIsRefused() throws Exception {
    String id = createAndJoin();
    beta.beginPsiSumPayload(id, ELEMENTS, WIDTH);
    Status oversized = rawSlice("beta", PsiSumSlice.newBuilder().setSessionId(id)
        .setMaskedWords(ByteString.copyFrom(new byte[Session.MAX_PSI_SUM_SLICE_BYTES + 32])).build());
    assertEquals("session " + id + ": party beta's PsiSum slice has 16777248 bytes; a slice has 1..16777216",
        oversized.getDescription());
    assertEquals(Status.Code.INVALID_ARGUMENT, oversized.getCode());
    Status partial = rawSlice("beta", PsiSumSlice.newBuilder().setSessionId(id)
        .setMaskedWords(ByteString.copyFrom(new byte[40])).build());
    assertEquals("session " + id + ": party beta's PsiSum slice has 40 bytes, not whole elements of 4 words",
        partial.getDescription());
    Status positions = rawSlice("beta", PsiSumSlice.newBuilder().setSessionId(id)
        .setPositions(ByteString.copyFrom(new byte[4])).build());
    assertEquals("session " + id + ": party beta sent a PsiSum slice with positions; the sender sends masked words",
        positions.getDescription());
  }

  /** One slice on a raw call as {@code party}; the status it was refused with. */
  private Status rawSlice(String party, PsiSumSlice slice) {
    CompletableFuture<Ack> answer = new CompletableFuture<>();
    StreamObserver<PsiSumSlice> call = fixture.rawAsyncStub(party).psiSumSlices(new StreamObserver<>() {
      @Override
      public void onNext(Ack ack) {
        answer.complete(ack);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    call.onNext(slice);
    call.onCompleted();
    ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(20, TimeUnit.SECONDS));
    return assertInstanceOf(StatusRuntimeException.class, e.getCause()).getStatus();
  }
}
