package io.parley.protocols.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LimbsTest {
  private static final BigInteger TWO = BigInteger.TWO;

  private static BigInteger maxFor(int words) {
    return TWO.pow(32 * words - 1).subtract(BigInteger.ONE);
  }

  private static BigInteger minFor(int words) {
    return TWO.pow(32 * words - 1).negate();
  }

  private static long[] encode(BigInteger value, int words) {
    long[] out = new long[words];
    Limbs.encode(value, out, 0, words);
    return out;
  }

  @Test
  void wordsFor() {
    assertEquals(1, Limbs.wordsFor(1));
    assertEquals(1, Limbs.wordsFor(32));
    assertEquals(2, Limbs.wordsFor(33));
    assertEquals(2, Limbs.wordsFor(64));
    assertEquals(3, Limbs.wordsFor(65));
    assertThrows(IllegalArgumentException.class, () -> Limbs.wordsFor(0));
  }

  @Test
  void layoutIsLimbsThenSignedRest() {
    assertArrayEquals(new long[] {0xFFFF_FFFFL, 0xFFFF_FFFFL, -1}, encode(BigInteger.ONE.negate(), 3));
    assertArrayEquals(new long[] {5, 0, 0}, encode(BigInteger.valueOf(5), 3));
    assertArrayEquals(
        new long[] {0x9ABC_DEF0L, 0x1234_5678L, 1},
        encode(new BigInteger("1123456789ABCDEF0", 16), 3));
    long[] viaLong = new long[2];
    Limbs.encode(Long.MIN_VALUE, viaLong, 0, 2);
    assertArrayEquals(new long[] {0, Integer.MIN_VALUE}, viaLong);
  }

  @Test
  void roundTripsRandomValuesAndExtremes() {
    SecureRandom random = Drbg.seeded(1);
    for (int words = 1; words <= 6; words++) {
      List<BigInteger> values = new ArrayList<>(List.of(
          BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE.negate(), maxFor(words), minFor(words)));
      for (int i = 0; i < 200; i++) {
        BigInteger magnitude = new BigInteger(1 + random.nextInt(32 * words - 1), random);
        values.add(random.nextBoolean() ? magnitude : magnitude.negate());
      }
      for (BigInteger value : values) {
        long[] out = new long[words + 2];
        Limbs.encode(value, out, 1, words);
        assertEquals(value, Limbs.decode(out, 1, words), value + " in " + words + " words");
        assertEquals(0, out[0]);
        assertEquals(0, out[words + 1]);
      }
    }
  }

  @Test
  void longFastPathMatchesBigInteger() {
    SecureRandom random = Drbg.seeded(2);
    long[] samples = new long[1000];
    samples[0] = Long.MIN_VALUE;
    samples[1] = Long.MAX_VALUE;
    samples[2] = Integer.MIN_VALUE;
    samples[3] = Integer.MAX_VALUE;
    samples[4] = -1;
    for (int i = 5; i < samples.length; i++) {
      samples[i] = random.nextLong() >> random.nextInt(64);
    }
    for (int words = 2; words <= 6; words++) {
      for (long value : samples) {
        long[] fast = new long[words];
        Limbs.encode(value, fast, 0, words);
        assertArrayEquals(encode(BigInteger.valueOf(value), words), fast, value + " in " + words);
      }
    }
    long[] one = new long[1];
    Limbs.encode(Integer.MIN_VALUE, one, 0, 1);
    assertEquals(Integer.MIN_VALUE, Limbs.decode(one, 0, 1).longValueExact());
  }

  @Test
  void sumsOfManyEncodingsDecodeExactly() {
    SecureRandom random = Drbg.seeded(3);
    for (int words = 1; words <= 5; words++) {
      long[] sum = new long[words];
      BigInteger expected = BigInteger.ZERO;
      for (int i = 0; i < 5000; i++) {
        BigInteger value;
        switch (i % 4) {
          case 0 -> value = maxFor(words);
          case 1 -> value = minFor(words);
          default -> {
            BigInteger magnitude = new BigInteger(32 * words - 1, random);
            value = random.nextBoolean() ? magnitude : magnitude.negate().subtract(BigInteger.ONE);
          }
        }
        long[] encoded = encode(value, words);
        for (int w = 0; w < words; w++) {
          sum[w] += encoded[w];
        }
        expected = expected.add(value);
      }
      assertEquals(expected, Limbs.decode(sum, 0, words), words + " words");
    }
  }

  /** The worst case the layout promises: 2^31 copies of an extreme, simulated by multiplying. */
  @Test
  void twoToTheThirtyOneExtremesDecode() {
    long count = Limbs.MAX_ADDENDS;
    for (int words = 1; words <= 4; words++) {
      for (BigInteger extreme : new BigInteger[] {maxFor(words), minFor(words), BigInteger.ONE.negate()}) {
        long[] encoded = encode(extreme, words);
        long[] sum = new long[words];
        for (int w = 0; w < words; w++) {
          sum[w] = encoded[w] * count; // 2^31 additions of the same word, mod 2^64
        }
        assertEquals(extreme.multiply(BigInteger.valueOf(count)), Limbs.decode(sum, 0, words));
      }
    }
  }

  @Test
  void rejectsValuesThatJustDoNotFitNamingTheirBitLength() {
    for (int words = 1; words <= 4; words++) {
      int size = words;
      ParleyException tooBig =
          assertThrows(ParleyException.class, () -> encode(maxFor(size).add(BigInteger.ONE), size));
      assertTrue(tooBig.getMessage().contains((32 * words + 1) + " bits"), tooBig.getMessage());
      assertThrows(ParleyException.class, () -> encode(minFor(size).subtract(BigInteger.ONE), size));
    }
    ParleyException viaLong =
        assertThrows(ParleyException.class, () -> Limbs.encode(1L << 31, new long[1], 0, 1));
    assertTrue(viaLong.getMessage().contains("33 bits"), viaLong.getMessage());
    assertThrows(ParleyException.class, () -> Limbs.encode(-(1L << 31) - 1, new long[1], 0, 1));
  }

  @Test
  void rejectsSumsWithNegativeLowerWords() {
    ParleyException e =
        assertThrows(ParleyException.class, () -> Limbs.decode(new long[] {-5, 0, 1}, 0, 3));
    assertTrue(e.getMessage().contains("word 0"), e.getMessage());
    assertEquals(BigInteger.valueOf(-5), Limbs.decode(new long[] {-5}, 0, 1));
  }

  @Test
  void checksBounds() {
    assertThrows(IndexOutOfBoundsException.class, () -> Limbs.encode(1L, new long[3], 2, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> Limbs.decode(new long[3], 2, 2));
    assertThrows(IllegalArgumentException.class, () -> Limbs.encode(1L, new long[3], 0, 0));
  }
}
