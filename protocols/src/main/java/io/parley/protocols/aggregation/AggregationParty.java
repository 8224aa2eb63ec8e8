package io.parley.protocols.aggregation;

import com.google.protobuf.ByteString;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.crypto.DeterministicCipher;
import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.crypto.KeyBinding;
import io.parley.protocols.crypto.RelayCipher;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A party's side of secure aggregation up to the masks (docs/ARCHITECTURE.md, steps 3 and 4):
 * it joins with a fresh X25519 key signed by its certificate key, checks every other member's
 * certificate and signature (so the coordinator cannot substitute keys), derives the pairwise
 * secrets, and receives or (as leader) hands out the group secret, end to end encrypted.
 */
public final class AggregationParty {
  static final int KEY_BYTES = 32;
  static final int MASK_KEY_BYTES = 16;
  static final String GROUP_SECRET_TAG = "group-secret";

  private final String federationName;
  private final TlsMaterial tls;
  private final CertificateChecker peers;
  private final SecureRandom random;

  public AggregationParty(String federationName, TlsMaterial tls, CertificateChecker peers, SecureRandom random) {
    this.federationName = Objects.requireNonNull(federationName, "federationName");
    this.tls = Objects.requireNonNull(tls, "tls");
    this.peers = Objects.requireNonNull(peers, "peers");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * Declines an invitation; every participant's session fails with {@code reason}. The Join carries
   * this party's certificate, as every Join does: the coordinator checks it against the connection.
   */
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
   * Joins {@code sessionId} and returns once every participant joined and checked out.
   *
   * @param participants every participant, as the invitation (or the session's creation) named them
   * @param layoutDigest SHA-256 of the vector layout this party derived from the query
   * @param vectorLength ring words per group
   */
  public JoinedSession join(
      CoordinatorClient client, String sessionId, List<String> participants, byte[] layoutDigest, long vectorLength) {
    String self = tls.partyName();
    List<String> sorted = new ArrayList<>(participants);
    sorted.sort(null);
    if (!sorted.contains(self)) {
      throw new ParleyException("session " + sessionId + " does not include party " + self);
    }
    SessionKeyPair keys = SessionKeyPair.generate(random);
    byte[] binding = KeyBinding.message(federationName, sessionId, self, keys.publicKey());
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
    Map<String, byte[]> sessionKeys = checkRoster(roster, sessionId, sorted, self, keys.publicKey());

    byte[] salt = sha256(federationName.getBytes(StandardCharsets.UTF_8));
    List<MaskPlan.PairMask> pairMasks = new ArrayList<>();
    Map<String, RelayCipher> relays = new HashMap<>();
    for (String peer : sorted) {
      if (peer.equals(self)) {
        continue;
      }
      String low = self.compareTo(peer) < 0 ? self : peer;
      String high = low.equals(self) ? peer : self;
      SecretBytes shared = keys.agree(sessionKeys.get(peer));
      SecretBytes pair = Hkdf.derive(shared, salt, Hkdf.info("parley/v1/pair", federationName, sessionId, low, high), KEY_BYTES);
      pairMasks.add(new MaskPlan.PairMask(Hkdf.derive(pair, new byte[0], Hkdf.info("parley/v1/mask"), MASK_KEY_BYTES), self.equals(low)));
      relays.put(peer, new RelayCipher(Hkdf.derive(pair, new byte[0], Hkdf.info("parley/v1/relay"), KEY_BYTES)));
      shared.destroy();
    }

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
  static GroupTokens tokensFor(String federationName, String sessionId, SecretBytes groupSecret) {
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
      Roster roster, String sessionId, List<String> participants, String self, byte[] ownKey) {
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
      byte[] binding = KeyBinding.message(federationName, sessionId, party, key);
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
    if (!sessionKeys.keySet().equals(new java.util.HashSet<>(participants))) {
      throw new ParleyException(
          "session " + sessionId + ": the roster names " + new java.util.TreeSet<>(sessionKeys.keySet())
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
