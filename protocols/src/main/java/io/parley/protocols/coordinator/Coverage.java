package io.parley.protocols.coordinator;

import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Which elements of a vector of known length one party has sent: one bit per element, so its
 * memory is fixed by the length (1/64 of the vector's own words) however a party slices what it
 * sends; a party sending millions of one-element slices cannot grow it.
 */
final class Coverage {
  private final long length;
  private final BitSet sent;
  private final Map<Long, byte[]> chunkDigests = new HashMap<>(); // chunk start -> SHA-256(length, bytes)
  private long covered;

  Coverage(long length) {
    if (length < 0 || length > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a vector of " + length + " elements");
    }
    this.length = length;
    this.sent = new BitSet((int) length);
  }

  /** Bytes this coverage holds for a vector of {@code length} elements (without chunk digests). */
  static long bytesFor(long length) {
    return (length + 7) / 8;
  }

  /** The first element of {@code [start, start+count)} already covered, or -1. */
  long firstOverlap(long start, long count) {
    checkRange(start, count);
    int next = sent.nextSetBit((int) start);
    return next >= 0 && next < start + count ? next : -1;
  }

  /**
   * Whether {@code values} at {@code start} repeat, byte for byte, a chunk this party already sent
   * there: a retried task resending what it sent before, which must not count twice.
   */
  boolean isResend(long start, ByteString values) {
    byte[] digest = chunkDigests.get(start);
    return digest != null && MessageDigest.isEqual(digest, digest(values));
  }

  /** Marks the chunk {@code values} at {@code [start, start+count)} as sent; it must not overlap anything sent before. */
  void add(long start, long count, ByteString values) {
    chunkDigests.put(start, digest(values));
    add(start, count);
  }

  private static byte[] digest(ByteString values) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(values.size()).array());
      sha.update(values.asReadOnlyByteBuffer());
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Marks {@code [start, start+count)} as sent; it must not overlap anything sent before. */
  void add(long start, long count) {
    checkRange(start, count);
    if (firstOverlap(start, count) >= 0) {
      throw new IllegalStateException("[" + start + ", +" + count + ") overlaps what was sent before");
    }
    sent.set((int) start, (int) (start + count));
    covered += count;
  }

  boolean complete() {
    return covered == length;
  }

  /** Chunks recorded with their digest so far. */
  int chunks() {
    return chunkDigests.size();
  }

  /** Elements sent so far. */
  long covered() {
    return covered;
  }

  private void checkRange(long start, long count) {
    if (start < 0 || count < 0 || start > length - count) {
      throw new IllegalArgumentException("[" + start + ", +" + count + ") outside a vector of " + length);
    }
  }
}
