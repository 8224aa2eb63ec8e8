package io.parley.protocols.aggregation;

import io.parley.protocols.crypto.DeterministicCipher;
import io.parley.protocols.ParleyException;
import java.io.Serializable;
import java.util.Arrays;
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

  /**
   * Every group key is padded to this many bytes before encryption, so a token's length says
   * nothing about its key's (a short country name, a null, a long string all look alike).
   */
  public static final int PADDED_KEY_BYTES = 256;

  /** The longest group key a token can carry: the padding's 2-byte length prefix takes the rest. */
  public static final int MAX_KEY_BYTES = PADDED_KEY_BYTES - 2;

  /** The token of a canonical group key. */
  public byte[] token(byte[] groupKey) {
    if (groupKey.length > MAX_KEY_BYTES) {
      throw new ParleyException(
          "a group key of " + groupKey.length + " bytes is longer than " + MAX_KEY_BYTES
              + " bytes: group by shorter values (a prefix, a hash or a bucket)");
    }
    byte[] padded = new byte[PADDED_KEY_BYTES];
    padded[0] = (byte) (groupKey.length >>> 8);
    padded[1] = (byte) groupKey.length;
    System.arraycopy(groupKey, 0, padded, 2, groupKey.length);
    return cipher.encrypt(padded);
  }

  /** The group key of a token; a token no party of this session made, or badly padded, is refused. */
  public byte[] groupKey(byte[] token) {
    byte[] padded = cipher.decrypt(token);
    int length = padded.length == PADDED_KEY_BYTES ? ((padded[0] & 0xff) << 8) | (padded[1] & 0xff) : -1;
    if (length < 0 || length > MAX_KEY_BYTES) {
      throw new ParleyException("a group token does not hold a padded group key");
    }
    for (int i = 2 + length; i < PADDED_KEY_BYTES; i++) {
      if (padded[i] != 0) {
        throw new ParleyException("a group token does not hold a padded group key");
      }
    }
    return Arrays.copyOfRange(padded, 2, 2 + length);
  }

  @Override
  public String toString() {
    return "GroupTokens[key redacted]";
  }
}
