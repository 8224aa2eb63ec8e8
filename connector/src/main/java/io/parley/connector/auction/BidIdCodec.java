package io.parley.connector.auction;

import io.parley.protocols.ParleyException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A bid id as ring words, so the winner's party can share it and only the initiator opens it: one
 * length byte, the id's UTF-8 bytes (at most {@link #MAX_BYTES}) and zeros, 256 bytes in {@link
 * #WORDS} little-endian words. Every id has the same length on shares, whatever its own.
 */
final class BidIdCodec {
  /** The longest bid id in UTF-8 bytes: with its length byte it fills the 256 bytes exactly once. */
  static final int MAX_BYTES = 254;
  static final int WORDS = 32;
  private static final int BYTES = WORDS * Long.BYTES;

  private BidIdCodec() {}

  static long[] encode(byte[] id) {
    if (id.length > MAX_BYTES) {
      throw new ParleyException("a bid id has " + id.length + " bytes; at most " + MAX_BYTES + " are allowed");
    }
    ByteBuffer buffer = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.put((byte) id.length).put(id);
    buffer.rewind();
    long[] words = new long[WORDS];
    buffer.asLongBuffer().get(words);
    return words;
  }

  /** The id in {@code words[from, from + WORDS)}; refuses a length beyond the maximum or padding that is not zero. */
  static byte[] decode(long[] words, int from) {
    if (words.length - from < WORDS) {
      throw new ParleyException("the winning bid id arrived in " + (words.length - from) + " words, expected " + WORDS);
    }
    ByteBuffer buffer = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asLongBuffer().put(words, from, WORDS);
    int length = buffer.get(0) & 0xFF;
    if (length > MAX_BYTES) {
      throw new ParleyException("the winning bid id arrived malformed (length " + length + ")");
    }
    for (int k = 1 + length; k < BYTES; k++) {
      if (buffer.get(k) != 0) {
        throw new ParleyException("the winning bid id arrived malformed (padding is not zero)");
      }
    }
    byte[] id = new byte[length];
    buffer.get(1, id);
    return id;
  }
}
