package io.parley.protocols.mpc;

import static io.parley.protocols.mpc.ArithmeticSharingTest.EDGES;
import static io.parley.protocols.mpc.ArithmeticSharingTest.random;
import static io.parley.protocols.mpc.ThreeParties.agreed;
import static io.parley.protocols.mpc.ThreeParties.input;
import static io.parley.protocols.mpc.ThreeParties.openAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.protocols.ParleyException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShuffleAndOrderStatisticsTest {
  @Test
  void shufflePermutesRowsTogether() {
    int n = 1000;
    long[] keys = new long[n];
    long[] payload = new long[n];
    for (int k = 0; k < n; k++) {
      keys[k] = k;
      payload[k] = 3L * k + 1;
    }
    List<long[][]> opened =
        ThreeParties.run(
            70,
            p -> {
              ArithmeticShares[] shuffled = p.shuffle(input(p, 0, keys), input(p, 1, payload));
              return new long[][] {openAll(p, shuffled[0]), openAll(p, shuffled[1])};
            });
    long[] shuffledKeys = opened.get(0)[0];
    long[] shuffledPayload = opened.get(0)[1];
    assertArrayEquals(shuffledKeys, opened.get(2)[0]);
    for (int k = 0; k < n; k++) {
      assertEquals(3L * shuffledKeys[k] + 1, shuffledPayload[k], "row " + k + " came apart");
    }
    assertFalse(Arrays.equals(keys, shuffledKeys), "the shuffle left 1000 rows in place");
    long[] sorted = shuffledKeys.clone();
    Arrays.sort(sorted);
    assertArrayEquals(keys, sorted, "the shuffle lost or duplicated rows");
    long fixedPoints = 0;
    for (int k = 0; k < n; k++) {
      fixedPoints += shuffledKeys[k] == k ? 1 : 0;
    }
    // A uniform permutation has Poisson(1) fixed points: more than 10 has probability < 1e-7.
    assertFalse(fixedPoints > 10, fixedPoints + " rows stayed in place");
  }

  @Test
  void shuffleOfNothingAndOfOneRow() {
    long[] one = {Long.MIN_VALUE};
    assertArrayEquals(one, agreed(ThreeParties.run(71, p -> openAll(p, p.shuffle(input(p, 2, one))[0]))));
    assertEquals(
        0, ThreeParties.run(72, p -> p.shuffle(input(p, 2, new long[0]))[0].length()).get(0));
  }

  @Test
  void orderStatisticsMatchTheSortedColumn() {
    long[] duplicates = new long[301];
    for (int k = 0; k < duplicates.length; k++) {
      duplicates[k] = (k * 7L) % 10 - 5;
    }
    long[] allEqual = new long[64];
    Arrays.fill(allEqual, 42);
    long[][] columns = {
      {9}, {Long.MAX_VALUE, Long.MIN_VALUE}, EDGES, duplicates, allEqual, random(73, 1001)
    };
    for (int c = 0; c < columns.length; c++) {
      long[] column = columns[c];
      int n = column.length;
      int[] ranks = {0, n / 2, (n - 1) / 2, n - 1, n / 3};
      long[] opened =
          agreed(ThreeParties.run(74 + c, p -> openAll(p, p.orderStatistics(input(p, 1, column), ranks))));
      long[] sorted = column.clone();
      Arrays.sort(sorted);
      for (int r = 0; r < ranks.length; r++) {
        assertEquals(sorted[ranks[r]], opened[r], "column " + c + ", rank " + ranks[r]);
      }
    }
  }

  @Test
  void largeBatchesNarrowedBySampledPivotsFindEveryRank() {
    int n = 6000;
    long[] randomValues = random(81, n);
    long[] fewDistinct = new long[n];
    for (int k = 0; k < n; k++) {
      fewDistinct[k] = randomValues[k] % 3 == 0 ? Long.MIN_VALUE : randomValues[k] & 7;
    }
    int[] ranks = {0, 1, n / 100, n / 2 - 1, n / 2, n - n / 100, n - 2, n - 1};
    for (long[] column : List.of(randomValues, fewDistinct)) {
      long[] opened =
          agreed(
              ThreeParties.run(82, p -> openAll(p, p.orderStatistics(input(p, 0, column), ranks))));
      long[] sorted = column.clone();
      Arrays.sort(sorted);
      for (int r = 0; r < ranks.length; r++) {
        assertEquals(sorted[ranks[r]], opened[r], "rank " + ranks[r]);
      }
    }
  }

  @Test
  void ranksOutsideTheBatchAreRefused() {
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () -> ThreeParties.run(80, p -> p.orderStatistics(input(p, 0, new long[] {1, 2}), 2)));
    assertEquals("order statistic rank 2 is outside 0..1 for 2 values", e.getMessage());
  }
}
