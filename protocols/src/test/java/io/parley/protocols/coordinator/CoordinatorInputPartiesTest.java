package io.parley.protocols.coordinator;

import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.QUERY;
import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.join;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.Subscription;
import io.parley.protocols.wire.CreateSessionRequest;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.SessionCreated;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MPC sessions widened by input parties: a federation of five, three compute parties (alpha, beta,
 * gamma) and two data owners that only share inputs (delta, epsilon). Every participant joins,
 * aligns keys and finishes; envelopes travel only with a compute party at one end.
 */
class CoordinatorInputPartiesTest {
  private static final List<String> PARTIES = List.of("alpha", "beta", "delta", "epsilon", "gamma");
  private static final List<String> COMPUTE = List.of("gamma", "alpha", "beta");
  private static final List<String> INPUTS = List.of("epsilon", "delta");

  private CoordinatorFixture fixture;
  private ExecutorService threads;
  private final Map<String, CoordinatorClient> clients = new java.util.TreeMap<>();
  private final LinkedBlockingQueue<Invitation> deltaInvitations = new LinkedBlockingQueue<>();
  private final List<Subscription> subscriptions = new ArrayList<>();

  @BeforeEach
  void start() {
    fixture = CoordinatorFixture.start(505, PARTIES);
    threads = Executors.newCachedThreadPool();
    for (String party : PARTIES) {
      clients.put(party, fixture.client(party));
    }
    for (String party : PARTIES) {
      if (!party.equals("alpha")) {
        subscriptions.add(clients.get(party).subscribe(
            party.equals("delta") ? deltaInvitations::add : i -> {}, e -> {}));
      }
    }
  }

  @AfterEach
  void stop() {
    subscriptions.forEach(Subscription::close);
    threads.shutdownNow();
    fixture.close();
  }

  private String createAndJoin() throws Exception {
    String id = clients.get("alpha").createMpcSession(QUERY, COMPUTE, INPUTS, Duration.ofSeconds(60)).getSessionId();
    List<Future<?>> joins = new ArrayList<>();
    for (CoordinatorClient client : clients.values()) {
      joins.add(threads.submit(
          () -> client.join(join(id, client, fixture.tls(client.party()).certificateDer(), (byte) 5, 1))));
    }
    for (Future<?> joined : joins) {
      joined.get(20, TimeUnit.SECONDS);
    }
    return id;
  }

  @Test
  void theInvitationNamesEveryParticipantAndTheComputeParties() throws Exception {
    SessionCreated created = clients.get("alpha").createMpcSession(QUERY, COMPUTE, INPUTS, Duration.ofSeconds(60));
    assertEquals(PARTIES, created.getParticipantsList());
    assertEquals(List.of("alpha", "beta", "gamma"), created.getComputePartiesList());
    Invitation invitation = deltaInvitations.poll(20, TimeUnit.SECONDS);
    assertEquals(created.getSessionId(), invitation.getSessionId());
    assertEquals(PARTIES, invitation.getParticipantsList());
    assertEquals(List.of("alpha", "beta", "gamma"), invitation.getComputePartiesList());
  }

  @Test
  void inputPartiesRelayOnlyWithComputePartiesAndEveryoneAlignsAndFinishes() throws Exception {
    String id = createAndJoin();
    CoordinatorClient delta = clients.get("delta");
    CoordinatorClient epsilon = clients.get("epsilon");
    CoordinatorClient beta = clients.get("beta");
    delta.relay(id, "beta", "share-input/0/0/0", new byte[] {4, 2});
    assertArrayEquals(new byte[] {4, 2}, beta.fetch(id, "delta", "share-input/0/0/0"));
    beta.relay(id, "epsilon", "share-setup/0/0/0", new byte[] {7});
    assertArrayEquals(new byte[] {7}, epsilon.fetch(id, "beta", "share-setup/0/0/0"));
    String between = assertThrows(ParleyException.class,
        () -> delta.relay(id, "epsilon", "x/0/0/0", new byte[] {1})).getMessage();
    assertTrue(between.contains("input parties delta and epsilon may not relay to each other"), between);
    String fetch = assertThrows(ParleyException.class, () -> epsilon.fetch(id, "delta", "x/0/0/0")).getMessage();
    assertTrue(fetch.contains("may not relay to each other"), fetch);

    List<Future<List<byte[]>>> unions = new ArrayList<>();
    for (CoordinatorClient client : clients.values()) {
      byte token = (byte) client.party().charAt(0);
      unions.add(threads.submit(() -> client.alignKeys(id, List.of(new byte[] {token}))));
    }
    for (Future<List<byte[]>> union : unions) {
      assertEquals(5, union.get(20, TimeUnit.SECONDS).size(), "every participant's token is in the union");
    }

    for (String party : List.of("alpha", "beta", "gamma", "delta")) {
      clients.get(party).finish(id);
    }
    assertEquals(Stage.RELAYING, fixture.server.service().sessions().get(id).stage(), "epsilon has not finished");
    epsilon.finish(id);
    String ended = assertThrows(ParleyException.class, () -> beta.fetch(id, "delta", "t/0/1/0")).getMessage();
    assertTrue(ended.contains("already finished"), ended);
  }

  @Test
  void inputPartiesAreOtherPartiesOfTheFederationNamedOnce() {
    CoordinatorClient alpha = clients.get("alpha");
    String notMember = assertThrows(ParleyException.class,
        () -> alpha.createMpcSession(QUERY, COMPUTE, List.of("zeta"), Duration.ofSeconds(60))).getMessage();
    assertTrue(notMember.contains("input party 'zeta' is not a party of federation parley-test"), notMember);
    String both = assertThrows(ParleyException.class,
        () -> alpha.createMpcSession(QUERY, COMPUTE, List.of("beta"), Duration.ofSeconds(60))).getMessage();
    assertTrue(both.contains("party beta is named both as a compute party and as an input party"), both);
    String twice = assertThrows(ParleyException.class,
        () -> alpha.createMpcSession(QUERY, COMPUTE, List.of("delta", "delta"), Duration.ofSeconds(60))).getMessage();
    assertTrue(twice.contains("input party delta is named twice"), twice);
    StatusRuntimeException aggregate = assertThrows(StatusRuntimeException.class,
        () -> fixture.rawStub(fixture.ca.issueParty("alpha", fixture.random)).createSession(
            CreateSessionRequest.newBuilder().setProtocolVersion(CoordinatorClient.PROTOCOL_VERSION).setQuery(QUERY.toByteString())
                .addInputParties("delta").build()));
    assertTrue(aggregate.getStatus().getDescription().contains("input_parties belong to MPC sessions"));
  }
}
