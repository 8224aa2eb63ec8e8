package io.parley.protocols.ring;

import io.parley.protocols.ParleyException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Doubles as exact integers with {@code F} fractional bits: {@code x} is represented by the integer
 * nearest to {@code x * 2^F} (ties to even). Dyadic values with at most {@code F} fractional bits,
 * which includes every double when {@code F >= 1074}, are represented exactly, so sums of encodings
 * equal the encoding of the exact sum.
 */
public final class FixedPoint {
  private static final int SIGNIFICAND_BITS = 52;
  private static final int EXPONENT_BIAS = 1075; // bias 1023 plus the 52 significand bits
  private static final int DOUBLE_PRECISION = 53;
  private static final int MIN_SUBNORMAL_EXPONENT = -1074;

  /** Far beyond any use (every double is exact from 1074 on); keeps exponents in int range. */
  public static final int MAX_FRACTIONAL_BITS = 1 << 16;

  private FixedPoint() {}

  /**
   * The integer nearest to {@code value * 2^fractionalBits}, ties to even. Negative zero is 0.
   *
   * @throws ParleyException if {@code value} is NaN or infinite
   */
  public static BigInteger encode(double value, int fractionalBits) {
    checkFractionalBits(fractionalBits);
    if (Double.isNaN(value)) {
      throw new ParleyException(
          "NaN cannot be encoded as a fixed-point number; filter NaN values out of the input");
    }
    if (Double.isInfinite(value)) {
      throw new ParleyException(
          (value > 0 ? "+Infinity" : "-Infinity")
              + " cannot be encoded as a fixed-point number; filter infinite values out of the"
              + " input");
    }
    long bits = Double.doubleToRawLongBits(value);
    int biasedExponent = (int) ((bits >>> SIGNIFICAND_BITS) & 0x7FF);
    long significand = bits & ((1L << SIGNIFICAND_BITS) - 1);
    int exponent; // value = ±significand * 2^exponent
    if (biasedExponent == 0) {
      exponent = MIN_SUBNORMAL_EXPONENT;
    } else {
      significand |= 1L << SIGNIFICAND_BITS;
      exponent = biasedExponent - EXPONENT_BIAS;
    }
    long shift = (long) exponent + fractionalBits;
    BigInteger magnitude;
    if (shift >= 0) {
      magnitude = BigInteger.valueOf(significand).shiftLeft((int) shift);
    } else {
      magnitude = BigInteger.valueOf(roundHalfEvenShiftRight(significand, -shift));
    }
    return bits < 0 ? magnitude.negate() : magnitude;
  }

  /** The double nearest to {@code scaled / 2^fractionalBits} (ties to even; overflow to infinity). */
  public static double decode(BigInteger scaled, int fractionalBits) {
    checkFractionalBits(fractionalBits);
    int signum = scaled.signum();
    if (signum == 0) {
      return 0.0;
    }
    BigInteger magnitude = scaled.abs();
    int bitLength = magnitude.bitLength();
    // Drop the bits below the result's ulp: 53 significant bits, or fewer in the subnormal range.
    long dropped =
        Math.max(
            (long) bitLength - DOUBLE_PRECISION, (long) fractionalBits + MIN_SUBNORMAL_EXPONENT);
    long significand;
    if (dropped <= 0) {
      significand = magnitude.longValueExact();
      dropped = 0;
    } else {
      significand = roundHalfEvenShiftRight(magnitude, dropped);
    }
    // significand <= 2^53 is an exact double, and the result is representable (or overflows to
    // infinity), so scaling by a power of two rounds nothing.
    double result = Math.scalb((double) significand, (int) (dropped - fractionalBits));
    return signum < 0 ? -result : result;
  }

  /** {@code scaled / 2^fractionalBits} exactly, with scale {@code fractionalBits}. */
  public static BigDecimal toBigDecimal(BigInteger scaled, int fractionalBits) {
    checkFractionalBits(fractionalBits);
    // 2^-F = 5^F / 10^F
    return new BigDecimal(scaled.multiply(BigInteger.valueOf(5).pow(fractionalBits)), fractionalBits);
  }

  private static long roundHalfEvenShiftRight(long value, long shift) {
    if (shift > 62) {
      return 0; // value < 2^53, so value / 2^shift < 1/2
    }
    long quotient = value >>> shift;
    long remainder = value & ((1L << shift) - 1);
    long half = 1L << (shift - 1);
    if (remainder > half || (remainder == half && (quotient & 1) != 0)) {
      quotient++;
    }
    return quotient;
  }

  private static long roundHalfEvenShiftRight(BigInteger value, long shift) {
    if (shift > value.bitLength()) {
      return 0; // value / 2^shift < 1/2
    }
    int s = (int) shift;
    long quotient = value.shiftRight(s).longValueExact();
    boolean halfBit = value.testBit(s - 1);
    boolean belowHalf = value.getLowestSetBit() < s - 1;
    if (halfBit && (belowHalf || (quotient & 1) != 0)) {
      quotient++;
    }
    return quotient;
  }

  private static void checkFractionalBits(int fractionalBits) {
    if (fractionalBits < 0 || fractionalBits > MAX_FRACTIONAL_BITS) {
      throw new IllegalArgumentException(
          "fractional bits must be in 0.." + MAX_FRACTIONAL_BITS + ", got " + fractionalBits);
    }
  }
}
