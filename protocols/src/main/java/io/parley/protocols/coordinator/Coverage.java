package io.parley.protocols.coordinator;

import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which elements of a vector of known length one party has sent, as disjoint merged intervals:
 * memory grows with the number of gaps, never with the number of elements.
 */
final class Coverage {
  private final long length;
  private final TreeMap<Long, Long> intervals = new TreeMap<>(); // start -> end (exclusive)
  private final Map<Long, byte[]> chunkDigests = new HashMap<>(); // chunk start -> SHA-256(length, bytes)
  private long covered;

  Coverage(long length) {
    this.length = length;
  }

  /** The first element of {@code [start, start+count)} already covered, or -1. */
  long firstOverlap(long start, long count) {
    long end = start + count;
    Map.Entry<Long, Long> before = intervals.floorEntry(start);
    if (before != null && before.getValue() > start) {
      return start;
    }
    Map.Entry<Long, Long> after = intervals.higherEntry(start);
    if (after != null && after.getKey() < end) {
      return after.getKey();
    }
    return -1;
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
    if (count == 0) {
      return;
    }
    long end = start + count;
    Map.Entry<Long, Long> before = intervals.floorEntry(start);
    if (before != null && before.getValue() == start) {
      start = before.getKey();
      intervals.remove(before.getKey());
    }
    Long afterEnd = intervals.remove(end);
    if (afterEnd != null) {
      end = afterEnd;
    }
    intervals.put(start, end);
    covered += count;
  }

  boolean complete() {
    return covered == length;
  }

  /** Number of disjoint intervals; for tests. */
  int intervalCount() {
    return intervals.size();
  }
}
