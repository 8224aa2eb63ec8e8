package io.parley.protocols.aggregation;

import io.parley.protocols.crypto.DeterministicCipher;
import java.io.Serializable;
import java.util.Objects;

/**
 * Group keys as tokens the coordinator cannot read: AES-GCM-SIV under a key only the session's
 * parties share, deterministic so equal keys at different parties give equal tokens. Tokens of
 * different sessions do not link (the key and the associated data are per session). Serializable
 * because executors encrypt their own groups; it holds a session key, so it stays in the party's
 * own cluster.
 */
public final class GroupTokens implements Serializable {
  private static final long serialVersionUID = 1L;

  private final DeterministicCipher cipher;

  GroupTokens(DeterministicCipher cipher) {
    this.cipher = Objects.requireNonNull(cipher, "cipher");
  }

  /** The token of a canonical group key. */
  public byte[] token(byte[] groupKey) {
    return cipher.encrypt(groupKey);
  }

  /** The group key of a token; a token no party of this session made is refused. */
  public byte[] groupKey(byte[] token) {
    return cipher.decrypt(token);
  }

  @Override
  public String toString() {
    return "GroupTokens[key redacted]";
  }
}
