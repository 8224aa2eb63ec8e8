package io.parley.protocols.ring;

import io.parley.protocols.ParleyException;
import java.math.BigInteger;
import java.util.Objects;

/**
 * Signed integers in {@code L} ring words of Z/2^64, laid out so that word-wise sums decode exactly.
 * Words {@code 0..L-2} hold the 32-bit unsigned limbs of {@code v}, least significant first; word
 * {@code L-1} holds the signed rest {@code v >> 32(L-1)}, which must fit in a signed 32-bit value.
 * Adding up to 2^31 encodings word by word (mod 2^64, as the coordinator does) cannot carry out of
 * any word: lower words stay below 2^63, the top word within [-2^62, 2^62). So {@code L} words hold
 * any value of at most {@code 32 L} bits including the sign.
 */
public final class Limbs {
  /** Most encodings one decodable sum may contain. */
  public static final long MAX_ADDENDS = 1L << 31;

  private static final int LIMB_BITS = 32;
  private static final long LIMB_MASK = 0xFFFF_FFFFL;

  private Limbs() {}

  /** Words needed for a signed value of {@code bits} bits, sign included: {@code ceil(bits/32)}. */
  public static int wordsFor(int bits) {
    if (bits < 1) {
      throw new IllegalArgumentException("a signed value needs at least 1 bit, got " + bits);
    }
    return (bits + LIMB_BITS - 1) / LIMB_BITS;
  }

  /**
   * Encodes {@code value} into {@code out[offset .. offset + words)}.
   *
   * @throws ParleyException if {@code value} needs more than {@code 32 words} bits with its sign
   */
  public static void encode(BigInteger value, long[] out, int offset, int words) {
    checkWords(words);
    Objects.checkFromIndexSize(offset, words, out.length);
    int capacityBits = LIMB_BITS * words;
    if (value.bitLength() >= capacityBits) {
      throw new ParleyException(
          "a value of "
              + (value.bitLength() + 1)
              + " bits (with sign) does not fit in "
              + words
              + " ring words, which hold at most "
              + capacityBits
              + " bits; declare a wider statistic");
    }
    if (value.bitLength() < Long.SIZE) {
      encode(value.longValue(), out, offset, words);
      return;
    }
    for (int i = 0; i < words - 1; i++) {
      out[offset + i] = value.shiftRight(LIMB_BITS * i).longValue() & LIMB_MASK;
    }
    out[offset + words - 1] = value.shiftRight(LIMB_BITS * (words - 1)).intValue();
  }

  /**
   * Encodes {@code value} without BigInteger.
   *
   * @throws ParleyException if {@code words == 1} and {@code value} does not fit in 32 signed bits
   */
  public static void encode(long value, long[] out, int offset, int words) {
    checkWords(words);
    Objects.checkFromIndexSize(offset, words, out.length);
    if (words == 1) {
      if (value != (int) value) {
        throw new ParleyException(
            "a value of "
                + (65 - Long.numberOfLeadingZeros(value < 0 ? ~value : value))
                + " bits (with sign) does not fit in 1 ring word, which holds at most 32 bits;"
                + " declare a wider statistic");
      }
      out[offset] = value;
      return;
    }
    out[offset] = value & LIMB_MASK;
    out[offset + 1] = words == 2 ? value >> LIMB_BITS : (value >> LIMB_BITS) & LIMB_MASK;
    // Beyond bit 63 a long is all sign: limbs of 0 or 0xFFFFFFFF, and a top word of 0 or -1.
    long sign = value >> 63;
    for (int i = 2; i < words - 1; i++) {
      out[offset + i] = sign & LIMB_MASK;
    }
    if (words > 2) {
      out[offset + words - 1] = sign;
    }
  }

  /**
   * Decodes a word-wise sum of at most {@link #MAX_ADDENDS} encodings of the same width.
   *
   * @throws ParleyException if a lower word is negative: then {@code in} is no such sum (for
   *     example, a mask was not removed)
   */
  public static BigInteger decode(long[] in, int offset, int words) {
    checkWords(words);
    Objects.checkFromIndexSize(offset, words, in.length);
    for (int i = 0; i < words - 1; i++) {
      if (in[offset + i] < 0) {
        throw new ParleyException(
            "ring word "
                + i
                + " of a "
                + words
                + "-word value is out of range, so it is not a sum of encodings"
                + " (a mask was not removed, or more than 2^31 values were added)");
      }
    }
    long top = in[offset + words - 1];
    if (words == 1) {
      return BigInteger.valueOf(top);
    }
    if (words == 2 && top == (int) top) {
      // The common case (counts): top * 2^32 + low in a long, unless that overflows.
      long shifted = top << LIMB_BITS;
      long sum = shifted + in[offset];
      if (shifted < 0 || sum >= 0) {
        return BigInteger.valueOf(sum);
      }
    }
    BigInteger value = BigInteger.valueOf(top);
    for (int i = words - 2; i >= 0; i--) {
      value = value.shiftLeft(LIMB_BITS).add(BigInteger.valueOf(in[offset + i]));
    }
    return value;
  }

  private static void checkWords(int words) {
    if (words < 1) {
      throw new IllegalArgumentException("a ring encoding needs at least 1 word, got " + words);
    }
  }
}
