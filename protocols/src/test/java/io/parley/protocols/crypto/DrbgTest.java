package io.parley.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DrbgTest {
  private static byte[] draw(SecureRandom random, int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  @Test
  void seededIsReproducible() {
    SecureRandom first = Drbg.seeded(42);
    SecureRandom second = Drbg.seeded(42);
    assertArrayEquals(draw(first, 100), draw(second, 100));
    assertEquals(first.nextLong(), second.nextLong());
    assertEquals(first.nextInt(1000), second.nextInt(1000));
    assertArrayEquals(draw(Drbg.seeded(new byte[] {1, 2})), draw(Drbg.seeded(new byte[] {1, 2})));
  }

  private static byte[] draw(SecureRandom random) {
    return draw(random, 32);
  }

  @Test
  void differentSeedsDiffer() {
    assertFalse(Arrays.equals(draw(Drbg.seeded(1)), draw(Drbg.seeded(2))));
    assertFalse(Arrays.equals(draw(Drbg.seeded(new byte[] {1})), draw(Drbg.seeded(new byte[] {1, 0}))));
  }

  @Test
  void splittingDrawsDoesNotChangeTheStream() {
    SecureRandom whole = Drbg.seeded(3);
    SecureRandom pieces = Drbg.seeded(3);
    byte[] expected = draw(whole, 45);
    byte[] actual = new byte[45];
    System.arraycopy(draw(pieces, 7), 0, actual, 0, 7);
    System.arraycopy(draw(pieces, 20), 0, actual, 7, 20);
    System.arraycopy(draw(pieces, 18), 0, actual, 27, 18);
    assertArrayEquals(expected, actual);
  }

  @Test
  void setSeedKeepsItDeterministic() {
    SecureRandom first = Drbg.seeded(4);
    SecureRandom second = Drbg.seeded(4);
    first.setSeed("more".getBytes(StandardCharsets.UTF_8));
    second.setSeed("more".getBytes(StandardCharsets.UTF_8));
    byte[] afterSeed = draw(first);
    assertArrayEquals(afterSeed, draw(second));
    assertFalse(Arrays.equals(afterSeed, draw(Drbg.seeded(4))));
    first.setSeed(99L);
    second.setSeed(99L);
    assertArrayEquals(draw(first), draw(second));
    assertArrayEquals(first.generateSeed(16), second.generateSeed(16));
  }

  @Test
  void strongProducesVaryingBytes() {
    SecureRandom strong = Drbg.strong();
    assertNotNull(strong);
    assertFalse(Arrays.equals(draw(strong), draw(strong)));
  }
}
