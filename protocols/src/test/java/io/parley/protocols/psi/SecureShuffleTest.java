package io.parley.protocols.psi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.crypto.Drbg;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SecureShuffleTest {
  @Test
  void permutationIsAPermutationAndReproducible() {
    int[] first = SecureShuffle.permutation(1000, Drbg.seeded(11));
    int[] again = SecureShuffle.permutation(1000, Drbg.seeded(11));
    assertArrayEquals(first, again);
    int[] sorted = first.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertEquals(i, sorted[i]);
    }
    assertEquals(0, SecureShuffle.permutation(0, Drbg.seeded(1)).length);
  }

  @Test
  void everyOrderOfThreeIsAboutEquallyLikely() {
    SecureRandom random = Drbg.seeded(12);
    int[] counts = new int[6];
    int trials = 60_000;
    for (int t = 0; t < trials; t++) {
      Integer[] items = {0, 1, 2};
      SecureShuffle.shuffle(items, random);
      counts[items[0] * 2 + (items[1] > items[2] ? 1 : 0)]++;
    }
    // Each of the 6 orders expects 10,000; 5 standard deviations is about 450.
    for (int count : counts) {
      assertTrue(Math.abs(count - trials / 6) < 450, Arrays.toString(counts));
    }
  }
}
