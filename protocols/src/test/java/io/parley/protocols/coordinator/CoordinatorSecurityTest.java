package io.parley.protocols.coordinator;

import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.QUERY;
import static io.parley.protocols.coordinator.CoordinatorHappyPathTest.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.Subscription;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.pki.Credentials;
import io.parley.protocols.pki.FederationCa;
import io.parley.protocols.pki.Pem;
import io.parley.protocols.wire.CreateSessionRequest;
import io.parley.protocols.wire.Envelope;
import io.parley.protocols.wire.FetchRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Who may talk to the coordinator, and that identities come from certificates only. */
class CoordinatorSecurityTest {
  private CoordinatorFixture fixture;

  @BeforeEach
  void start() {
    fixture = CoordinatorFixture.start(303);
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  @Test
  void aClientFromAnotherCaIsRefusedAtTheHandshake() {
    FederationCa other = FederationCa.create(CoordinatorFixture.FEDERATION, CoordinatorFixture.seeded(9));
    Credentials foreign = other.issueParty("alpha", CoordinatorFixture.seeded(10));
    // Trusting the real CA, so only the server's check of the client certificate can refuse it.
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> fixture.rawStub(foreign).createSession(CreateSessionRequest.newBuilder()
            .setProtocolVersion(CoordinatorClient.PROTOCOL_VERSION).setQuery(QUERY.toByteString()).build()));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    // Through the client API, a party of the foreign CA fails with a message naming the coordinator and TLS.
    TlsMaterial material = TlsMaterial.fromPem(Pem.certificate(foreign.certificate()),
        Pem.privateKey(foreign.privateKey()), Pem.certificate(other.certificate()));
    ParleyException e = assertThrows(ParleyException.class,
        () -> fixture.client(material).createSession(QUERY, Duration.ofSeconds(5), 2));
    assertTrue(e.getMessage().startsWith("cannot reach the coordinator at " + fixture.server.address()), e.getMessage());
    assertTrue(e.getMessage().contains("TLS handshake failed"), e.getMessage());
    assertTrue(fixture.transcript.isEmpty(), "nothing from a foreign client reaches the service");
  }

  @Test
  void aClientTrustsOnlyItsFederationsCoordinator() throws Exception {
    // A coordinator certificate from another CA, presented by a server the client dials.
    FederationCa other = FederationCa.create(CoordinatorFixture.FEDERATION, CoordinatorFixture.seeded(11));
    Credentials fake = other.issueCoordinator(List.of("127.0.0.1"), CoordinatorFixture.seeded(12));
    CoordinatorConfig config = CoordinatorConfig.of(fixture.federation, Pem.certificate(fake.certificate()),
        Pem.privateKey(fake.privateKey()), Pem.certificate(other.certificate()), "127.0.0.1", 0, Duration.ofMinutes(1));
    try (CoordinatorServer impostor = CoordinatorServer.start(config)) {
      CoordinatorClient client = CoordinatorClient.connect(impostor.address(), fixture.tls("alpha"), Duration.ofSeconds(5));
      try {
        ParleyException e = assertThrows(ParleyException.class, () -> client.createSession(QUERY, Duration.ofSeconds(5), 2));
        assertTrue(e.getMessage().startsWith("cannot reach the coordinator at " + impostor.address()), e.getMessage());
        assertTrue(e.getMessage().contains("TLS handshake failed"), e.getMessage());
      } finally {
        client.close();
      }
    }
  }

  @Test
  void theCoordinatorCertificateMustNameTheHostDialled() throws Exception {
    Credentials elsewhere = fixture.ca.issueCoordinator(List.of("coordinator.example"), CoordinatorFixture.seeded(13));
    CoordinatorConfig config = CoordinatorConfig.of(fixture.federation, Pem.certificate(elsewhere.certificate()),
        Pem.privateKey(elsewhere.privateKey()), Pem.certificate(fixture.ca.certificate()), "127.0.0.1", 0,
        Duration.ofMinutes(1));
    try (CoordinatorServer server = CoordinatorServer.start(config)) {
      CoordinatorClient client = CoordinatorClient.connect(server.address(), fixture.tls("alpha"), Duration.ofSeconds(5));
      try {
        ParleyException e = assertThrows(ParleyException.class, () -> client.createSession(QUERY, Duration.ofSeconds(5), 2));
        assertTrue(e.getMessage().contains("TLS handshake failed: No subject alternative names matching IP address"),
            e.getMessage());
      } finally {
        client.close();
      }
    }
  }

  @Test
  void aCoordinatorCertificateCannotActAsAParty() {
    Credentials coordinatorUnit = fixture.issueClient("alpha", "coordinator");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.rawStub(coordinatorUnit).createSession(CreateSessionRequest.newBuilder()
            .setProtocolVersion(CoordinatorClient.PROTOCOL_VERSION).setQuery(QUERY.toByteString()).build()));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("is a coordinator certificate, not a party certificate"),
        e.getStatus().getDescription());
  }

  @Test
  void aPartyOutsideTheFederationIsRefused() {
    TlsMaterial delta = CoordinatorFixture.material(fixture.ca.issueParty("delta", fixture.random), fixture.ca);
    ParleyException e = assertThrows(ParleyException.class,
        () -> fixture.client(delta).createSession(QUERY, Duration.ofSeconds(5), 2));
    assertTrue(e.getMessage().contains("refused party delta"), e.getMessage());
    assertTrue(e.getMessage().contains("party delta is not a member of federation parley-test"), e.getMessage());
    assertTrue(fixture.transcript.isEmpty());
  }

  @Test
  void fromPartyIsTheSendersAndJoinMustCarryTheCallersCertificate() throws Exception {
    ExecutorService threads = Executors.newCachedThreadPool();
    List<Subscription> subscriptions = new ArrayList<>();
    try {
      Map<String, CoordinatorClient> clients = Map.of(
          "alpha", fixture.client("alpha"), "beta", fixture.client("beta"), "gamma", fixture.client("gamma"));
      subscriptions.add(clients.get("beta").subscribe(i -> {}, t -> {}));
      subscriptions.add(clients.get("gamma").subscribe(i -> {}, t -> {}));
      String id = clients.get("alpha").createSession(QUERY, Duration.ofSeconds(60), 3).getSessionId();

      ParleyException wrongCertificate = assertThrows(ParleyException.class, () -> clients.get("alpha").join(
          join(id, clients.get("alpha"), fixture.tls("beta").certificateDer(), (byte) 1, 2)));
      assertEquals("session " + id + ": the certificate in party alpha's Join is not the certificate it connected with",
          wrongCertificate.getMessage());

      List<Future<?>> joins = new ArrayList<>();
      for (CoordinatorClient client : clients.values()) {
        joins.add(threads.submit(() -> client.join(
            join(id, client, fixture.tls(client.party()).certificateDer(), (byte) 1, 2))));
      }
      for (Future<?> joined : joins) {
        joined.get(20, TimeUnit.SECONDS);
      }
      // alpha claims to be beta; the coordinator overwrites from_party with the certificate's name.
      Credentials alphaCredentials = new Credentials(fixture.tls("alpha").certificate(), fixture.tls("alpha").privateKey());
      fixture.rawStub(alphaCredentials).relay(Envelope.newBuilder().setSessionId(id).setFromParty("beta")
          .setToParty("gamma").setTag("secret").setCiphertext(ByteString.copyFromUtf8("x")).build());
      Credentials gammaCredentials = new Credentials(fixture.tls("gamma").certificate(), fixture.tls("gamma").privateKey());
      Envelope received = fixture.rawStub(gammaCredentials)
          .fetch(FetchRequest.newBuilder().setSessionId(id).setFromParty("alpha").setTag("secret").build());
      assertEquals("alpha", received.getFromParty());
      assertEquals("gamma", received.getToParty());
      assertEquals(ByteString.copyFromUtf8("x"), received.getCiphertext());
    } finally {
      subscriptions.forEach(Subscription::close);
      threads.shutdownNow();
    }
  }
}
