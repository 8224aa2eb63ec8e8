package io.parley.connector.join;

import io.parley.protocols.ParleyException;
import java.nio.ByteBuffer;

/**
 * The small messages the two drivers of a private join exchange, sealed end to end through the
 * relay like every batch: a version byte, a type byte, then the body. Decoders check the version,
 * the type and every length and range, and name the peer when they refuse.
 *
 * <ul>
 *   <li>{@link Batches}: after a stage, the peer's minimum intersection (its policy) and the size of
 *       each batch it sent in that stage, so the other side runs one task per batch and checks it;
 *   <li>{@link Outcome}: the receiver's decision for a size or sum: released (with the size) or
 *       withheld because the intersection is below the larger minimum.
 * </ul>
 */
final class DriverMessages {
  private static final byte VERSION = 1;
  private static final byte BATCHES = 1;
  private static final byte OUTCOME = 2;
  /** More batches than any partitioning would use: a bound on what a peer can make us allocate. */
  static final int MAX_BATCHES = 1 << 20;

  private DriverMessages() {}

  /** Sizes of the batches a party sent in one stage, and its minimum intersection. */
  record Batches(long minIntersection, int[] sizes) {
    long total() {
      long total = 0;
      for (int size : sizes) {
        total += size;
      }
      return total;
    }

    /** The position of batch {@code batch}'s first element in the concatenation of all batches. */
    long[] offsets() {
      long[] offsets = new long[sizes.length];
      long running = 0;
      for (int b = 0; b < sizes.length; b++) {
        offsets[b] = running;
        running += sizes[b];
      }
      return offsets;
    }
  }

  /** The receiver's decision: released with {@code size}, or withheld (size -1). */
  record Outcome(boolean released, long size) {}

  static byte[] encode(Batches batches) {
    ByteBuffer out = ByteBuffer.allocate(2 + 8 + 4 + 4 * batches.sizes().length);
    out.put(VERSION).put(BATCHES).putLong(batches.minIntersection()).putInt(batches.sizes().length);
    for (int size : batches.sizes()) {
      out.putInt(size);
    }
    return out.array();
  }

  static Batches decodeBatches(byte[] message, String peer) {
    ByteBuffer in = open(message, BATCHES, peer, 14);
    long minIntersection = in.getLong();
    int count = in.getInt();
    if (count < 0 || count > MAX_BATCHES || in.remaining() != 4L * count) {
      throw malformed(peer, "declares " + count + " batches in " + message.length + " bytes");
    }
    if (minIntersection < 0) {
      throw malformed(peer, "has a negative minimum intersection");
    }
    int[] sizes = new int[count];
    for (int b = 0; b < count; b++) {
      sizes[b] = in.getInt();
      if (sizes[b] < 0) {
        throw malformed(peer, "has a batch of negative size");
      }
    }
    return new Batches(minIntersection, sizes);
  }

  static byte[] encode(Outcome outcome) {
    return ByteBuffer.allocate(11).put(VERSION).put(OUTCOME).put((byte) (outcome.released() ? 1 : 0))
        .putLong(outcome.released() ? outcome.size() : -1).array();
  }

  static Outcome decodeOutcome(byte[] message, String peer) {
    ByteBuffer in = open(message, OUTCOME, peer, 11);
    if (in.remaining() != 9) {
      throw malformed(peer, "has " + message.length + " bytes, not 11");
    }
    byte released = in.get();
    long size = in.getLong();
    if (released == 1 && size >= 0) {
      return new Outcome(true, size);
    }
    if (released == 0 && size == -1) {
      return new Outcome(false, -1);
    }
    throw malformed(peer, "is neither a release with a size nor a refusal");
  }

  private static ByteBuffer open(byte[] message, byte type, String peer, int minimumBytes) {
    if (message.length < minimumBytes) {
      throw malformed(peer, "has " + message.length + " bytes");
    }
    ByteBuffer in = ByteBuffer.wrap(message);
    byte version = in.get();
    if (version != VERSION) {
      throw malformed(peer, "has version " + version + ", not " + VERSION);
    }
    byte actual = in.get();
    if (actual != type) {
      throw malformed(peer, "has type " + actual + " where type " + type + " was due");
    }
    return in;
  }

  private static ParleyException malformed(String peer, String problem) {
    return new ParleyException("private join: a driver message from party " + peer + " " + problem + "; refusing it");
  }
}
