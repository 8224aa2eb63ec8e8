package io.parley.protocols.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class FixedPointTest {
  private static final int[] FRACTIONAL_BITS = {0, 1, 16, 52, 64, 1074, 1100};

  /** The reference: exact decimal arithmetic, rounded half-even. */
  private static BigInteger referenceEncode(double value, int fractionalBits) {
    return new BigDecimal(value)
        .multiply(new BigDecimal(BigInteger.TWO.pow(fractionalBits)))
        .setScale(0, RoundingMode.HALF_EVEN)
        .toBigIntegerExact();
  }

  private static double randomDouble(SecureRandom random) {
    double value;
    do {
      value = Double.longBitsToDouble(random.nextLong());
    } while (Double.isNaN(value) || Double.isInfinite(value));
    return value;
  }

  @Test
  void encodeMatchesExactReference() {
    SecureRandom random = Drbg.seeded(1);
    for (int bits : FRACTIONAL_BITS) {
      for (int i = 0; i < 300; i++) {
        double value = i % 2 == 0 ? randomDouble(random) : random.nextGaussian() * Math.pow(2, random.nextInt(80) - 40);
        assertEquals(referenceEncode(value, bits), FixedPoint.encode(value, bits), value + " at F=" + bits);
      }
    }
  }

  @Test
  void roundsHalfToEven() {
    assertEquals(BigInteger.valueOf(0), FixedPoint.encode(0.5, 0));
    assertEquals(BigInteger.valueOf(2), FixedPoint.encode(1.5, 0));
    assertEquals(BigInteger.valueOf(2), FixedPoint.encode(2.5, 0));
    assertEquals(BigInteger.valueOf(-2), FixedPoint.encode(-2.5, 0));
    assertEquals(BigInteger.valueOf(3), FixedPoint.encode(2.75, 0));
    assertEquals(BigInteger.valueOf(1), FixedPoint.encode(0.3, 2)); // 1.2 -> 1
    assertEquals(BigInteger.ZERO, FixedPoint.encode(Double.MIN_VALUE, 64));
  }

  @Test
  void dyadicValuesAreExactAndRoundTrip() {
    SecureRandom random = Drbg.seeded(2);
    for (int i = 0; i < 1000; i++) {
      double value = randomDouble(random);
      BigInteger scaled = FixedPoint.encode(value, 1074);
      assertEquals(value, FixedPoint.decode(scaled, 1074));
      assertEquals(new BigDecimal(value).compareTo(FixedPoint.toBigDecimal(scaled, 1074)), 0);
    }
    for (double value : new double[] {0.25, -1024.5, 3.0, 123456.0625, 0.0078125, 0x1p-16}) {
      BigInteger scaled = FixedPoint.encode(value, 16);
      assertEquals(BigInteger.valueOf((long) (value * 65536)), scaled);
      assertEquals(value, FixedPoint.decode(scaled, 16));
      assertEquals(0, new BigDecimal(value).compareTo(FixedPoint.toBigDecimal(scaled, 16)));
    }
  }

  @Test
  void roundTripsAtSixtyFourBitsWithinHalfAnUlpOfTheScale() {
    SecureRandom random = Drbg.seeded(3);
    for (int i = 0; i < 1000; i++) {
      double value = random.nextGaussian() * Math.pow(10, random.nextInt(24) - 6);
      double decoded = FixedPoint.decode(FixedPoint.encode(value, 64), 64);
      // Values with magnitude >= 2^-11 keep all 53 bits at F = 64; smaller ones are off by at most
    // half a unit of 2^-64 after encoding, and decoding only moves closer to the encoded value.
      if (Math.abs(value) >= 0x1p-11) {
        assertEquals(value, decoded);
      } else {
        assertTrue(Math.abs(value - decoded) <= 0x1p-64, value + " -> " + decoded);
      }
    }
  }

  @Test
  void sumsOfEncodingsEqualEncodingOfExactSum() {
    SecureRandom random = Drbg.seeded(4);
    int bits = 64;
    BigInteger encodedSum = BigInteger.ZERO;
    BigDecimal exactSum = BigDecimal.ZERO;
    for (int i = 0; i < 2000; i++) {
      // Dyadic values with at most 64 fractional bits: encoding them is exact.
      double value = Math.scalb((double) (random.nextLong() >> 11), random.nextInt(100) - 64);
      encodedSum = encodedSum.add(FixedPoint.encode(value, bits));
      exactSum = exactSum.add(new BigDecimal(value));
    }
    assertEquals(0, FixedPoint.toBigDecimal(encodedSum, bits).compareTo(exactSum));
    assertEquals(exactSum.doubleValue(), FixedPoint.decode(encodedSum, bits));
  }

  @Test
  void decodeIsCorrectlyRounded() {
    SecureRandom random = Drbg.seeded(5);
    for (int bits : FRACTIONAL_BITS) {
      for (int i = 0; i < 300; i++) {
        BigInteger scaled = new BigInteger(1 + random.nextInt(1200), random);
        if (random.nextBoolean()) {
          scaled = scaled.negate();
        }
        double expected = FixedPoint.toBigDecimal(scaled, bits).doubleValue(); // correctly rounded
        assertEquals(expected, FixedPoint.decode(scaled, bits), scaled + " at F=" + bits);
      }
    }
    // Exact ties between two doubles go to the even significand.
    BigInteger tieDown = BigInteger.ONE.shiftLeft(53).add(BigInteger.ONE); // 2^53 + 1
    assertEquals(0x1p53, FixedPoint.decode(tieDown, 0));
    BigInteger tieUp = BigInteger.ONE.shiftLeft(53).add(BigInteger.valueOf(3));
    assertEquals(0x1p53 + 4, FixedPoint.decode(tieUp, 0));
  }

  @Test
  void tinyAndHugeValues() {
    assertEquals(Double.MIN_VALUE, FixedPoint.decode(FixedPoint.encode(Double.MIN_VALUE, 1074), 1074));
    assertEquals(Double.MAX_VALUE, FixedPoint.decode(FixedPoint.encode(Double.MAX_VALUE, 64), 64));
    assertEquals(-Double.MAX_VALUE, FixedPoint.decode(FixedPoint.encode(-Double.MAX_VALUE, 0), 0));
    // Subnormal results round once, correctly.
    assertEquals(2 * Double.MIN_VALUE, FixedPoint.decode(BigInteger.valueOf(3), 1075)); // 1.5: tie to 2
    assertEquals(2 * Double.MIN_VALUE, FixedPoint.decode(BigInteger.valueOf(5), 1075)); // 2.5: tie to 2
    assertEquals(0.0, FixedPoint.decode(BigInteger.ONE, 1075)); // 0.5: tie to 0
    assertEquals(Double.MIN_VALUE, FixedPoint.decode(BigInteger.valueOf(3), 1076)); // 0.75: up to 1
    // Beyond the largest double: infinity.
    assertEquals(Double.POSITIVE_INFINITY, FixedPoint.decode(BigInteger.ONE.shiftLeft(1024), 0));
    assertEquals(Double.NEGATIVE_INFINITY, FixedPoint.decode(BigInteger.ONE.shiftLeft(1100).negate(), 64));
    assertEquals(0x1p1000, FixedPoint.decode(BigInteger.ONE.shiftLeft(1100), 100));
  }

  @Test
  void negativeZeroEncodesAsZero() {
    assertEquals(BigInteger.ZERO, FixedPoint.encode(-0.0, 64));
    assertEquals(BigInteger.ZERO, FixedPoint.encode(0.0, 64));
    assertEquals(0.0, FixedPoint.decode(BigInteger.ZERO, 64));
    assertEquals(0, Double.compare(0.0, FixedPoint.decode(BigInteger.ZERO, 64)));
  }

  @Test
  void toBigDecimalIsExact() {
    assertEquals(new BigDecimal("0.5"), FixedPoint.toBigDecimal(BigInteger.ONE, 1));
    assertEquals(new BigDecimal("-0.0625"), FixedPoint.toBigDecimal(BigInteger.valueOf(-1), 4));
    assertEquals(new BigDecimal("12"), FixedPoint.toBigDecimal(BigInteger.valueOf(12), 0));
    BigDecimal tiny = FixedPoint.toBigDecimal(BigInteger.ONE, 64);
    assertEquals(0, tiny.multiply(new BigDecimal(BigInteger.TWO.pow(64))).compareTo(BigDecimal.ONE));
  }

  @Test
  void rejectsNanAndInfinityNamingWhich() {
    ParleyException nan = assertThrows(ParleyException.class, () -> FixedPoint.encode(Double.NaN, 64));
    assertTrue(nan.getMessage().startsWith("NaN"), nan.getMessage());
    ParleyException plus =
        assertThrows(ParleyException.class, () -> FixedPoint.encode(Double.POSITIVE_INFINITY, 64));
    assertTrue(plus.getMessage().startsWith("+Infinity"), plus.getMessage());
    ParleyException minus =
        assertThrows(ParleyException.class, () -> FixedPoint.encode(Double.NEGATIVE_INFINITY, 64));
    assertTrue(minus.getMessage().startsWith("-Infinity"), minus.getMessage());
    assertThrows(IllegalArgumentException.class, () -> FixedPoint.encode(1.0, -1));
  }
}
