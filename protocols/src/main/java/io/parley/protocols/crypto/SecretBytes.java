package io.parley.protocols.crypto;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Immutable secret bytes: a key, a derived secret or a group secret. The bytes are copied in and
 * out, compared in constant time, and never shown by {@link #toString()}.
 *
 * <p>Serializable because a party's per-session mask keys travel to that party's own Spark
 * executors inside task closures. That is the only sanctioned use: never Java-deserialize a value
 * another party sent, and enable Spark's RPC encryption ({@code spark.network.crypto.enabled}) on a
 * shared cluster, since the closure carries the key in the clear.
 */
public final class SecretBytes implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] bytes;

  private SecretBytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A copy of {@code bytes}; the caller may zero its own array afterwards. */
  public static SecretBytes of(byte[] bytes) {
    if (bytes == null) {
      throw new NullPointerException("bytes");
    }
    return new SecretBytes(bytes.clone());
  }

  /** Takes ownership of {@code bytes} without copying: only for arrays nobody else holds. */
  static SecretBytes wrap(byte[] bytes) {
    return new SecretBytes(bytes);
  }

  /** A fresh copy of the secret; zero it when done. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The secret itself, for code in this package that promises neither to keep nor change it. */
  byte[] unsafeView() {
    return bytes;
  }

  public int length() {
    return bytes.length;
  }

  /** Zeroes the secret in place; this instance holds only zeros afterwards. */
  public void destroy() {
    Arrays.fill(bytes, (byte) 0);
  }

  /** Constant-time in the contents (lengths are not secret). */
  @Override
  public boolean equals(Object other) {
    return other instanceof SecretBytes
        && MessageDigest.isEqual(bytes, ((SecretBytes) other).bytes);
  }

  /** The length only: a hash of the contents would leak them to whoever sees hash-table timing. */
  @Override
  public int hashCode() {
    return bytes.length;
  }

  @Override
  public String toString() {
    return "SecretBytes[" + bytes.length + " bytes, redacted]";
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (bytes == null) {
      throw new InvalidObjectException("SecretBytes without bytes");
    }
  }
}
