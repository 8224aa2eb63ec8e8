package io.parley.protocols.crypto;

import io.parley.protocols.ParleyException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one place Parley's entropy comes from. Production code draws from {@link #strong()} at the
 * edge and passes the {@link SecureRandom} down; tests use {@link #seeded}, so a failing
 * multi-party run reproduces exactly.
 */
public final class Drbg {
  private Drbg() {}

  /**
   * The JDK's NIST SP 800-90A DRBG (Hash_DRBG, SHA-256), seeded from the operating system.
   * Thread-safe and shared; it never blocks once the system's entropy pool is initialised (unlike
   * {@code SecureRandom.getInstanceStrong()}, which may read {@code /dev/random}).
   */
  public static SecureRandom strong() {
    return StrongHolder.INSTANCE;
  }

  /** A deterministic stream for tests; see {@link #seeded(byte[])}. */
  public static SecureRandom seeded(long seed) {
    return seeded(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
  }

  /**
   * A deterministic {@link SecureRandom} for tests: its bytes are the AES-256-CTR keystream under
   * SHA-256(seed). {@code setSeed} mixes the new material into the key deterministically, so the
   * stream stays a function of the seed and the calls made. Never use it in production.
   */
  public static SecureRandom seeded(byte[] seed) {
    return new SeededRandom(new AesCtrSpi(sha256(seed)));
  }

  private static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) {
        digest.update(part);
      }
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new ParleyException("SHA-256 is not available in this JVM", e);
    }
  }

  private static final class StrongHolder {
    static final SecureRandom INSTANCE = create();

    private static SecureRandom create() {
      try {
        return SecureRandom.getInstance("DRBG");
      } catch (NoSuchAlgorithmException e) {
        return new SecureRandom();
      }
    }
  }

  /**
   * Exposes SecureRandom's SPI constructor. SecureRandom synchronizes calls into an SPI that is
   * not declared thread-safe, so sharing one instance across threads is safe (though then the
   * interleaving, and so each thread's bytes, depends on scheduling).
   */
  private static final class SeededRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;

    SeededRandom(SecureRandomSpi spi) {
      super(spi, null);
    }

    @Override
    public String getAlgorithm() {
      return "Parley-seeded-AES-CTR";
    }
  }

  private static final class AesCtrSpi extends SecureRandomSpi {
    private static final long serialVersionUID = 1L;
    private byte[] key;
    private transient Cipher cipher;

    AesCtrSpi(byte[] key) {
      rekey(key);
    }

    private void rekey(byte[] newKey) {
      key = newKey;
      try {
        cipher = Cipher.getInstance("AES/CTR/NoPadding");
        cipher.init(
            Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
      } catch (GeneralSecurityException e) {
        throw new ParleyException("AES/CTR/NoPadding is not available in this JVM", e);
      }
    }

    @Override
    protected void engineSetSeed(byte[] seed) {
      byte[] previous = key;
      rekey(sha256(previous, seed));
      Arrays.fill(previous, (byte) 0);
    }

    @Override
    protected void engineNextBytes(byte[] bytes) {
      Arrays.fill(bytes, (byte) 0);
      byte[] stream = cipher.update(bytes);
      if (stream != null) {
        System.arraycopy(stream, 0, bytes, 0, stream.length);
      }
    }

    @Override
    protected byte[] engineGenerateSeed(int numBytes) {
      byte[] seed = new byte[numBytes];
      engineNextBytes(seed);
      return seed;
    }
  }
}
