package io.parley.protocols.crypto;

import io.parley.protocols.ParleyException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * End-to-end encryption of party-to-party messages that travel through the coordinator: AES-256-GCM
 * (the JDK's) under a pairwise key, with a fresh random 12-byte nonce per message. A sealed message
 * is {@code nonce || ciphertext || tag}. Thread-safe: each call uses its own {@link Cipher}.
 *
 * <p>Random nonces bound the number of messages per key (2^32 keeps the collision chance below
 * 2^-32); relay keys are per session and pair, far below that.
 */
public final class RelayCipher {
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int TAG_BYTES = TAG_BITS / 8;
  private static final String FAILED = "relayed message failed authentication";

  private final SecretKeySpec key;

  /** A cipher under a 32-byte pairwise key. */
  public RelayCipher(SecretBytes key32) {
    if (key32.length() != KEY_BYTES) {
      throw new ParleyException(
          "a relay key must be 32 bytes (AES-256-GCM), got " + key32.length());
    }
    this.key = new SecretKeySpec(key32.unsafeView(), "AES");
  }

  /** Encrypts and authenticates {@code plaintext}, binding it to {@code associatedData}. */
  public byte[] seal(byte[] plaintext, byte[] associatedData, SecureRandom random) {
    byte[] sealed = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    System.arraycopy(nonce, 0, sealed, 0, NONCE_BYTES);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData);
      cipher.doFinal(plaintext, 0, plaintext.length, sealed, NONCE_BYTES);
      return sealed;
    } catch (GeneralSecurityException e) {
      throw new ParleyException("AES-256-GCM encryption of a relayed message failed", e);
    }
  }

  /**
   * The plaintext of a message {@link #seal sealed} under the same key and associated data.
   *
   * @throws ParleyException "relayed message failed authentication" if the message was altered or
   *     truncated, or sealed under another key or associated data
   */
  public byte[] open(byte[] sealed, byte[] associatedData) {
    if (sealed == null || sealed.length < NONCE_BYTES + TAG_BYTES) {
      throw new ParleyException(FAILED);
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData);
      return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new ParleyException(FAILED);
    }
  }

  @Override
  public String toString() {
    return "RelayCipher[AES-256-GCM, key redacted]";
  }
}
