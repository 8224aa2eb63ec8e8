package io.parley.protocols.ring;

import io.parley.protocols.ParleyException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;

/**
 * Vectors of ring elements in Z/2^64 ({@code long}, wrap-around is the reduction) and their wire
 * form: little-endian 64-bit words, as in {@code VectorChunk.values} and {@code SumResult.values}.
 */
public final class RingVectors {
  private static final VarHandle LITTLE_ENDIAN_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private RingVectors() {}

  /** {@code values[offset .. offset+length)} as little-endian 64-bit words. */
  public static byte[] toBytes(long[] values, int offset, int length) {
    checkRange(values.length, offset, length);
    byte[] bytes = new byte[Math.multiplyExact(length, Long.BYTES)];
    for (int i = 0; i < length; i++) {
      LITTLE_ENDIAN_LONGS.set(bytes, i * Long.BYTES, values[offset + i]);
    }
    return bytes;
  }

  /** The words of {@code bytes}; its length must be a multiple of 8. */
  public static long[] fromBytes(byte[] bytes) {
    checkWords(bytes.length);
    long[] values = new long[bytes.length / Long.BYTES];
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) LITTLE_ENDIAN_LONGS.get(bytes, i * Long.BYTES);
    }
    return values;
  }

  /** Adds the little-endian words of {@code values} into {@code accumulator[offset ..]}, mod 2^64. */
  public static void addInto(long[] accumulator, int offset, byte[] littleEndianValues) {
    checkWords(littleEndianValues.length);
    int count = littleEndianValues.length / Long.BYTES;
    checkRange(accumulator.length, offset, count);
    for (int i = 0; i < count; i++) {
      accumulator[offset + i] += (long) LITTLE_ENDIAN_LONGS.get(littleEndianValues, i * Long.BYTES);
    }
  }

  /**
   * Adds the little-endian words remaining in {@code values} into {@code accumulator[offset ..]},
   * mod 2^64, without copying them first (a received protobuf {@code bytes} field's view).
   */
  public static void addInto(long[] accumulator, int offset, ByteBuffer values) {
    checkWords(values.remaining());
    LongBuffer words = values.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
    int count = words.remaining();
    checkRange(accumulator.length, offset, count);
    for (int i = 0; i < count; i++) {
      accumulator[offset + i] += words.get(i);
    }
  }

  /** {@code into[i] += values[i]} mod 2^64; the arrays must have the same length. */
  public static void add(long[] into, long[] values) {
    checkSameLength(into, values);
    for (int i = 0; i < into.length; i++) {
      into[i] += values[i];
    }
  }

  /** {@code into[i] -= values[i]} mod 2^64; the arrays must have the same length. */
  public static void subtract(long[] into, long[] values) {
    checkSameLength(into, values);
    for (int i = 0; i < into.length; i++) {
      into[i] -= values[i];
    }
  }

  private static void checkWords(int byteLength) {
    if (byteLength % Long.BYTES != 0) {
      throw new ParleyException(
          "a ring vector of " + byteLength + " bytes is not a whole number of 64-bit words");
    }
  }

  private static void checkRange(int arrayLength, int offset, int length) {
    if (offset < 0 || length < 0 || offset > arrayLength - length) {
      throw new ParleyException(
          "ring vector range [" + offset + ", " + offset + "+" + length + ") is outside a vector of "
              + arrayLength + " elements");
    }
  }

  private static void checkSameLength(long[] into, long[] values) {
    if (into.length != values.length) {
      throw new ParleyException(
          "ring vectors of different lengths: " + into.length + " and " + values.length);
    }
  }
}
