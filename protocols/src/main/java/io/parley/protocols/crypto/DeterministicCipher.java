package io.parley.protocols.crypto;

import io.parley.protocols.ParleyException;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMSIVBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Deterministic authenticated encryption of group keys: AES-256-GCM-SIV (RFC 8452) with a fixed
 * all-zero nonce and associated data fixed at construction. Equal plaintexts give equal tokens, which
 * is the point: parties align their group keys by comparing tokens the coordinator cannot read. SIV
 * makes the fixed nonce safe; the only thing revealed is equality of plaintexts under one key.
 *
 * <p>Thread-safe: each call builds its own engine. Serializable so executors can encrypt their
 * partitions' group keys; it carries the key, so it must only travel within a party's own cluster.
 */
public final class DeterministicCipher implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int TAG_BYTES = TAG_BITS / 8;
  private static final String NOT_AUTHENTIC = "group token is not authentic";

  private final SecretBytes key;
  private final byte[] associatedData;
  private final byte[] nonce;

  /** A cipher under a 32-byte key, binding every token to {@code associatedData}. */
  public DeterministicCipher(SecretBytes key32, byte[] associatedData) {
    this(key32, associatedData, new byte[NONCE_BYTES]);
  }

  /** With an explicit nonce: only for the RFC 8452 test vectors. */
  DeterministicCipher(SecretBytes key32, byte[] associatedData, byte[] nonce) {
    if (key32.length() != KEY_BYTES) {
      throw new ParleyException(
          "a group token key must be 32 bytes (AES-256-GCM-SIV), got " + key32.length());
    }
    if (nonce.length != NONCE_BYTES) {
      throw new IllegalArgumentException("AES-GCM-SIV nonces are 12 bytes, got " + nonce.length);
    }
    this.key = SecretBytes.of(key32.unsafeView());
    this.associatedData = associatedData.clone();
    this.nonce = nonce.clone();
  }

  /** The token of {@code plaintext}: ciphertext followed by a 16-byte tag. */
  public byte[] encrypt(byte[] plaintext) {
    GCMSIVBlockCipher engine = engine(true);
    byte[] token = new byte[engine.getOutputSize(plaintext.length)];
    int written = engine.processBytes(plaintext, 0, plaintext.length, token, 0);
    try {
      engine.doFinal(token, written);
    } catch (InvalidCipherTextException e) {
      throw new IllegalStateException("GCM-SIV encryption cannot fail authentication", e);
    }
    return token;
  }

  /**
   * The plaintext of {@code token}.
   *
   * @throws ParleyException "group token is not authentic" if the token was altered, truncated, or
   *     made under another key or associated data; nothing else is revealed
   */
  public byte[] decrypt(byte[] token) {
    if (token == null || token.length < TAG_BYTES) {
      throw new ParleyException(NOT_AUTHENTIC);
    }
    try {
      GCMSIVBlockCipher engine = engine(false);
      byte[] plaintext = new byte[engine.getOutputSize(token.length)];
      int written = engine.processBytes(token, 0, token.length, plaintext, 0);
      engine.doFinal(plaintext, written);
      return plaintext;
    } catch (InvalidCipherTextException | RuntimeException e) {
      throw new ParleyException(NOT_AUTHENTIC);
    }
  }

  private GCMSIVBlockCipher engine(boolean forEncryption) {
    GCMSIVBlockCipher engine = new GCMSIVBlockCipher(AESEngine.newInstance());
    engine.init(
        forEncryption,
        new AEADParameters(new KeyParameter(key.unsafeView()), TAG_BITS, nonce, associatedData));
    return engine;
  }

  @Override
  public String toString() {
    return "DeterministicCipher[AES-256-GCM-SIV, key redacted]";
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (key == null || key.length() != KEY_BYTES || associatedData == null || nonce == null
        || nonce.length != NONCE_BYTES) {
      throw new InvalidObjectException("malformed DeterministicCipher");
    }
  }
}
