package io.parley.protocols.coordinator;

import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.QUERY;
import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.join;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.Subscription;
import io.parley.protocols.wire.CreateSessionRequest;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.SessionCreated;
import io.parley.protocols.wire.SessionPurpose;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MPC sessions: three named compute parties, Join, many Relay/Fetch with large envelopes, Finish. */
class CoordinatorMpcSessionTest {
  private static final List<String> COMPUTE = List.of("gamma", "alpha", "beta");

  private CoordinatorFixture fixture;
  private ExecutorService threads;
  private CoordinatorClient alpha;
  private CoordinatorClient beta;
  private CoordinatorClient gamma;
  private final LinkedBlockingQueue<Invitation> betaInvitations = new LinkedBlockingQueue<>();
  private final List<Subscription> subscriptions = new ArrayList<>();

  @BeforeEach
  void start() {
    fixture = CoordinatorFixture.start(404);
    threads = Executors.newCachedThreadPool();
    alpha = fixture.client("alpha");
    beta = fixture.client("beta");
    gamma = fixture.client("gamma");
    subscriptions.add(beta.subscribe(betaInvitations::add, e -> {}));
    subscriptions.add(gamma.subscribe(i -> {}, e -> {}));
  }

  @AfterEach
  void stop() {
    subscriptions.forEach(Subscription::close);
    threads.shutdownNow();
    fixture.close();
  }

  private String createAndJoin() throws Exception {
    String id = alpha.createMpcSession(QUERY, COMPUTE, Duration.ofSeconds(60)).getSessionId();
    List<Future<?>> joins = new ArrayList<>();
    for (CoordinatorClient client : List.of(alpha, beta, gamma)) {
      joins.add(threads.submit(
          () -> client.join(join(id, client, fixture.tls(client.party()).certificateDer(), (byte) 5, 1))));
    }
    for (Future<?> joined : joins) {
      joined.get(20, TimeUnit.SECONDS);
    }
    return id;
  }

  @Test
  void theInvitationNamesThePurposeAndTheSortedComputeParties() throws Exception {
    SessionCreated created = alpha.createMpcSession(QUERY, COMPUTE, Duration.ofSeconds(60));
    assertEquals(List.of("alpha", "beta", "gamma"), created.getParticipantsList());
    Invitation invitation = betaInvitations.poll(20, TimeUnit.SECONDS);
    assertEquals(created.getSessionId(), invitation.getSessionId());
    assertEquals(SessionPurpose.SESSION_PURPOSE_MPC, invitation.getPurpose());
    assertEquals(List.of("alpha", "beta", "gamma"), invitation.getParticipantsList());
  }

  @Test
  void anMpcSessionNamesExactlyThreeDistinctPartiesOfTheFederation() {
    assertTrue(assertThrows(ParleyException.class,
        () -> alpha.createMpcSession(QUERY, List.of("alpha", "beta"), Duration.ofSeconds(60))).getMessage()
        .contains("exactly 3 distinct compute parties"));
    assertTrue(assertThrows(ParleyException.class,
        () -> alpha.createMpcSession(QUERY, List.of("alpha", "alpha", "beta"), Duration.ofSeconds(60))).getMessage()
        .contains("exactly 3 distinct compute parties"));
    assertTrue(assertThrows(ParleyException.class,
        () -> alpha.createMpcSession(QUERY, List.of("alpha", "beta", "delta"), Duration.ofSeconds(60))).getMessage()
        .contains("compute party 'delta' is not a party of federation parley-test"));
    StatusRuntimeException aggregateWithParties = assertThrows(StatusRuntimeException.class,
        () -> fixture.rawStub(fixture.ca.issueParty("alpha", fixture.random)).createSession(
            CreateSessionRequest.newBuilder().setProtocolVersion(CoordinatorClient.PROTOCOL_VERSION).setQuery(QUERY.toByteString())
                .addComputeParties("alpha").build()));
    assertTrue(aggregateWithParties.getStatus().getDescription().contains("compute_parties belong to MPC sessions"));
  }

  @Test
  void largeEnvelopesTravelAndAggregationCallsAreRejected() throws Exception {
    String id = createAndJoin();
    byte[] large = new byte[Session.MAX_MPC_CIPHERTEXT_BYTES];
    large[large.length - 1] = 7;
    alpha.relay(id, "beta", "multiply/0/0/0", large);
    assertArrayEquals(large, beta.fetch(id, "alpha", "multiply/0/0/0"));
    String tooLarge = assertThrows(ParleyException.class,
        () -> alpha.relay(id, "beta", "multiply/0/1/0", new byte[Session.MAX_MPC_CIPHERTEXT_BYTES + 1])).getMessage();
    assertTrue(tooLarge.contains("exceeds " + Session.MAX_MPC_CIPHERTEXT_BYTES), tooLarge);
    String sum = assertThrows(ParleyException.class, () -> gamma.awaitSum(id, true)).getMessage();
    assertTrue(sum.contains("AwaitSum belongs to aggregation sessions"), sum);
  }

  @Test
  void groupKeysAlignOnceBesideRelaying() throws Exception {
    String id = createAndJoin();
    alpha.relay(id, "beta", "token-key/0/0/0", new byte[] {1});
    Future<List<byte[]>> alphaUnion = threads.submit(() -> alpha.alignKeys(id, List.of(new byte[] {3}, new byte[] {1})));
    Future<List<byte[]>> betaUnion = threads.submit(() -> beta.alignKeys(id, List.of(new byte[] {2})));
    List<byte[]> gammaUnion = gamma.alignKeys(id, List.of(new byte[] {3}));
    for (List<byte[]> union : List.of(alphaUnion.get(20, TimeUnit.SECONDS), betaUnion.get(20, TimeUnit.SECONDS), gammaUnion)) {
      assertEquals(3, union.size());
      assertArrayEquals(new byte[] {1}, union.get(0));
      assertArrayEquals(new byte[] {2}, union.get(1));
      assertArrayEquals(new byte[] {3}, union.get(2));
    }
    assertEquals(Stage.RELAYING, fixture.server.service().sessions().get(id).stage());
    assertArrayEquals(new byte[] {1}, beta.fetch(id, "alpha", "token-key/0/0/0"));
    String again = assertThrows(ParleyException.class, () -> beta.alignKeys(id, List.of(new byte[] {4}))).getMessage();
    assertTrue(again.contains("party beta already sent its group keys"), again);
  }

  @Test
  void groupKeysAlignOnlyAfterTheRosterAndNotInPsiSessions() throws Exception {
    String id = alpha.createMpcSession(QUERY, COMPUTE, Duration.ofSeconds(60)).getSessionId();
    String early = assertThrows(ParleyException.class, () -> alpha.alignKeys(id, List.of(new byte[] {1}))).getMessage();
    assertTrue(early.contains("AlignKeys is allowed once every participant joined"), early);
    io.parley.protocols.wire.PrivateJoin join = io.parley.protocols.wire.PrivateJoin.newBuilder().setVersion(1)
        .setInitiator(io.parley.protocols.wire.PrivateJoinSide.newBuilder().setParty("alpha").setTable(QUERY.getTable()))
        .setResponder(io.parley.protocols.wire.PrivateJoinSide.newBuilder().setParty("beta").setTable(QUERY.getTable()))
        .build();
    String psi = alpha.createPsiSession(join, List.of("alpha", "beta"), Duration.ofSeconds(60)).getSessionId();
    String refused = assertThrows(ParleyException.class, () -> alpha.alignKeys(psi, List.of(new byte[] {1}))).getMessage();
    assertTrue(refused.contains("AlignKeys belongs to aggregation and MPC sessions"), refused);
  }

  @Test
  void theQueryOfAnMpcSessionIsOpaqueToTheCoordinator() throws Exception {
    io.parley.protocols.wire.ShareQuery shareQuery = io.parley.protocols.wire.ShareQuery.newBuilder()
        .setVersion(1).setAggregate(QUERY).setMinGroupSize(5).setPartitions(2).build();
    SessionCreated created = alpha.createMpcSession(shareQuery, COMPUTE, Duration.ofSeconds(60));
    Invitation invitation = betaInvitations.poll(20, TimeUnit.SECONDS);
    assertEquals(created.getSessionId(), invitation.getSessionId());
    assertEquals(shareQuery, io.parley.protocols.wire.ShareQuery.parseFrom(invitation.getQuery()));
    String aggregate = assertThrows(ParleyException.class,
        () -> alpha.createSession(io.parley.protocols.wire.FederatedAggregate.newBuilder().setVersion(1).setTable("nope")
            .build(), Duration.ofSeconds(60), 2)).getMessage();
    assertTrue(aggregate.contains("which federation parley-test does not declare"), aggregate);
  }

  @Test
  void theSessionEndsOnceAllThreeFinished() throws Exception {
    String id = createAndJoin();
    alpha.finish(id);
    String afterFinish =
        assertThrows(ParleyException.class, () -> alpha.relay(id, "beta", "t/0/0/0", new byte[1])).getMessage();
    assertTrue(afterFinish.contains("party alpha already finished"), afterFinish);
    beta.relay(id, "gamma", "t/0/0/0", new byte[] {9});
    beta.finish(id);
    assertArrayEquals(new byte[] {9}, gamma.fetch(id, "beta", "t/0/0/0"));
    assertEquals(Stage.RELAYING, fixture.server.service().sessions().get(id).stage());
    gamma.finish(id);
    String ended = assertThrows(ParleyException.class, () -> gamma.fetch(id, "beta", "t/0/1/0")).getMessage();
    assertTrue(ended.contains("already finished"), ended);
  }

  @Test
  void finishBelongsToMpcSessions() {
    String id = alpha.createSession(QUERY, Duration.ofSeconds(60), 3).getSessionId();
    String message = assertThrows(ParleyException.class, () -> alpha.finish(id)).getMessage();
    assertTrue(message.contains("Finish belongs to MPC sessions"), message);
  }
}
