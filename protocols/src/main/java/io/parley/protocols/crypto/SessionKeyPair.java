package io.parley.protocols.crypto;

import io.parley.protocols.ParleyException;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * A party's ephemeral X25519 key pair for one session (RFC 7748). The public key is published in
 * {@code Join}, signed with the party's certificate key (see {@link KeyBinding}); {@link #agree}
 * gives the raw shared secret, which callers feed to {@link Hkdf} with the session's context.
 */
public final class SessionKeyPair {
  /** Length of X25519 private keys, public keys and shared secrets. */
  public static final int KEY_BYTES = X25519.SCALAR_SIZE;

  private final SecretBytes privateKey;
  private final byte[] publicKey;

  private SessionKeyPair(byte[] privateKey) {
    this.privateKey = SecretBytes.wrap(privateKey);
    this.publicKey = new byte[X25519.POINT_SIZE];
    X25519.generatePublicKey(privateKey, 0, publicKey, 0);
  }

  /** A fresh key pair with entropy from {@code random}. */
  public static SessionKeyPair generate(SecureRandom random) {
    byte[] privateKey = new byte[KEY_BYTES];
    X25519.generatePrivateKey(random, privateKey);
    return new SessionKeyPair(privateKey);
  }

  /** The key pair of a fixed private key: only for the RFC 7748 test vectors. */
  static SessionKeyPair fromPrivateKey(byte[] privateKey) {
    if (privateKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("X25519 private keys are 32 bytes");
    }
    return new SessionKeyPair(privateKey.clone());
  }

  /** The 32-byte public key (a copy). */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /**
   * The X25519 shared secret with the holder of {@code peerPublicKey}.
   *
   * @throws ParleyException if the peer key is not 32 bytes, or is a small-order point that makes
   *     the shared secret all zeros (a peer trying to force a known key)
   */
  public SecretBytes agree(byte[] peerPublicKey) {
    if (peerPublicKey == null || peerPublicKey.length != X25519.POINT_SIZE) {
      throw new ParleyException(
          "a peer's session public key must be 32 bytes (X25519), got "
              + (peerPublicKey == null ? "none" : peerPublicKey.length + " bytes"));
    }
    byte[] shared = new byte[KEY_BYTES];
    if (!X25519.calculateAgreement(privateKey.unsafeView(), 0, peerPublicKey, 0, shared, 0)) {
      Arrays.fill(shared, (byte) 0);
      throw new ParleyException(
          "a peer's session public key is a small-order X25519 point (all-zero shared secret);"
              + " refusing to derive keys from it");
    }
    return SecretBytes.wrap(shared);
  }

  /** Zeroes the private key once the session's pairwise secrets are derived; do not use it after. */
  public void destroy() {
    privateKey.destroy();
  }

  @Override
  public String toString() {
    return "SessionKeyPair[X25519, private key redacted]";
  }
}
