package io.parley.protocols.aggregation;

import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.crypto.DeterministicCipher;
import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.crypto.RelayCipher;
import io.parley.protocols.crypto.SecretBytes;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.session.PairwiseSecrets;
import io.parley.protocols.session.SessionKeyExchange;
import io.parley.protocols.wire.Roster;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A party's side of secure aggregation up to the masks (docs/ARCHITECTURE.md, steps 3 and 4):
 * it joins through {@link SessionKeyExchange} (signed X25519 keys, checked roster, pairwise
 * secrets), derives its pair masks and relay keys, and receives or (as leader) hands out the
 * group secret, end to end encrypted.
 */
public final class AggregationParty {
  static final int KEY_BYTES = 32;
  static final int MASK_KEY_BYTES = 16;
  static final String GROUP_SECRET_TAG = "group-secret";

  private final String federationName;
  private final SecureRandom random;
  private final SessionKeyExchange keyExchange;

  public AggregationParty(String federationName, TlsMaterial tls, CertificateChecker peers, SecureRandom random) {
    this.federationName = Objects.requireNonNull(federationName, "federationName");
    this.random = Objects.requireNonNull(random, "random");
    this.keyExchange = new SessionKeyExchange(federationName, tls, peers, random);
  }

  /**
   * Declines an invitation; every participant's session fails with {@code reason}. The Join carries
   * this party's certificate, as every Join does: the coordinator checks it against the connection.
   */
  public void decline(CoordinatorClient client, String sessionId, String reason) {
    keyExchange.decline(client, sessionId, reason);
  }

  /**
   * Joins {@code sessionId} and returns once every participant joined and checked out.
   *
   * @param participants every participant, as the invitation (or the session's creation) named them
   * @param layoutDigest SHA-256 of the vector layout this party derived from the query
   * @param vectorLength ring words per group
   */
  public JoinedSession join(
      CoordinatorClient client, String sessionId, List<String> participants, byte[] layoutDigest, long vectorLength) {
    PairwiseSecrets secrets = keyExchange.join(client, sessionId, participants, layoutDigest, vectorLength);
    String self = secrets.self();
    List<String> sorted = secrets.participants();
    List<MaskPlan.PairMask> pairMasks = new ArrayList<>();
    Map<String, RelayCipher> relays = new HashMap<>();
    for (String peer : sorted) {
      if (peer.equals(self)) {
        continue;
      }
      pairMasks.add(new MaskPlan.PairMask(secrets.derive(peer, "parley/v1/mask", MASK_KEY_BYTES), secrets.isLow(peer)));
      relays.put(peer, new RelayCipher(secrets.relayKey(peer)));
    }
    secrets.destroy();

    String leader = sorted.get(0);
    SecretBytes groupSecret;
    if (leader.equals(self)) {
      byte[] secret = new byte[KEY_BYTES];
      random.nextBytes(secret);
      groupSecret = SecretBytes.of(secret);
      Arrays.fill(secret, (byte) 0);
      for (String peer : sorted.subList(1, sorted.size())) {
        byte[] sealed = relays.get(peer).seal(groupSecret.bytes(), relayBinding(sessionId, self, peer), random);
        client.relay(sessionId, peer, GROUP_SECRET_TAG, sealed);
      }
    } else {
      byte[] sealed = client.fetch(sessionId, leader, GROUP_SECRET_TAG);
      byte[] secret = relays.get(leader).open(sealed, relayBinding(sessionId, leader, self));
      if (secret.length != KEY_BYTES) {
        throw new ParleyException("session " + sessionId + ": the group secret from " + leader + " has the wrong length");
      }
      groupSecret = SecretBytes.of(secret);
      Arrays.fill(secret, (byte) 0);
    }
    GroupTokens tokens = tokensFor(federationName, sessionId, groupSecret);
    SecretBytes outputMask = Hkdf.derive(groupSecret, new byte[0], Hkdf.info("parley/v1/output-mask"), MASK_KEY_BYTES);
    groupSecret.destroy();
    MaskPlan plan = new MaskPlan(pairMasks, leader.equals(self) ? outputMask : null);
    return new JoinedSession(sessionId, self, sorted, tokens, plan, outputMask);
  }

  /** The session's group-key tokens: AES-GCM-SIV under a key from the group secret, bound to the session. */
  public static GroupTokens tokensFor(String federationName, String sessionId, SecretBytes groupSecret) {
    SecretBytes tokenKey = Hkdf.derive(groupSecret, new byte[0], Hkdf.info("parley/v1/tokens"), KEY_BYTES);
    return new GroupTokens(new DeterministicCipher(tokenKey, Hkdf.info("parley/v1/group-token", federationName, sessionId)));
  }

  /** Binds a relayed group secret to the session, the sender, the receiver and its tag. */
  static byte[] relayBinding(String sessionId, String from, String to) {
    return Hkdf.info("parley/v1/relay", sessionId, from, to, GROUP_SECRET_TAG, "0");
  }

  /**
   * Every member is a participant named by a certificate of this federation's CA, whose session
   * key is signed by that certificate's key; this party's own entry is exactly what it sent.
   */
  Map<String, byte[]> checkRoster(
      Roster roster, String sessionId, List<String> participants, String self, byte[] ownKey, byte[] layoutDigest) {
    return keyExchange.checkRoster(roster, sessionId, participants, self, ownKey, layoutDigest);
  }
}
