package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.coordinator.CoordinatorFixture;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.session.SessionKeyExchange;
import io.parley.protocols.wire.FederatedAggregate;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.SessionCreated;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Three compute parties (alpha = 0, beta = 1, gamma = 2) running the engine through a real
 * coordinator ({@link CoordinatorFixture}, mutual TLS on loopback): alpha opens an MPC session,
 * beta and gamma take their invitations, all three join with signed session keys, and each runs
 * its task on its own thread over a sealed {@link RelayNetwork}. A party that fails aborts the
 * session, so the others stop waiting at once.
 */
final class RelayedParties implements AutoCloseable {
  static final List<String> PARTIES = CoordinatorFixture.PARTIES;

  final CoordinatorFixture fixture;
  private final Map<String, LinkedBlockingQueue<Invitation>> invitations = new HashMap<>();
  private final Duration timeout;

  RelayedParties(long seed, Duration timeout) {
    this(CoordinatorFixture.start(seed), timeout);
  }

  RelayedParties(CoordinatorFixture fixture, Duration timeout) {
    this.fixture = fixture;
    this.timeout = timeout;
    for (String party : PARTIES.subList(1, 3)) {
      LinkedBlockingQueue<Invitation> queue = new LinkedBlockingQueue<>();
      invitations.put(party, queue);
      fixture.client(party).subscribe(queue::add, error -> {});
    }
  }

  <T> List<T> run(long seed, ThreeParties.PartyTask<T> task) {
    return run(seed, (party, relay) -> relay, task);
  }

  /** Runs {@code task} at the three parties; {@code interpose} may replace a party's relay. */
  <T> List<T> run(
      long seed, BiFunction<String, RelayNetwork.Relay, RelayNetwork.Relay> interpose, ThreeParties.PartyTask<T> task) {
    FederatedAggregate query =
        FederatedAggregate.newBuilder().setVersion(1).setTable("sales").setDescription("mpc test " + seed).build();
    byte[] digest = sha256(query.toByteArray());
    Map<String, CoordinatorClient> clients = new HashMap<>();
    for (String party : PARTIES) {
      clients.put(party, fixture.client(party));
    }
    SessionCreated created = clients.get("alpha").createMpcSession(query, PARTIES, timeout);
    String sessionId = created.getSessionId();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Map<String, List<String>> participants = new HashMap<>();
      participants.put("alpha", created.getParticipantsList());
      for (String party : PARTIES.subList(1, 3)) {
        Invitation invitation = invitations.get(party).poll(20, TimeUnit.SECONDS);
        if (invitation == null || !invitation.getSessionId().equals(sessionId)) {
          throw new AssertionError("party " + party + " was not invited to session " + sessionId);
        }
        participants.put(party, invitation.getParticipantsList());
      }
      ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(pool);
      Object[] slots = new Object[3];
      List<Future<Void>> futures = new ArrayList<>();
      for (int id = 0; id < 3; id++) {
        int index = id;
        String party = PARTIES.get(id);
        long partySeed = seed * 31 + id;
        futures.add(done.submit(() -> {
          CoordinatorClient client = clients.get(party);
          SessionKeyExchange exchange = new SessionKeyExchange(CoordinatorFixture.FEDERATION, fixture.tls(party),
              new CertificateChecker(fixture.ca.certificate(), CoordinatorFixture.FEDERATION),
              Drbg.seeded(partySeed));
          ComputeSession session =
              ComputeSession.join(exchange, client, sessionId, participants.get(party), digest, 1);
          try {
            Network network = session.network(
                interpose.apply(party, RelayNetwork.through(client, sessionId)), "test", 0,
                Drbg.seeded(partySeed + 7));
            ReplicatedParty engine = ReplicatedParty.connect(network, Drbg.seeded(partySeed + 13));
            slots[index] = task.run(engine);
            session.finish();
          } catch (ParleyException e) {
            session.abort("party " + party + " failed: " + e.getMessage());
            throw e;
          }
          return null;
        }));
      }
      for (int finished = 0; finished < 3; finished++) {
        Future<Void> next = done.poll(timeout.toSeconds() * 2, TimeUnit.SECONDS);
        if (next == null) {
          throw new AssertionError("the parties did not finish within " + timeout.multipliedBy(2));
        }
        try {
          next.get();
        } catch (ExecutionException e) {
          futures.forEach(f -> f.cancel(true));
          if (e.getCause() instanceof RuntimeException runtime) {
            throw runtime;
          }
          throw new IllegalStateException(e.getCause());
        }
      }
      List<T> results = new ArrayList<>();
      for (Object slot : slots) {
        @SuppressWarnings("unchecked")
        T result = (T) slot;
        results.add(result);
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    fixture.close();
  }
}
