package io.parley.protocols.session;

import com.google.protobuf.ByteString;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.crypto.KeyBinding;
import io.parley.protocols.crypto.SecretBytes;
import io.parley.protocols.crypto.SessionKeyPair;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.wire.JoinRequest;
import io.parley.protocols.wire.Member;
import io.parley.protocols.wire.Roster;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A party's key exchange in a coordinator session (docs/ARCHITECTURE.md, step 3): it joins with a
 * fresh X25519 key signed by its certificate key, checks every other member's certificate and
 * signature (so the coordinator cannot substitute keys), and derives one pairwise secret per peer,
 * {@code s_ij = HKDF(X25519, SHA-256(federation), "parley/v1/pair" | federation | session | low |
 * high)}. Secure aggregation and the three-party engine both start here.
 */
public final class SessionKeyExchange {
  /** Bytes of a session public key and of a pairwise secret. */
  public static final int KEY_BYTES = 32;

  private final String federationName;
  private final TlsMaterial tls;
  private final CertificateChecker peers;
  private final SecureRandom random;

  public SessionKeyExchange(String federationName, TlsMaterial tls, CertificateChecker peers, SecureRandom random) {
    this.federationName = Objects.requireNonNull(federationName, "federationName");
    this.tls = Objects.requireNonNull(tls, "tls");
    this.peers = Objects.requireNonNull(peers, "peers");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * Joins {@code sessionId} and returns once every participant joined and checked out.
   *
   * @param participants every participant, as the invitation (or the session's creation) named them
   * @param layoutDigest SHA-256 of what this party derived from the query; the coordinator checks
   *     that every participant sent the same
   * @param vectorLength ring words (per group for aggregation, per batch for the engine)
   */
  public PairwiseSecrets join(
      CoordinatorClient client, String sessionId, List<String> participants, byte[] layoutDigest, long vectorLength) {
    String self = tls.partyName();
    List<String> sorted = new ArrayList<>(participants);
    sorted.sort(null);
    if (!sorted.contains(self)) {
      throw new ParleyException("session " + sessionId + " does not include party " + self);
    }
    SessionKeyPair keys = SessionKeyPair.generate(random);
    byte[] binding = KeyBinding.message(federationName, sessionId, self, keys.publicKey(), layoutDigest, sorted);
    Roster roster =
        client.join(
            JoinRequest.newBuilder()
                .setSessionId(sessionId)
                .setAccept(true)
                .setCertificate(ByteString.copyFrom(tls.certificateDer()))
                .setSessionPublicKey(ByteString.copyFrom(keys.publicKey()))
                .setSignature(ByteString.copyFrom(KeyBinding.sign(tls.privateKey(), binding, random)))
                .setLayoutDigest(ByteString.copyFrom(layoutDigest))
                .setVectorLength(vectorLength)
                .build());
    Map<String, byte[]> sessionKeys = checkRoster(roster, sessionId, sorted, self, keys.publicKey(), layoutDigest);

    byte[] salt = sha256(federationName.getBytes(StandardCharsets.UTF_8));
    Map<String, SecretBytes> secrets = new HashMap<>();
    for (String peer : sorted) {
      if (peer.equals(self)) {
        continue;
      }
      String low = self.compareTo(peer) < 0 ? self : peer;
      String high = low.equals(self) ? peer : self;
      SecretBytes shared = keys.agree(sessionKeys.get(peer));
      secrets.put(peer,
          Hkdf.derive(shared, salt, Hkdf.info("parley/v1/pair", federationName, sessionId, low, high), KEY_BYTES));
      shared.destroy();
    }
    return new PairwiseSecrets(sessionId, self, sorted, secrets);
  }

  /** Declines an invitation; every participant's session fails with {@code reason}. */
  public void decline(CoordinatorClient client, String sessionId, String reason) {
    client.join(
        JoinRequest.newBuilder()
            .setSessionId(sessionId)
            .setAccept(false)
            .setCertificate(ByteString.copyFrom(tls.certificateDer()))
            .setDeclineReason(reason)
            .build());
  }

  /**
   * Every member is a participant named by a certificate of this federation's CA, whose session
   * key is signed by that certificate's key; this party's own entry is exactly what it sent.
   *
   * @return each member's session public key
   */
  public Map<String, byte[]> checkRoster(
      Roster roster, String sessionId, List<String> participants, String self, byte[] ownKey, byte[] layoutDigest) {
    if (!roster.getSessionId().equals(sessionId)) {
      throw new ParleyException("the coordinator answered for session " + roster.getSessionId() + ", not " + sessionId);
    }
    Map<String, byte[]> sessionKeys = new HashMap<>();
    for (Member member : roster.getMembersList()) {
      String party = member.getParty();
      X509Certificate certificate = peers.parse(member.getCertificate().toByteArray());
      String named = peers.partyOf(certificate);
      if (!named.equals(party)) {
        throw new ParleyException("session " + sessionId + ": the roster entry for " + party + " carries the certificate of " + named);
      }
      byte[] key = member.getSessionPublicKey().toByteArray();
      if (key.length != KEY_BYTES) {
        throw new ParleyException("session " + sessionId + ": party " + party + "'s session key has " + key.length + " bytes, not 32");
      }
      byte[] binding = KeyBinding.message(federationName, sessionId, party, key, layoutDigest, participants);
      if (!KeyBinding.verify(certificate.getPublicKey(), binding, member.getSignature().toByteArray())) {
        throw new ParleyException("session " + sessionId + ": the signature on party " + party + "'s session key does not verify");
      }
      if (party.equals(self) && !Arrays.equals(key, ownKey)) {
        throw new ParleyException("session " + sessionId + ": the roster does not carry this party's own session key");
      }
      if (sessionKeys.put(party, key) != null) {
        throw new ParleyException("session " + sessionId + ": the roster names party " + party + " twice");
      }
    }
    if (!sessionKeys.keySet().equals(new HashSet<>(participants))) {
      throw new ParleyException(
          "session " + sessionId + ": the roster names " + new TreeSet<>(sessionKeys.keySet())
              + ", but the participants are " + participants);
    }
    return sessionKeys;
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
