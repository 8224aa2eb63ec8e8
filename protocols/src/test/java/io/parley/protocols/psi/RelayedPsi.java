package io.parley.protocols.psi;

import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.coordinator.CoordinatorFixture;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.mpc.RelayNetwork;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.session.SessionKeyExchange;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.PrivateJoinSide;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.SessionCreated;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * A receiver ("alpha", the initiator) and a sender ("beta") running a private join through a real
 * coordinator ({@link CoordinatorFixture}, mutual TLS on loopback), each on its own thread: alpha
 * opens a PSI session, beta takes its invitation, both join with signed session keys and run their
 * role through {@link PsiSession}. A party that fails aborts the session, so the other stops
 * waiting at once; each party's outcome (a value or the exception) is returned.
 */
final class RelayedPsi implements AutoCloseable {
  static final String RECEIVER = "alpha";
  static final String SENDER = "beta";
  static final IdentifierNormalizer NORMALIZER = IdentifierNormalizer.all();

  /** What a party's thread ended with. */
  record Outcome<T>(T value, RuntimeException failure) {}

  /** A party's work once its session is joined. */
  interface Role<T> {
    T run(PsiSession session, SecureRandom random);
  }

  final CoordinatorFixture fixture;
  private final LinkedBlockingQueue<Invitation> senderInvitations = new LinkedBlockingQueue<>();
  private final Duration timeout;
  /** The session of the latest {@link #run}, so tests can rebuild its {@link PsiDomain}. */
  volatile String lastSessionId;

  RelayedPsi(CoordinatorFixture fixture, Duration timeout) {
    this.fixture = fixture;
    this.timeout = timeout;
    fixture.client(SENDER).subscribe(senderInvitations::add, error -> {});
  }

  /** The seed each party's run draws its PSI key from first (so tests can recompute its points). */
  static long roleSeed(long seed, String party) {
    return seed * 31 + (party.equals(RECEIVER) ? 1 : 2);
  }

  <R, S> Outcome<?>[] run(long seed, PsiVariant variant, Role<R> receiverRole, Role<S> senderRole) {
    return run(seed, variant, UnaryOperator.identity(), receiverRole, senderRole);
  }

  /** As {@link #run(long, PsiVariant, Role, Role)}, both parties' clients sending PsiSum in slices of at most {@code partBytes} bytes. */
  <R, S> Outcome<?>[] runWithPsiSumSlices(
      long seed, PsiVariant variant, int partBytes, Role<R> receiverRole, Role<S> senderRole) {
    return run(seed, variant, UnaryOperator.identity(), fixture.client(RECEIVER, partBytes),
        fixture.client(SENDER, partBytes), receiverRole, senderRole);
  }

  /** {@code interposeAtReceiver} may replace the receiver's relay (tampering, replays). */
  <R, S> Outcome<?>[] run(long seed, PsiVariant variant, UnaryOperator<RelayNetwork.Relay> interposeAtReceiver,
      Role<R> receiverRole, Role<S> senderRole) {
    return run(seed, variant, interposeAtReceiver, fixture.client(RECEIVER), fixture.client(SENDER), receiverRole,
        senderRole);
  }

  private <R, S> Outcome<?>[] run(long seed, PsiVariant variant, UnaryOperator<RelayNetwork.Relay> interposeAtReceiver,
      CoordinatorClient receiverClient, CoordinatorClient senderClient, Role<R> receiverRole, Role<S> senderRole) {
    PrivateJoin query = PrivateJoin.newBuilder().setVersion(1)
        .setInitiator(PrivateJoinSide.newBuilder().setParty(RECEIVER).setTable("sales"))
        .setResponder(PrivateJoinSide.newBuilder().setParty(SENDER).setTable("sales"))
        .setDescription("psi test " + seed).build();
    SessionCreated created = receiverClient.createPsiSession(query, List.of(RECEIVER, SENDER), timeout);
    String sessionId = created.getSessionId();
    lastSessionId = sessionId;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Invitation invitation = senderInvitations.poll(20, TimeUnit.SECONDS);
      if (invitation == null || !invitation.getSessionId().equals(sessionId)) {
        throw new AssertionError("party " + SENDER + " was not invited to session " + sessionId);
      }
      PsiDomain domain = domain(sessionId);
      Future<Object> receiving = pool.submit(() -> party(RECEIVER, receiverClient, sessionId,
          created.getParticipantsList(), domain, variant, interposeAtReceiver, seed, receiverRole));
      Future<Object> sending = pool.submit(() -> party(SENDER, senderClient, sessionId,
          invitation.getParticipantsList(), domain, variant, UnaryOperator.identity(), seed, senderRole));
      return new Outcome<?>[] {outcome(receiving), outcome(sending)};
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      pool.shutdownNow();
    }
  }

  static PsiDomain domain(String sessionId) {
    return PsiDomain.of(CoordinatorFixture.FEDERATION, sessionId, "bank.customers⋈shop.orders on email", NORMALIZER);
  }

  private Object party(String party, CoordinatorClient client, String sessionId, List<String> participants,
      PsiDomain domain, PsiVariant variant, UnaryOperator<RelayNetwork.Relay> interpose, long seed, Role<?> role) {
    SessionKeyExchange exchange = new SessionKeyExchange(CoordinatorFixture.FEDERATION, fixture.tls(party),
        new CertificateChecker(fixture.ca.certificate(), CoordinatorFixture.FEDERATION),
        Drbg.seeded(seed * 31 + 17 + party.length()));
    PsiSession session = PsiSession.join(exchange, client, sessionId, participants, domain, variant, RECEIVER);
    session.useRelay(interpose.apply(RelayNetwork.through(client, sessionId)));
    try {
      Object value = role.run(session, Drbg.seeded(roleSeed(seed, party)));
      session.finish();
      return value;
    } catch (ParleyException e) {
      session.abort("party " + party + " failed: " + e.getMessage());
      throw e;
    }
  }

  private Outcome<Object> outcome(Future<Object> future) throws InterruptedException {
    try {
      return new Outcome<>(future.get(timeout.toSeconds() * 2, TimeUnit.SECONDS), null);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        return new Outcome<>(null, runtime);
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("a party did not finish within " + timeout.multipliedBy(2));
    }
  }

  @Override
  public void close() {
    fixture.close();
  }
}
