package io.parley.protocols.psi;

import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.crypto.SecretBytes;
import io.parley.protocols.mpc.Network;
import io.parley.protocols.mpc.RelayNetwork;
import io.parley.protocols.mpc.SealedNetwork;
import io.parley.protocols.session.PairwiseSecrets;
import io.parley.protocols.session.SessionKeyExchange;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;

/**
 * One party's side of a two-party ECDH-PSI through the coordinator, in a session of purpose
 * {@code SESSION_PURPOSE_PSI} (a relay session like MPC's, with exactly two named parties). The
 * choices, in order:
 *
 * <ol>
 *   <li><b>Join.</b> Through {@link SessionKeyExchange}: signed X25519 session keys, checked roster.
 *       The layout digest both parties sign is {@code SHA-256("parley/v1/psi-layout" | PsiDomain
 *       tag | variant | receiver)} (Hkdf.info encoding), so the coordinator aborts if the two
 *       disagree about the join, the variant or who receives; the vector length is 1 (unused).
 *   <li><b>Keys.</b> From the pair's secret {@code s}: the relay key {@code HKDF(s,
 *       "parley/v1/relay")} ({@link PairwiseSecrets#relayKey}) and the PSI pair secret {@code
 *       HKDF(s, "parley/v1/psi-pair")} (32 bytes), which {@link PsiSumMasks#derive} expands, bound
 *       to the {@link PsiDomain}, into the payload and output masks. Each party's blinding key is a
 *       fresh {@link PsiKey} per run.
 *   <li><b>Transport.</b> The {@link PsiMessages} of {@link PsiReceiver} and {@link PsiSender}
 *       travel as {@link SealedNetwork} over {@link RelayNetwork} (the MPC engine's, reused with two
 *       parties): each message is sealed in 16 KiB frames with AES-256-GCM ({@code RelayCipher})
 *       under the relay key, with associated data {@code "parley/v1/mpc" | context | from | to |
 *       sequence | frame | frames} where {@code context = "parley/v1/psi-context" | session | operation | partition}, then cut
 *       into envelopes of at most 4 MiB tagged {@code operation/partition/sequence/chunk}. A chunk
 *       altered, swapped, dropped or replayed (from this or another session) fails a frame's GCM tag
 *       or the frame count, and the run fails with a {@link ParleyException} naming the peer.
 *   <li><b>Flow.</b> Receiver → sender: {@code H(x)^a}. Sender → receiver: {@code H(x)^ab}, then
 *       {@code H(y)^b}. For {@link PsiVariant#INTERSECTION_SUM} the sender sends its masked payload
 *       and the receiver its match report to the coordinator's {@code PsiSum} RPC (the coordinator
 *       runs {@link IntersectionSumCoordinator}); both get the output-masked sum back and unmask it.
 *       Then both call {@code Finish}.
 * </ol>
 *
 * One instance per party and session; each run method may be called once per operation name.
 */
public final class PsiSession {
  /** The operation name of the default run; tags are {@code psi/0/<sequence>/<chunk>}. */
  public static final String OPERATION = "psi";

  private static final String COORDINATOR = "coordinator";

  private final CoordinatorClient client;
  private final String sessionId;
  private final List<String> parties;
  private final String self;
  private final String peer;
  private final PsiDomain domain;
  private final PsiVariant variant;
  private final String receiver;
  private final SecretBytes[] relayKeys;
  private final SecretBytes pairSecret;
  private RelayNetwork.Relay relay;

  private PsiSession(CoordinatorClient client, String sessionId, List<String> parties, String self,
      PsiDomain domain, PsiVariant variant, String receiver, SecretBytes[] relayKeys, SecretBytes pairSecret) {
    this.client = client;
    this.sessionId = sessionId;
    this.parties = parties;
    this.self = self;
    this.peer = parties.get(0).equals(self) ? parties.get(1) : parties.get(0);
    this.domain = domain;
    this.variant = variant;
    this.receiver = receiver;
    this.relayKeys = relayKeys;
    this.pairSecret = pairSecret;
    this.relay = RelayNetwork.through(client, sessionId);
  }

  /**
   * Joins PSI session {@code sessionId} and returns once both parties joined and their signed keys
   * checked out.
   *
   * @param parties the session's two participants (from the invitation or the creation)
   * @param domain the join's hashing context; its session must be {@code sessionId}
   * @param receiver which of the two parties receives (learns the intersection or its size, or
   *     reports matches for the sum); the other sends
   */
  public static PsiSession join(SessionKeyExchange keyExchange, CoordinatorClient client, String sessionId,
      List<String> parties, PsiDomain domain, PsiVariant variant, String receiver) {
    if (parties.size() != 2 || parties.get(0).equals(parties.get(1))) {
      throw new ParleyException("a PSI session has exactly two distinct parties, not " + parties);
    }
    if (!parties.contains(receiver)) {
      throw new ParleyException("the PSI receiver " + receiver + " is not one of the session's parties " + parties);
    }
    if (!domain.session().equals(sessionId)) {
      throw new ParleyException("the PSI domain names session " + domain.session() + ", not " + sessionId);
    }
    PairwiseSecrets secrets =
        keyExchange.join(client, sessionId, parties, layoutDigest(domain, variant, receiver), 1);
    List<String> sorted = secrets.participants();
    SecretBytes[] keys = new SecretBytes[sorted.size()];
    String peer = null;
    for (int party = 0; party < sorted.size(); party++) {
      if (!sorted.get(party).equals(secrets.self())) {
        peer = sorted.get(party);
        keys[party] = secrets.relayKey(peer);
      }
    }
    SecretBytes pairSecret = secrets.derive(peer, "parley/v1/psi-pair", SessionKeyExchange.KEY_BYTES);
    secrets.destroy();
    return new PsiSession(client, sessionId, sorted, secrets.self(), domain, variant, receiver, keys, pairSecret);
  }

  /** What both parties sign with their session keys: the join, the variant and the receiver. */
  static byte[] layoutDigest(PsiDomain domain, PsiVariant variant, String receiver) {
    byte[] layout = Hkdf.info("parley/v1/psi-layout", domain.dst(), variant.name().getBytes(
        java.nio.charset.StandardCharsets.US_ASCII), receiver.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    try {
      return MessageDigest.getInstance("SHA-256").digest(layout);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * This session's sealed channel as a serializable value, for a party's own executors: each task
   * relays its batch under its own operation and partition ({@link PsiLink#network}).
   */
  public PsiLink link() {
    return new PsiLink(sessionId, parties, self, relayKeys, pairSecret);
  }

  /** Routes envelopes through {@code relay} instead of the coordinator client (tests interpose here). */
  void useRelay(RelayNetwork.Relay relay) {
    this.relay = Objects.requireNonNull(relay, "relay");
  }

  public String sessionId() {
    return sessionId;
  }

  /** Receiver, {@link PsiVariant#INTERSECTION}: for each row, whether its identifier is common. */
  public boolean[] intersection(byte[][] canonicalIdentifiers, SecureRandom random) {
    requireRole(true, PsiVariant.INTERSECTION, "intersection");
    PsiKey key = PsiKey.generate(domain, random);
    try {
      PsiReceiver role = new PsiReceiver(peer, key, variant, canonicalIdentifiers, random);
      Network network = network(random);
      network.send(peerId(), role.blindedIdentifiers());
      byte[] reblinded = receive(network);
      return role.intersection(reblinded, receive(network));
    } finally {
      key.destroy();
    }
  }

  /** Receiver, {@link PsiVariant#CARDINALITY}: the number of distinct common identifiers. */
  public long intersectionSize(byte[][] canonicalIdentifiers, SecureRandom random) {
    requireRole(true, PsiVariant.CARDINALITY, "intersectionSize");
    PsiKey key = PsiKey.generate(domain, random);
    try {
      PsiReceiver role = new PsiReceiver(peer, key, variant, canonicalIdentifiers, random);
      Network network = network(random);
      network.send(peerId(), role.blindedIdentifiers());
      byte[] reblinded = receive(network);
      return role.intersectionSize(reblinded, receive(network));
    } finally {
      key.destroy();
    }
  }

  /**
   * Receiver, {@link PsiVariant#INTERSECTION_SUM}: reports its matches to the coordinator and
   * returns the unmasked sum of the sender's values over the intersection.
   *
   * @param payloadWidth the sender's value words plus one (its row count); both sides agree on it
   *     through the query
   */
  public PsiSumResult sumAsReceiver(byte[][] canonicalIdentifiers, int payloadWidth, SecureRandom random) {
    requireRole(true, PsiVariant.INTERSECTION_SUM, "sumAsReceiver");
    PsiKey key = PsiKey.generate(domain, random);
    PsiSumMasks masks = PsiSumMasks.derive(pairSecret, domain);
    try {
      PsiReceiver role = new PsiReceiver(peer, key, variant, canonicalIdentifiers, random);
      Network network = network(random);
      network.send(peerId(), role.blindedIdentifiers());
      byte[] reblinded = receive(network);
      byte[] report = role.matchReport(reblinded, receive(network), masks, payloadWidth);
      return PsiSumResult.unmask(client.psiSum(sessionId, report), COORDINATOR, masks);
    } finally {
      key.destroy();
    }
  }

  /** Sender, {@link PsiVariant#INTERSECTION} or {@link PsiVariant#CARDINALITY}: answers the receiver. */
  public void answer(byte[][] canonicalIdentifiers, SecureRandom random) {
    if (variant == PsiVariant.INTERSECTION_SUM) {
      throw new IllegalStateException("a sum's sender calls sumAsSender");
    }
    requireRole(false, variant, "answer");
    PsiKey key = PsiKey.generate(domain, random);
    try {
      PsiSender role = new PsiSender(peer, key, variant, canonicalIdentifiers, null, random);
      exchangeAsSender(role, random);
    } finally {
      key.destroy();
    }
  }

  /**
   * Sender, {@link PsiVariant#INTERSECTION_SUM}: answers the receiver, sends its masked payload to
   * the coordinator and returns the unmasked sum over the intersection (both parties learn it).
   */
  public PsiSumResult sumAsSender(byte[][] canonicalIdentifiers, long[][] rowValues, SecureRandom random) {
    requireRole(false, PsiVariant.INTERSECTION_SUM, "sumAsSender");
    PsiKey key = PsiKey.generate(domain, random);
    PsiSumMasks masks = PsiSumMasks.derive(pairSecret, domain);
    try {
      PsiSender role = new PsiSender(peer, key, variant, canonicalIdentifiers, rowValues, random);
      exchangeAsSender(role, random);
      return PsiSumResult.unmask(client.psiSum(sessionId, role.maskedPayload(masks)), COORDINATOR, masks);
    } finally {
      key.destroy();
    }
  }

  private void exchangeAsSender(PsiSender role, SecureRandom random) {
    Network network = network(random);
    // Blinding our own set first overlaps it with the receiver's blinding of its set (the
    // dominant cost); the order of messages on the wire is unchanged.
    byte[] mine = role.blindedIdentifiers();
    byte[] theirs = receive(network);
    network.send(peerId(), role.reblind(theirs));
    network.send(peerId(), mine);
  }

  /** This party relays nothing more; the session ends once both finished. */
  public void finish() {
    client.finish(sessionId);
  }

  /** Aborts the session for both (best effort), so the peer stops waiting at once. */
  public void abort(String reason) {
    client.abort(sessionId, reason);
  }

  private Network network(SecureRandom random) {
    RelayNetwork relayed = new RelayNetwork(relay, parties, self, OPERATION, 0, RelayNetwork.DEFAULT_ENVELOPE_BYTES);
    return new SealedNetwork(relayed, relayKeys, context(sessionId, OPERATION, 0), random);
  }

  static byte[] context(String sessionId, String operation, int partition) {
    return Hkdf.info("parley/v1/psi-context", sessionId, operation, Integer.toString(partition));
  }

  private byte[] receive(Network network) {
    try {
      return network.receive(peerId());
    } catch (ParleyException e) {
      throw new ParleyException("PSI session " + sessionId + ": a message from party " + peer + " to party " + self
          + " was rejected (" + e.getMessage() + ")", e);
    }
  }

  private int peerId() {
    return parties.indexOf(peer);
  }

  private void requireRole(boolean receiving, PsiVariant expected, String method) {
    if (receiving != self.equals(receiver)) {
      throw new IllegalStateException(method + " belongs to the " + (receiving ? "receiver" : "sender")
          + "; party " + self + " is the " + (receiving ? "sender" : "receiver") + " in session " + sessionId);
    }
    if (variant != expected) {
      throw new IllegalStateException(method + " belongs to " + expected + "; session " + sessionId + " runs "
          + variant);
    }
  }

  @Override
  public String toString() {
    return "PsiSession[" + sessionId + ", " + self + " of " + parties + ", " + variant + ", receiver " + receiver
        + ", keys redacted]";
  }
}
