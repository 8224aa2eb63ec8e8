package io.parley.protocols.mpc;

import static io.parley.protocols.mpc.ThreeParties.agreed;
import static io.parley.protocols.mpc.ThreeParties.input;
import static io.parley.protocols.mpc.ThreeParties.openAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.crypto.Drbg;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArithmeticSharingTest {
  /** Fractional bits of the fixed-point tests. */
  private static final int FRACTION = 16;
  /** Products stay below 2^40 in the truncation tests: failure probability 2^-23 per element. */
  private static final long FIXED_POINT_LIMIT = 1L << 40;

  static final long[] EDGES = {
    0, 1, -1, 2, -2, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1,
    1L << 32, -(1L << 32), 1L << 62, -(1L << 62), 0x5555_5555_5555_5555L, 0xAAAA_AAAA_AAAA_AAAAL
  };

  static long[] random(long seed, int n) {
    Random random = new Random(seed);
    long[] values = new long[n];
    for (int k = 0; k < n; k++) {
      values[k] = random.nextLong();
    }
    return values;
  }

  /** Every pair of edge values, as two columns. */
  static long[][] edgePairs() {
    int n = EDGES.length;
    long[] a = new long[n * n];
    long[] b = new long[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        a[i * n + j] = EDGES[i];
        b[i * n + j] = EDGES[j];
      }
    }
    return new long[][] {a, b};
  }

  @Test
  void inputFromEachOwnerOpensToItsValues() {
    long[] values = random(1, 300);
    for (int owner = 0; owner < 3; owner++) {
      int from = owner;
      long[] opened = agreed(ThreeParties.run(10 + owner, p -> openAll(p, input(p, from, values))));
      assertArrayEquals(values, opened, "input from party " + owner);
      long[] edges = agreed(ThreeParties.run(20 + owner, p -> openAll(p, input(p, from, EDGES))));
      assertArrayEquals(EDGES, edges);
    }
  }

  @Test
  void sharesOfAnOutsideOwnerOpenToItsValues() {
    long[] values = random(2, 100);
    ArithmeticShares[] split =
        ReplicatedParty.splitForComputeParties(values, Drbg.seeded(3));
    long[] opened = agreed(ThreeParties.run(4, p -> openAll(p, split[p.partyId()])));
    assertArrayEquals(values, opened);
    // Each compute party's pair alone says nothing: it is two independent uniform words.
    assertFalse(java.util.Arrays.equals(values, split[0].own()));
  }

  @Test
  void linearOperationsMatchPlaintext() {
    long[][] pairs = edgePairs();
    long[] a = pairs[0];
    long[] b = pairs[1];
    long[] constants = random(5, a.length);
    List<long[][]> results =
        ThreeParties.run(
            6,
            p -> {
              ArithmeticShares x = input(p, 0, a);
              ArithmeticShares y = input(p, 1, b);
              return new long[][] {
                openAll(p, p.add(x, y)),
                openAll(p, p.subtract(x, y)),
                openAll(p, p.negate(x)),
                openAll(p, p.addPublic(x, Long.MIN_VALUE)),
                openAll(p, p.addPublic(x, constants)),
                openAll(p, p.multiplyPublic(x, -3)),
                openAll(p, p.multiplyPublic(x, constants)),
                openAll(p, p.publicValues(b))
              };
            });
    long[][] opened = results.get(0);
    for (int k = 0; k < a.length; k++) {
      assertEquals(a[k] + b[k], opened[0][k]);
      assertEquals(a[k] - b[k], opened[1][k]);
      assertEquals(-a[k], opened[2][k]);
      assertEquals(a[k] + Long.MIN_VALUE, opened[3][k]);
      assertEquals(a[k] + constants[k], opened[4][k]);
      assertEquals(a[k] * -3, opened[5][k]);
      assertEquals(a[k] * constants[k], opened[6][k]);
      assertEquals(b[k], opened[7][k]);
    }
  }

  @Test
  void multiplicationMatchesPlaintextOnEdgesAndRandomValues() {
    long[][] pairs = edgePairs();
    long[] a = concat(pairs[0], random(7, 2000));
    long[] b = concat(pairs[1], random(8, 2000));
    long[] opened =
        agreed(
            ThreeParties.run(9, p -> openAll(p, p.multiply(input(p, 2, a), input(p, 1, b)))));
    for (int k = 0; k < a.length; k++) {
      assertEquals(a[k] * b[k], opened[k], "element " + k);
    }
  }

  @Test
  void chainedMultiplicationsStayCorrect() {
    long[] a = random(10, 500);
    long[] opened =
        agreed(
            ThreeParties.run(
                11,
                p -> {
                  ArithmeticShares x = input(p, 0, a);
                  ArithmeticShares power = x;
                  for (int i = 0; i < 4; i++) {
                    power = p.multiply(power, x);
                  }
                  return openAll(p, power);
                }));
    for (int k = 0; k < a.length; k++) {
      assertEquals(a[k] * a[k] * a[k] * a[k] * a[k], opened[k]);
    }
  }

  @Test
  void truncationIsWithinOneOfTheFloorAcrossTheFixedPointRange() {
    long limit = FIXED_POINT_LIMIT - 1;
    long[] edges = {0, 1, -1, (1L << FRACTION) - 1, 1L << FRACTION, -(1L << FRACTION), limit,
        -limit, limit - 1, -limit + 1, 12345L << FRACTION, -(12345L << FRACTION) - 7};
    Random random = new Random(12);
    long[] randomValues = new long[3000];
    for (int k = 0; k < randomValues.length; k++) {
      randomValues[k] = random.nextLong() % FIXED_POINT_LIMIT;
    }
    long[] values = concat(edges, randomValues);
    long[] opened =
        agreed(
            ThreeParties.run(13, p -> openAll(p, p.truncate(input(p, 1, values), FRACTION))));
    for (int k = 0; k < values.length; k++) {
      long floor = Math.floorDiv(values[k], 1L << FRACTION);
      long error = opened[k] - floor;
      assertTrue(error == 0 || error == 1, "element " + k + ": " + values[k] + " -> " + opened[k]);
    }
  }

  @Test
  void fixedPointProductsMatchDoubles() {
    double[] x = {0, 1, -1, 0.5, -0.25, 3.75, -1000.125, 0.0001, 1023.99, -1023.99};
    double[] y = {7, -1, -1, 0.5, 4, -2.5, 0.001, 10000, 1023.99, 1023.99};
    long[] a = new long[x.length];
    long[] b = new long[y.length];
    for (int k = 0; k < x.length; k++) {
      a[k] = Math.round(x[k] * (1 << FRACTION));
      b[k] = Math.round(y[k] * (1 << FRACTION));
    }
    long[] opened =
        agreed(
            ThreeParties.run(
                14,
                p -> openAll(p, p.multiplyFixedPoint(input(p, 0, a), input(p, 2, b), FRACTION))));
    for (int k = 0; k < x.length; k++) {
      double expected = (double) a[k] * b[k] / (1L << (2 * FRACTION));
      double actual = (double) opened[k] / (1 << FRACTION);
      assertEquals(expected, actual, 2.0 / (1 << FRACTION), "element " + k);
    }
  }

  @Test
  void revealGoesToTheChosenPartiesOnly() {
    long[] values = random(15, 64);
    List<Optional<long[]>> toOne =
        ThreeParties.run(16, p -> p.reveal(input(p, 0, values), 1));
    assertFalse(toOne.get(0).isPresent());
    assertArrayEquals(values, toOne.get(1).orElseThrow());
    assertFalse(toOne.get(2).isPresent());
    List<Optional<long[]>> toTwo =
        ThreeParties.run(17, p -> p.reveal(input(p, 1, values), 2, 0));
    assertArrayEquals(values, toTwo.get(0).orElseThrow());
    assertFalse(toTwo.get(1).isPresent());
    assertArrayEquals(values, toTwo.get(2).orElseThrow());
  }

  @Test
  void emptyBatchesWork() {
    long[] opened =
        agreed(
            ThreeParties.run(
                18, p -> openAll(p, p.multiply(input(p, 0, new long[0]), input(p, 1, new long[0])))));
    assertEquals(0, opened.length);
  }

  @Test
  void runsFromDifferentCorrelationWordsStillAgree() {
    long[] a = random(19, 100);
    long[] opened =
        agreed(
            ThreeParties.runOnNetworks(
                n -> n,
                network -> {
                  SecureRandom random = Drbg.seeded(200 + network.myId());
                  ReplicatedParty p = ReplicatedParty.connect(network, random, 7L << 40);
                  return openAll(p, p.multiply(input(p, 0, a), input(p, 0, a)));
                }));
    for (int k = 0; k < a.length; k++) {
      assertEquals(a[k] * a[k], opened[k]);
    }
  }

  static long[] concat(long[] a, long[] b) {
    return Batches.concat(a, b);
  }
}
