package io.parley.protocols.crypto;

import io.parley.protocols.ParleyException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869), and the canonical encoding of the {@code info} strings that
 * bind every derived key to its purpose, federation, session and parties.
 */
public final class Hkdf {
  private static final String HMAC = "HmacSHA256";
  private static final int HASH_LENGTH = 32;
  /** RFC 5869 limits the output to 255 blocks. */
  public static final int MAX_LENGTH = 255 * HASH_LENGTH;

  private Hkdf() {}

  /**
   * Extract-then-expand: {@code length} bytes of key material from {@code inputKey}.
   *
   * @param salt non-secret salt; {@code null} or empty means a string of 32 zero bytes (RFC 5869)
   * @param info context binding the output to its use; see {@link #info(String, String...)}
   */
  public static SecretBytes derive(SecretBytes inputKey, byte[] salt, byte[] info, int length) {
    if (length < 1 || length > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "HKDF output length must be 1.." + MAX_LENGTH + " bytes, got " + length);
    }
    byte[] effectiveSalt = salt == null || salt.length == 0 ? new byte[HASH_LENGTH] : salt;
    byte[] pseudoRandomKey = null;
    byte[] block = new byte[0];
    byte[] output = new byte[length];
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(effectiveSalt, HMAC));
      pseudoRandomKey = mac.doFinal(inputKey.unsafeView());
      mac.init(new SecretKeySpec(pseudoRandomKey, HMAC));
      int written = 0;
      for (int counter = 1; written < length; counter++) {
        mac.update(block);
        mac.update(info == null ? new byte[0] : info);
        mac.update((byte) counter);
        Arrays.fill(block, (byte) 0);
        block = mac.doFinal();
        int take = Math.min(block.length, length - written);
        System.arraycopy(block, 0, output, written, take);
        written += take;
      }
      return SecretBytes.wrap(output);
    } catch (GeneralSecurityException e) {
      throw new ParleyException("HMAC-SHA256 is not available in this JVM", e);
    } finally {
      Arrays.fill(block, (byte) 0);
      if (pseudoRandomKey != null) {
        Arrays.fill(pseudoRandomKey, (byte) 0);
      }
    }
  }

  /** {@code label} alone, canonically encoded (resolves the ambiguity of the varargs overloads). */
  public static byte[] info(String label) {
    return info(label, new byte[0][]);
  }

  /**
   * An injective encoding of a label and parts: each, label first, as a 4-byte big-endian length
   * followed by its UTF-8 bytes, so {@code ("a", "bc")} and {@code ("ab", "c")} differ.
   */
  public static byte[] info(String label, String... parts) {
    byte[][] encoded = new byte[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      encoded[i] = parts[i].getBytes(StandardCharsets.UTF_8);
    }
    return info(label, encoded);
  }

  /** As {@link #info(String, String...)} with byte parts; a string part equals its UTF-8 bytes. */
  public static byte[] info(String label, byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    appendPart(out, label.getBytes(StandardCharsets.UTF_8));
    for (byte[] part : parts) {
      appendPart(out, part);
    }
    return out.toByteArray();
  }

  private static void appendPart(ByteArrayOutputStream out, byte[] part) {
    int length = part.length;
    out.write(length >>> 24);
    out.write(length >>> 16);
    out.write(length >>> 8);
    out.write(length);
    out.write(part, 0, length);
  }
}
