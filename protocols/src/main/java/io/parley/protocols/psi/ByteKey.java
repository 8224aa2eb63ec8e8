package io.parley.protocols.psi;

import java.util.Arrays;

/** A byte string as a hash-map key (arrays compare by identity). */
final class ByteKey {
  private final byte[] bytes;
  private final int hash;

  ByteKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  byte[] bytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ByteKey && Arrays.equals(bytes, ((ByteKey) other).bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
