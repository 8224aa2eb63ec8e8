package io.parley.protocols.mpc;

import static io.parley.protocols.mpc.ArithmeticSharingTest.EDGES;
import static io.parley.protocols.mpc.ArithmeticSharingTest.concat;
import static io.parley.protocols.mpc.ArithmeticSharingTest.edgePairs;
import static io.parley.protocols.mpc.ArithmeticSharingTest.random;
import static io.parley.protocols.mpc.ThreeParties.agreed;
import static io.parley.protocols.mpc.ThreeParties.input;
import static io.parley.protocols.mpc.ThreeParties.openAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.protocols.ParleyException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BooleanAndComparisonTest {
  private static long bit(boolean condition) {
    return condition ? 1 : 0;
  }

  /** Edge pairs, then random pairs, some equal and some close. */
  private static long[][] comparisonColumns() {
    long[][] edges = edgePairs();
    long[] a = random(30, 600);
    long[] b = random(31, 600);
    Random random = new Random(32);
    for (int k = 0; k < 200; k++) {
      b[k] = a[k];
    }
    for (int k = 200; k < 400; k++) {
      b[k] = a[k] + random.nextInt(3) - 1;
    }
    return new long[][] {concat(edges[0], a), concat(edges[1], b)};
  }

  @Test
  void xorAndAndMatchPlaintext() {
    long[][] pairs = edgePairs();
    long[] a = concat(pairs[0], random(33, 500));
    long[] b = concat(pairs[1], random(34, 500));
    long[][] opened =
        ThreeParties.run(
                35,
                p -> {
                  BooleanShares x = p.shareBooleanInput(0, p.partyId() == 0 ? a : null, a.length);
                  BooleanShares y = p.shareBooleanInput(2, p.partyId() == 2 ? b : null, b.length);
                  return new long[][] {
                    openAll(p, p.xor(x, y)),
                    openAll(p, p.and(x, y)),
                    openAll(p, p.xorPublic(x, 0xF0F0L)),
                    openAll(p, p.andPublic(x, 0xFF00FF00L)),
                    openAll(p, p.shiftLeft(x, 7)),
                    openAll(p, p.shiftRightUnsigned(x, 63))
                  };
                })
            .get(1);
    for (int k = 0; k < a.length; k++) {
      assertEquals(a[k] ^ b[k], opened[0][k]);
      assertEquals(a[k] & b[k], opened[1][k]);
      assertEquals(a[k] ^ 0xF0F0L, opened[2][k]);
      assertEquals(a[k] & 0xFF00FF00L, opened[3][k]);
      assertEquals(a[k] << 7, opened[4][k]);
      assertEquals(a[k] >>> 63, opened[5][k]);
    }
  }

  @Test
  void arithmeticToBooleanKeepsEveryBit() {
    long[] values = concat(EDGES, random(36, 1000));
    long[][] opened =
        ThreeParties.run(
                37,
                p -> {
                  ArithmeticShares x = input(p, 1, values);
                  // A product has fresh, uniform shares: the adder sees carries everywhere.
                  ArithmeticShares y = p.multiply(x, p.publicValues(ones(values.length)));
                  return new long[][] {
                    openAll(p, p.toBoolean(x)),
                    openAll(p, p.toBoolean(y)),
                    openAll(p, p.mostSignificantBit(y)),
                    openAll(p, p.toBoolean(p.publicValues(values)))
                  };
                })
            .get(0);
    for (int k = 0; k < values.length; k++) {
      assertEquals(values[k], opened[0][k], "element " + k);
      assertEquals(values[k], opened[1][k], "element " + k);
      assertEquals(values[k] >>> 63, opened[2][k]);
      assertEquals(values[k], opened[3][k]);
    }
  }

  @Test
  void bitsBecomeArithmeticZeroOrOne() {
    long[] words = concat(EDGES, random(38, 300));
    long[] opened =
        agreed(
            ThreeParties.run(
                39,
                p ->
                    openAll(
                        p,
                        p.bitToArithmetic(
                            p.shareBooleanInput(1, p.partyId() == 1 ? words : null, words.length)))));
    for (int k = 0; k < words.length; k++) {
      assertEquals(words[k] & 1, opened[k]);
    }
  }

  @Test
  void comparisonsMatchPlaintextOverTheWholeRange() {
    long[][] columns = comparisonColumns();
    long[] a = columns[0];
    long[] b = columns[1];
    long[][] opened =
        ThreeParties.run(
                40,
                p -> {
                  ArithmeticShares x = input(p, 0, a);
                  ArithmeticShares y = input(p, 1, b);
                  return new long[][] {
                    openAll(p, p.lessThanZero(x)),
                    openAll(p, p.lessThan(x, y)),
                    openAll(p, p.lessOrEqual(x, y)),
                    openAll(p, p.equal(x, y))
                  };
                })
            .get(2);
    for (int k = 0; k < a.length; k++) {
      String where = "element " + k + ": " + a[k] + " vs " + b[k];
      assertEquals(bit(a[k] < 0), opened[0][k], where);
      assertEquals(bit(a[k] < b[k]), opened[1][k], where);
      assertEquals(bit(a[k] <= b[k]), opened[2][k], where);
      assertEquals(bit(a[k] == b[k]), opened[3][k], where);
    }
  }

  @Test
  void selectMinAndMaxMatchPlaintext() {
    long[][] columns = comparisonColumns();
    long[] a = columns[0];
    long[] b = columns[1];
    long[] conditions = random(41, a.length);
    long[][] opened =
        ThreeParties.run(
                42,
                p -> {
                  ArithmeticShares x = input(p, 0, a);
                  ArithmeticShares y = input(p, 2, b);
                  BooleanShares c =
                      p.shareBooleanInput(
                          1, p.partyId() == 1 ? conditions : null, conditions.length);
                  return new long[][] {
                    openAll(p, p.select(c, x, y)),
                    openAll(p, p.min(x, y)),
                    openAll(p, p.max(x, y))
                  };
                })
            .get(0);
    for (int k = 0; k < a.length; k++) {
      assertEquals((conditions[k] & 1) == 1 ? a[k] : b[k], opened[0][k]);
      assertEquals(Math.min(a[k], b[k]), opened[1][k]);
      assertEquals(Math.max(a[k], b[k]), opened[2][k]);
    }
  }

  @Test
  void treeExtremaMatchPlaintext() {
    long[][] columns = {
      {42},
      {5, -5},
      {7, 7, 7, 7, 7},
      EDGES,
      {Long.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 0},
      {3, 9, 1, 9, 1, 3, 2},
      random(43, 101),
      random(44, 64)
    };
    for (int c = 0; c < columns.length; c++) {
      long[] column = columns[c];
      long[][] opened =
          ThreeParties.run(
                  45 + c,
                  p -> {
                    ArithmeticShares x = input(p, 2, column);
                    Extremum max = p.argMax(x);
                    Extremum min = p.argMin(x);
                    return new long[][] {
                      openAll(p, p.maximum(x)),
                      openAll(p, p.minimum(x)),
                      openAll(p, max.value()),
                      openAll(p, max.index()),
                      openAll(p, min.value()),
                      openAll(p, min.index())
                    };
                  })
              .get(1);
      int argMax = 0;
      int argMin = 0;
      for (int k = 1; k < column.length; k++) {
        argMax = column[k] > column[argMax] ? k : argMax;
        argMin = column[k] < column[argMin] ? k : argMin;
      }
      String which = "column " + c;
      assertArrayEquals(new long[] {column[argMax]}, opened[0], which);
      assertArrayEquals(new long[] {column[argMin]}, opened[1], which);
      assertArrayEquals(new long[] {column[argMax]}, opened[2], which);
      assertArrayEquals(new long[] {argMax}, opened[3], which + ": first position of the maximum");
      assertArrayEquals(new long[] {column[argMin]}, opened[4], which);
      assertArrayEquals(new long[] {argMin}, opened[5], which + ": first position of the minimum");
    }
  }

  @Test
  void anEmptyBatchHasNoMaximum() {
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () -> ThreeParties.run(60, p -> p.maximum(input(p, 0, new long[0]))));
    assertEquals("cannot take the maximum of an empty batch", e.getMessage());
  }

  private static long[] ones(int n) {
    long[] ones = new long[n];
    java.util.Arrays.fill(ones, 1);
    return ones;
  }
}
