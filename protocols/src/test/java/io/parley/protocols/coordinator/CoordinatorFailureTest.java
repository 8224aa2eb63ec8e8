package io.parley.protocols.coordinator;

import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.QUERY;
import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.Subscription;
import io.parley.protocols.wire.JoinRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Deadlines (manual clock), aborts, declines, misbehaving parties and wrong-stage messages. */
class CoordinatorFailureTest {
  private CoordinatorFixture fixture;
  private ExecutorService threads;
  private CoordinatorClient alpha;
  private CoordinatorClient beta;
  private CoordinatorClient gamma;
  private final List<Subscription> subscriptions = new ArrayList<>();

  @BeforeEach
  void start() {
    fixture = CoordinatorFixture.start(202);
    threads = Executors.newCachedThreadPool();
    alpha = fixture.client("alpha");
    beta = fixture.client("beta");
    gamma = fixture.client("gamma");
    subscriptions.add(beta.subscribe(i -> {}, e -> {}));
    subscriptions.add(gamma.subscribe(i -> {}, e -> {}));
  }

  @AfterEach
  void stop() throws Exception {
    subscriptions.forEach(Subscription::close);
    threads.shutdownNow();
    fixture.close();
  }

  private String create() {
    return alpha.createSession(QUERY, Duration.ofSeconds(60), 3).getSessionId();
  }

  private JoinRequest joinOf(String id, CoordinatorClient client) {
    return join(id, client, fixture.tls(client.party()).certificateDer(), (byte) 3, 2);
  }

  private Future<?> joinLater(String id, CoordinatorClient client) {
    return threads.submit(() -> client.join(joinOf(id, client)));
  }

  private void joinAll(String id) throws Exception {
    List<Future<?>> joins = List.of(joinLater(id, alpha), joinLater(id, beta), joinLater(id, gamma));
    for (Future<?> join : joins) {
      join.get(20, TimeUnit.SECONDS);
    }
  }

  private void alignAll(String id) throws Exception {
    List<Future<?>> aligned = new ArrayList<>();
    for (CoordinatorClient client : List.of(alpha, beta, gamma)) {
      aligned.add(threads.submit(() -> client.alignKeys(id, List.of(new byte[] {1}, new byte[] {2}))));
    }
    for (Future<?> future : aligned) {
      future.get(20, TimeUnit.SECONDS);
    }
  }

  private static String failureOf(Future<?> future) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(20, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof ParleyException, e.getCause().toString());
    return e.getCause().getMessage();
  }

  private static String failureOf(Executable call) {
    return assertThrows(ParleyException.class, call).getMessage();
  }

  @Test
  void aPartyThatNeverJoinsFailsEveryWaitingCallNamingIt() throws Exception {
    String id = create();
    Future<?> alphaJoin = joinLater(id, alpha);
    Future<?> betaJoin = joinLater(id, beta);
    fixture.awaitWaitingCalls(id, 2);
    fixture.clock.advance(Duration.ofSeconds(59));
    fixture.checkDeadlines();
    assertEquals(2, fixture.server.service().sessions().waitingCalls(id), "not yet due");
    fixture.clock.advance(Duration.ofSeconds(1));
    fixture.checkDeadlines();
    String expected = "session " + id + ": party gamma did not answer within 60s (joining)";
    assertEquals(expected, failureOf(alphaJoin));
    assertEquals(expected, failureOf(betaJoin));
    // Later calls for the session get the same reason.
    assertEquals(expected, failureOf(() -> gamma.join(joinOf(id, gamma))));
    assertEquals(expected, failureOf(() -> alpha.awaitSum(id, true)));
  }

  @Test
  void aMissingVectorFailsAwaitSumNamingTheParty() throws Exception {
    String id = create();
    joinAll(id);
    alignAll(id);
    alpha.submitVector(id, 0, new long[] {1, 2, 3, 4}, 0, 4);
    beta.submitVector(id, 0, new long[] {1, 2, 3, 4}, 0, 4);
    gamma.submitVector(id, 0, new long[] {1, 2, 3, 4}, 0, 3); // element 3 missing
    Future<?> alphaSum = threads.submit(() -> alpha.awaitSum(id, true));
    Future<?> betaSum = threads.submit(() -> beta.awaitSum(id, true));
    fixture.awaitWaitingCalls(id, 2);
    fixture.clock.advance(Duration.ofSeconds(61));
    fixture.checkDeadlines();
    String expected = "session " + id + ": party gamma did not answer within 60s (sending its vector)";
    assertEquals(expected, failureOf(alphaSum));
    assertEquals(expected, failureOf(betaSum));
  }

  @Test
  void aDeadlinePassedIsEnforcedOnTheNextCallEvenBeforeTheTicker() throws Exception {
    String id = create();
    joinAll(id);
    fixture.clock.advance(Duration.ofMinutes(2));
    String failure = failureOf(() -> alpha.alignKeys(id, List.of(new byte[] {1})));
    assertEquals("session " + id + ": parties alpha, beta, gamma did not answer within 60s (sending group keys)", failure);
  }

  @Test
  void anAbortFailsTheOthersWaitsWithItsReason() throws Exception {
    String id = create();
    Future<?> alphaJoin = joinLater(id, alpha);
    Future<?> betaJoin = joinLater(id, beta);
    fixture.awaitWaitingCalls(id, 2);
    gamma.abort(id, "policy forbids table sales");
    String expected = "session " + id + ": party gamma aborted: policy forbids table sales";
    assertEquals(expected, failureOf(alphaJoin));
    assertEquals(expected, failureOf(betaJoin));
    gamma.abort(id, "again"); // best effort, never throws
  }

  @Test
  void aDeclineAbortsForEveryone() throws Exception {
    String id = create();
    Future<?> alphaJoin = joinLater(id, alpha);
    fixture.awaitWaitingCalls(id, 1);
    assertEquals(0, beta.join(JoinRequest.newBuilder().setSessionId(id).setAccept(false)
        .setDeclineReason("fewer than 4 parties").setCertificate(ByteString.copyFrom(fixture.tls("beta").certificateDer()))
        .build()).getMembersCount());
    assertEquals("session " + id + ": party beta declined: fewer than 4 parties", failureOf(alphaJoin));
  }

  @Test
  void differentLayoutsAbortNamingTheParties() throws Exception {
    String id = create();
    Future<?> alphaJoin = joinLater(id, alpha);
    Future<?> betaJoin = joinLater(id, beta);
    fixture.awaitWaitingCalls(id, 2);
    String failure = failureOf(
        () -> gamma.join(join(id, gamma, fixture.tls("gamma").certificateDer(), (byte) 4, 2)));
    String expected = "session " + id + ": parties derived different layouts for this query (alpha and gamma differ)";
    assertEquals(expected, failure);
    assertEquals(expected, failureOf(alphaJoin));
    assertEquals(expected, failureOf(betaJoin));
  }

  @Test
  void aDifferentVectorLengthIsADifferentLayout() throws Exception {
    String id = create();
    Future<?> alphaJoin = joinLater(id, alpha);
    Future<?> gammaJoin = joinLater(id, gamma);
    fixture.awaitWaitingCalls(id, 2);
    String failure = failureOf(() -> beta.join(join(id, beta, fixture.tls("beta").certificateDer(), (byte) 3, 5)));
    assertTrue(failure.endsWith("(alpha and beta differ)"), failure);
    assertEquals(failure, failureOf(alphaJoin));
    assertEquals(failure, failureOf(gammaJoin));
  }

  @Test
  void anOverlappingChunkAbortsTheSession() throws Exception {
    String id = create();
    joinAll(id);
    alignAll(id);
    Future<?> alphaSum = threads.submit(() -> alpha.awaitSum(id, true));
    fixture.awaitWaitingCalls(id, 1);
    gamma.submitVector(id, 0, new long[] {1, 2}, 0, 2);
    String failure = failureOf(() -> gamma.submitVector(id, 1, new long[] {5, 6}, 0, 2));
    String expected = "session " + id + ": party gamma sent element 1 twice";
    assertEquals(expected, failure);
    assertEquals(expected, failureOf(alphaSum));
  }

  @Test
  void aPartySendingMoreChunksThanHonestSlicesNeedAbortsTheSession() throws Exception {
    String id = create();
    List<Future<?>> joins = new ArrayList<>();
    for (CoordinatorClient client : List.of(alpha, beta, gamma)) {
      joins.add(threads.submit(
          () -> client.join(join(id, client, fixture.tls(client.party()).certificateDer(), (byte) 3, 1200))));
    }
    for (Future<?> joined : joins) {
      joined.get(20, TimeUnit.SECONDS);
    }
    alignAll(id); // two groups of 1,200 words: a vector of 2,400 elements
    long limit = Session.maxChunks(2400);
    assertEquals(2400 / 32 + 1024, limit);
    for (int i = 0; i < limit; i++) {
      gamma.submitVector(id, i, new long[] {i}, 0, 1);
    }
    String failure = failureOf(() -> gamma.submitVector(id, limit, new long[] {7}, 0, 1));
    assertEquals("session " + id + ": party gamma sent more than 1099 chunks for a vector of 2400 elements", failure);
  }

  @Test
  void aRetriedTasksIdenticalResendCountsOnce() throws Exception {
    String id = create();
    joinAll(id);
    alignAll(id);
    alpha.submitVector(id, 0, new long[] {1, 2, 3, 4}, 0, 4);
    beta.submitVector(id, 0, new long[] {10, 20, 30, 40}, 0, 4);
    gamma.submitVector(id, 0, new long[] {100, 200}, 0, 2);
    gamma.submitVector(id, 0, new long[] {100, 200}, 0, 2); // the same task, retried
    gamma.submitVector(id, 2, new long[] {300, 400}, 0, 2);
    org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {111, 222, 333, 444}, alpha.awaitSum(id, true));
  }

  @Test
  void aChangedResendAbortsTheSession() throws Exception {
    String id = create();
    joinAll(id);
    alignAll(id);
    Future<long[]> alphaSum = threads.submit(() -> alpha.awaitSum(id, true));
    fixture.awaitWaitingCalls(id, 1);
    gamma.submitVector(id, 0, new long[] {1, 2}, 0, 2);
    String failure = failureOf(() -> gamma.submitVector(id, 0, new long[] {1, 3}, 0, 2));
    String expected = "session " + id + ": party gamma sent element 0 twice";
    assertEquals(expected, failure);
    assertEquals(expected, failureOf(alphaSum));
  }

  @Test
  void wrongStageAndWrongShapeAreRejected() throws Exception {
    String id = create();
    String early = failureOf(() -> alpha.alignKeys(id, List.of(new byte[] {1})));
    assertTrue(early.contains("AlignKeys is allowed once every participant joined"), early);
    assertTrue(failureOf(() -> alpha.relay(id, "beta", "t", new byte[1])).contains("once every participant joined"));
    assertTrue(failureOf(() -> alpha.submitVector(id, 0, new long[] {1}, 0, 1))
        .contains("vector chunks are accepted once the group keys are aligned"));
    String badKey = failureOf(() -> alpha.join(joinOf(id, alpha).toBuilder()
        .setSessionPublicKey(ByteString.copyFrom(new byte[31])).build()));
    assertTrue(badKey.contains("session_public_key must have 32 bytes, not 31"), badKey);
    Future<?> alphaJoin = joinLater(id, alpha);
    fixture.awaitWaitingCalls(id, 1);
    String twice = failureOf(() -> alpha.join(joinOf(id, alpha).toBuilder().setVectorLength(3).build()));
    assertTrue(twice.contains("party alpha already joined"), twice);
    Future<?> betaJoin = joinLater(id, beta);
    gamma.join(joinOf(id, gamma));
    alphaJoin.get(20, TimeUnit.SECONDS);
    betaJoin.get(20, TimeUnit.SECONDS);
    assertEquals(3, alpha.join(joinOf(id, alpha)).getMembersCount(), "a retried Join gets the roster again");
    assertTrue(failureOf(() -> alpha.join(joinOf(id, alpha).toBuilder().setVectorLength(7).build()))
        .contains("Join belongs to stage joining, but the session is aligning group keys"));
    assertTrue(failureOf(() -> alpha.relay(id, "alpha", "t", new byte[1])).contains("to_party 'alpha' is not another participant"));
    assertTrue(failureOf(() -> alpha.relay(id, "beta", "", new byte[1])).contains("a relay tag has 1..128 characters"));
    assertTrue(failureOf(() -> alpha.relay(id, "beta", "t", new byte[64 * 1024 + 1])).contains("exceeds 65536"));
    alpha.relay(id, "beta", "t", new byte[1]);
    assertTrue(failureOf(() -> alpha.relay(id, "beta", "t", new byte[2])).contains("already relayed an envelope tagged 't' to beta"));
    assertTrue(failureOf(() -> alpha.alignKeys(id, List.of(new byte[0]))).contains("token 0 has 0 bytes"));
    assertTrue(failureOf(() -> alpha.fetch("not-a-session", "beta", "t")).contains("is not a session id"));
    assertTrue(failureOf(() -> alpha.fetch("0123456789abcdef0123456789abcdef", "beta", "t")).contains("unknown"));
    alignAll(id);
    assertTrue(failureOf(() -> alpha.alignKeys(id, List.of(new byte[] {3}))).contains("already sent its group keys"));
    String outside = failureOf(() -> alpha.submitVector(id, 3, new long[] {1, 2}, 0, 2));
    assertTrue(outside.contains("lies outside the vector of 4 elements"), outside);
  }

  @Test
  void aSessionNeedsEveryOtherPartySubscribedAndEnoughParties() throws Exception {
    subscriptions.remove(1).close();
    // Cancellation reaches the server asynchronously; wait (bounded) until gamma is gone.
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String failure = null;
    while (failure == null && System.nanoTime() < giveUp) {
      try {
        alpha.createSession(QUERY, Duration.ofSeconds(60), 3);
        Thread.sleep(5);
      } catch (ParleyException e) {
        failure = e.getMessage();
      }
    }
    assertEquals("party gamma is not connected to the coordinator", failure);
    subscriptions.add(gamma.subscribe(i -> {}, e -> {}));
    String tooFew = failureOf(() -> alpha.createSession(QUERY, Duration.ofSeconds(60), 4));
    assertEquals("only 3 parties can take part, fewer than the 4 asked for", tooFew);
    String badTable = failureOf(() -> alpha.createSession(QUERY.toBuilder().setTable("salaries").build(),
        Duration.ofSeconds(60), 2));
    assertTrue(badTable.contains("table 'salaries'"), badTable);
  }

  @Test
  void theTimeoutIsCappedByTheCoordinatorMaximum() {
    long now = fixture.clock.millis();
    assertEquals(now + CoordinatorFixture.MAX_TIMEOUT.toMillis(),
        alpha.createSession(QUERY, Duration.ofHours(5), 2).getDeadlineUnixMs());
  }

  @Test
  void aNewSubscriptionReplacesTheOld() throws Exception {
    AtomicReference<Throwable> ended = new AtomicReference<>();
    java.util.concurrent.CountDownLatch endedLatch = new java.util.concurrent.CountDownLatch(1);
    CoordinatorClient betaResponder = fixture.client("beta");
    subscriptions.add(betaResponder.subscribe(i -> {}, e -> {
      ended.set(e);
      endedLatch.countDown();
    }));
    java.util.concurrent.LinkedBlockingQueue<String> invited = new java.util.concurrent.LinkedBlockingQueue<>();
    subscriptions.add(fixture.client("beta").subscribe(i -> invited.add(i.getSessionId()), e -> {}));
    assertTrue(endedLatch.await(20, TimeUnit.SECONDS));
    assertTrue(ended.get().getMessage().contains("replaced by a newer subscription of party beta"), ended.get().getMessage());
    String id = create();
    assertEquals(id, invited.poll(20, TimeUnit.SECONDS));
  }

  @Test
  void closingTheCoordinatorFailsWaitingCalls() throws Exception {
    String id = create();
    Future<?> alphaJoin = joinLater(id, alpha);
    fixture.awaitWaitingCalls(id, 1);
    fixture.server.close();
    String failure = failureOf(alphaJoin);
    assertTrue(failure.contains("coordinator shutting down"), failure);
    fixture.server.close(); // idempotent
  }
}
