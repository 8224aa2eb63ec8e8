package io.parley.protocols.session;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.crypto.SecretBytes;
import java.util.List;
import java.util.Map;

/**
 * What a party holds once a session's key exchange checked out: the sorted participants and one
 * pairwise secret {@code s_ij} per peer. Keys for a purpose are derived from {@code s_ij} by HKDF
 * with a label, never used directly.
 */
public final class PairwiseSecrets {
  private final String sessionId;
  private final String self;
  private final List<String> participants;
  private final Map<String, SecretBytes> secrets;

  PairwiseSecrets(String sessionId, String self, List<String> participants, Map<String, SecretBytes> secrets) {
    this.sessionId = sessionId;
    this.self = self;
    this.participants = List.copyOf(participants);
    this.secrets = Map.copyOf(secrets);
  }

  public String sessionId() {
    return sessionId;
  }

  /** This party's name. */
  public String self() {
    return self;
  }

  /** Every participant, sorted by name. */
  public List<String> participants() {
    return participants;
  }

  /** Whether this party's name sorts before {@code peer}'s (the pair's "low" side). */
  public boolean isLow(String peer) {
    secret(peer);
    return self.compareTo(peer) < 0;
  }

  /** {@code HKDF(s_ij, label)}, {@code length} bytes: the key this party shares with {@code peer} for {@code label}. */
  public SecretBytes derive(String peer, String label, int length) {
    return Hkdf.derive(secret(peer), new byte[0], Hkdf.info(label), length);
  }

  /** The relay key shared with {@code peer}: {@code HKDF(s_ij, "parley/v1/relay")}, 32 bytes. */
  public SecretBytes relayKey(String peer) {
    return derive(peer, "parley/v1/relay", SessionKeyExchange.KEY_BYTES);
  }

  /** Wipes every pairwise secret; keys derived earlier stay usable. */
  public void destroy() {
    secrets.values().forEach(SecretBytes::destroy);
  }

  private SecretBytes secret(String peer) {
    SecretBytes secret = secrets.get(peer);
    if (secret == null) {
      throw new ParleyException("session " + sessionId + ": party " + peer + " is not another participant of "
          + participants);
    }
    return secret;
  }

  @Override
  public String toString() {
    return "PairwiseSecrets[" + sessionId + ", " + self + " of " + participants + ", secrets redacted]";
  }
}
