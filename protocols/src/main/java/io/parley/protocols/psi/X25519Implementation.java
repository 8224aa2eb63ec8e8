package io.parley.protocols.psi;

import io.parley.protocols.ParleyException;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which code computes the X25519 scalar multiplications of ECDH-PSI. Both compute RFC 7748's
 * function, so they give the same bytes and parties using different ones still match: libsodium
 * (native, about twice as fast) or BouncyCastle (pure Java). {@link #AUTO} takes libsodium where it
 * loads in this JVM and BouncyCastle elsewhere.
 */
public enum X25519Implementation {
  AUTO,
  LIBSODIUM,
  BOUNCYCASTLE;

  private static final Logger LOG = LoggerFactory.getLogger(X25519Implementation.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  /** Reads {@code auto}, {@code libsodium} or {@code bouncycastle}, in any case. */
  public static X25519Implementation parse(String setting, String text) {
    String name = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    for (X25519Implementation implementation : values()) {
      if (implementation.name().equals(name)) {
        return implementation;
      }
    }
    throw new ParleyException(
        setting + " is '" + text + "'; expected auto, libsodium or bouncycastle");
  }

  /**
   * What this JVM would run for this choice, such as "libsodium 1.0.18 (system library)" or
   * "BouncyCastle", for logs and benchmark reports.
   */
  public String describeResolved() {
    return resolvesToLibsodium() ? Libsodium.description() : "BouncyCastle";
  }

  /** The multiplier for one batch under {@code scalar} (copied; close it to zero the copy). */
  ScalarMultiplier multiplier(byte[] scalar) {
    return resolvesToLibsodium()
        ? new LibsodiumMultiplier(scalar)
        : new BouncyCastleMultiplier(scalar);
  }

  private boolean resolvesToLibsodium() {
    switch (this) {
      case BOUNCYCASTLE:
        return false;
      case LIBSODIUM:
        if (!Libsodium.available()) {
          throw new ParleyException(
              "libsodium is not usable in this JVM on "
                  + hostName()
                  + " ("
                  + Libsodium.failure()
                  + "); set spark.parley.psi.x25519=auto or bouncycastle to use the Java X25519");
        }
        return true;
      default:
        if (!Libsodium.available() && WARNED.compareAndSet(false, true)) {
          LOG.warn(
              "libsodium is not usable in this JVM ({}); private joins use BouncyCastle's X25519,"
                  + " about half as fast",
              Libsodium.failure());
        }
        return Libsodium.available();
    }
  }

  /** This executor's host, so an error from one bad node of a cluster names it. */
  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "this host";
    }
  }

  /** Constant time in the contents: the output of a multiplication under a secret scalar. */
  private static boolean isAllZero(byte[] bytes) {
    int accumulated = 0;
    for (byte b : bytes) {
      accumulated |= b;
    }
    return accumulated == 0;
  }

  /** X25519 under one scalar for a batch of points. */
  interface ScalarMultiplier extends AutoCloseable {
    /**
     * Writes {@code X25519(k, point)} to {@code out}; false when the input has small order, whose
     * result is the all-zero string (libsodium refuses those without writing {@code out}).
     */
    boolean multiply(byte[] point, byte[] out);

    /** Zeroes this batch's copy of the scalar. */
    @Override
    void close();
  }

  private static final class LibsodiumMultiplier implements ScalarMultiplier {
    private final Libsodium.NativeScalar scalar;

    LibsodiumMultiplier(byte[] scalar) {
      this.scalar = new Libsodium.NativeScalar(scalar);
    }

    @Override
    public boolean multiply(byte[] point, byte[] out) {
      // libsodium refuses small-order inputs with -1; the all-zero check as well keeps the refusal
      // if a build of it ever returned 0 for them.
      return Libsodium.crypto_scalarmult(out, scalar.pointer(), point) == 0 & !isAllZero(out);
    }

    @Override
    public void close() {
      scalar.close();
    }
  }

  private static final class BouncyCastleMultiplier implements ScalarMultiplier {
    private final byte[] scalar;

    BouncyCastleMultiplier(byte[] scalar) {
      this.scalar = scalar.clone();
    }

    @Override
    public boolean multiply(byte[] point, byte[] out) {
      X25519.scalarMult(scalar, 0, point, 0, out, 0);
      return !isAllZero(out);
    }

    @Override
    public void close() {
      Arrays.fill(scalar, (byte) 0);
    }
  }
}
