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
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The engine's entry points for per-group percentiles: {@link
 * ReplicatedParty#orderStatisticsOfShuffled}, {@link ReplicatedParty#shuffleWithinSegments} and
 * {@link ReplicatedParty#exchangeInputLengths}, over the in-memory network with seeded randomness
 * per party, checked against plaintext; and the lockstep selection alone on plaintext.
 */
class ShuffledOrderStatisticsTest {
  /** Every rank a percentile query may ask: both ends, the middle pair, and a few between. */
  private static int[] ranksOf(int n) {
    return new int[] {0, n - 1, (n - 1) / 2, n / 2, n / 4, (3 * (n - 1) + 3) / 4, n / 2};
  }

  @Test
  void orderStatisticsOfShuffledValuesMatchTheSortedColumn() {
    long[] allEqual = new long[40];
    Arrays.fill(allEqual, -7);
    long[] duplicates = new long[301];
    for (int k = 0; k < duplicates.length; k++) {
      duplicates[k] = (k * 7L) % 10 - 5;
    }
    long[][] columns = {
      {Long.MIN_VALUE}, {Long.MAX_VALUE, Long.MIN_VALUE}, {5, 5}, EDGES, allEqual, duplicates, random(301, 997)
    };
    for (int c = 0; c < columns.length; c++) {
      long[] column = columns[c];
      int owner = c % 3;
      int[] ranks = ranksOf(column.length);
      long[] opened =
          agreed(ThreeParties.run(300 + c, p -> {
            ArithmeticShares shuffled = p.shuffle(input(p, owner, column))[0];
            return openAll(p, p.orderStatisticsOfShuffled(shuffled, ranks));
          }));
      long[] sorted = column.clone();
      Arrays.sort(sorted);
      for (int r = 0; r < ranks.length; r++) {
        assertEquals(sorted[ranks[r]], opened[r], "column " + c + ", rank " + ranks[r]);
      }
    }
  }

  @Test
  void manySegmentsAtOnceEachWithItsOwnRanks() {
    Random random = new Random(310);
    // Sizes from 1 to past the sampling threshold; few distinct values in some, extremes in all.
    int[] lengths = {1, 2, 3, 12, 13, 100, 2049, 5000, 1, 64};
    List<long[]> segments = new ArrayList<>();
    for (int s = 0; s < lengths.length; s++) {
      long[] segment = new long[lengths[s]];
      for (int k = 0; k < segment.length; k++) {
        segment[k] = s % 2 == 0 ? random.nextLong() : random.nextInt(4);
      }
      segment[random.nextInt(segment.length)] = s % 3 == 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
      segments.add(segment);
    }
    int[][] ranks = new int[lengths.length][];
    for (int s = 0; s < lengths.length; s++) {
      int n = lengths[s];
      // Far-apart ranks (two clusters in large segments) and repeats.
      ranks[s] = new int[] {n / 10, (n - 1) / 2, n / 2, n - 1 - n / 10, 0, n / 2};
    }
    long[] concatenated = Batches.concat(segments.toArray(new long[0][]));
    long[] opened =
        agreed(ThreeParties.run(311, p -> {
          ArithmeticShares values = input(p, 1, concatenated);
          ArithmeticShares shuffled = p.shuffleWithinSegments(lengths, values)[0];
          return openAll(p, p.orderStatisticsOfShuffled(shuffled, lengths, ranks));
        }));
    int at = 0;
    for (int s = 0; s < lengths.length; s++) {
      long[] sorted = segments.get(s).clone();
      Arrays.sort(sorted);
      for (int r = 0; r < ranks[s].length; r++) {
        assertEquals(sorted[ranks[s][r]], opened[at++], "segment " + s + ", rank " + ranks[s][r]);
      }
    }
    assertEquals(opened.length, at);
  }

  @Test
  void segmentsWithoutRanksAndEmptySegmentsCostNothingAndBreakNothing() {
    int[] lengths = {0, 3, 0, 4};
    long[] values = {30, 10, 20, 4, 1, 3, 2};
    int[][] ranks = {{}, {2, 0}, {}, {}};
    long[] opened =
        agreed(ThreeParties.run(312, p -> openAll(p,
            p.orderStatisticsOfShuffled(p.shuffleWithinSegments(lengths, input(p, 0, values))[0], lengths, ranks))));
    assertArrayEquals(new long[] {30, 10}, opened);
  }

  @Test
  void shuffleWithinSegmentsKeepsRowsTogetherAndInTheirSegment() {
    int[] lengths = {500, 1, 0, 499};
    int n = 1000;
    long[] keys = new long[n];
    long[] payload = new long[n];
    for (int k = 0; k < n; k++) {
      keys[k] = k;
      payload[k] = 5L * k - 3;
    }
    List<long[][]> opened =
        ThreeParties.run(320, p -> {
          ArithmeticShares[] shuffled = p.shuffleWithinSegments(lengths, input(p, 2, keys), input(p, 0, payload));
          return new long[][] {openAll(p, shuffled[0]), openAll(p, shuffled[1])};
        });
    long[] shuffledKeys = opened.get(0)[0];
    assertArrayEquals(shuffledKeys, opened.get(1)[0]);
    for (int k = 0; k < n; k++) {
      assertEquals(5L * shuffledKeys[k] - 3, opened.get(0)[1][k], "row " + k + " came apart");
    }
    int start = 0;
    for (int length : lengths) {
      long[] segment = Arrays.copyOfRange(shuffledKeys, start, start + length);
      long[] sorted = segment.clone();
      Arrays.sort(sorted);
      for (int k = 0; k < length; k++) {
        assertEquals(start + k, sorted[k], "segment at " + start + " lost or gained a row");
      }
      if (length > 100) {
        long fixed = 0;
        for (int k = 0; k < length; k++) {
          fixed += segment[k] == start + k ? 1 : 0;
        }
        // A uniform permutation has Poisson(1) fixed points: more than 10 has probability < 1e-7.
        assertFalse(fixed > 10, fixed + " of " + length + " rows stayed in place");
      }
      start += length;
    }
  }

  @Test
  void badSegmentsAndRanksAreRefused() {
    IllegalArgumentException lengths =
        assertThrows(IllegalArgumentException.class, () -> ThreeParties.run(340,
            p -> p.shuffleWithinSegments(new int[] {2, 2}, input(p, 0, new long[] {1, 2, 3}))));
    assertEquals("segments of 4 rows for a batch of 3", lengths.getMessage());
    ParleyException rank =
        assertThrows(ParleyException.class, () -> ThreeParties.run(341,
            p -> p.orderStatisticsOfShuffled(input(p, 0, new long[] {1, 2, 3}), new int[] {1, 2}, new int[][] {{0}, {2}})));
    assertEquals("order statistic rank 2 is outside 0..1 for 2 values", rank.getMessage());
    ParleyException empty =
        assertThrows(ParleyException.class, () -> ThreeParties.run(342,
            p -> p.orderStatisticsOfShuffled(input(p, 0, new long[] {1}), new int[] {0, 1}, new int[][] {{0}, {0}})));
    assertEquals("cannot take order statistics of an empty batch", empty.getMessage());
  }

  @Test
  void inputLengthsAreExchanged() {
    List<int[]> lengths = ThreeParties.run(350, p -> p.exchangeInputLengths(new int[] {7, 0, 123_456}[p.partyId()]));
    for (int[] seen : lengths) {
      assertArrayEquals(new int[] {7, 0, 123_456}, seen);
    }
  }

  @Test
  void aNegativeAnnouncedLengthIsRefused() {
    // Party 0's messages to party 2: its PRF key (#0), then its announced length (#1).
    TamperingNetwork.Tamperer lie =
        (to, index, message) -> to == 2 && index == 1
            ? Envelope.sealWords(Operation.INPUT_LENGTH, 1, new long[] {-5}, 0, 1)
            : message;
    ParleyException e =
        assertThrows(ParleyException.class, () -> ThreeParties.run(351,
            network -> network.myId() == 0 ? new TamperingNetwork(network, lie) : network,
            p -> p.exchangeInputLengths(3)));
    assertEquals("party 0 announced an input of -5 values, outside 0.." + ReplicatedParty.MAX_INPUT_LENGTH
        + "; aborting", e.getMessage());
  }

  // ---------------------------------------------------------------- the selection alone

  /** The (value, position) order of plaintext values, as the engine opens it. */
  private static LockstepSelection.OpenedOrder plaintext(long[] values, int[] batches) {
    return (elements, pivots) -> {
      batches[0]++;
      boolean[] smaller = new boolean[elements.length];
      for (int k = 0; k < elements.length; k++) {
        long a = values[elements[k]];
        long b = values[pivots[k]];
        smaller[k] = a < b || (a == b && elements[k] < pivots[k]);
      }
      return smaller;
    };
  }

  @Test
  void lockstepSelectionFindsEveryRankInEverySegment() {
    Random random = new Random(360);
    for (int trial = 0; trial < 40; trial++) {
      int segments = 1 + random.nextInt(6);
      int[] lengths = new int[segments];
      int[][] ranks = new int[segments][];
      for (int s = 0; s < segments; s++) {
        lengths[s] = 1 + (random.nextInt(4) == 0 ? random.nextInt(20_000) : random.nextInt(40));
        ranks[s] = new int[1 + random.nextInt(5)];
        for (int r = 0; r < ranks[s].length; r++) {
          ranks[s][r] = random.nextInt(lengths[s]);
        }
      }
      long[] values = new long[Arrays.stream(lengths).sum()];
      int distinct = 1 + random.nextInt(trial % 2 == 0 ? 3 : 1_000_000);
      for (int k = 0; k < values.length; k++) {
        values[k] = random.nextInt(distinct) - distinct / 2;
      }
      int[][] positions = LockstepSelection.select(lengths, ranks, plaintext(values, new int[1]));
      int start = 0;
      for (int s = 0; s < segments; s++) {
        long[] sorted = Arrays.copyOfRange(values, start, start + lengths[s]);
        Arrays.sort(sorted);
        for (int r = 0; r < ranks[s].length; r++) {
          int position = positions[s][r];
          assertTrue(position >= start && position < start + lengths[s], "a position outside its segment");
          assertEquals(sorted[ranks[s][r]], values[position], "trial " + trial + ", segment " + s);
        }
        start += lengths[s];
      }
    }
  }

  @Test
  void manyGroupsCostTheBatchesOfOne() {
    Random random = new Random(370);
    int groups = 200;
    int[] lengths = new int[groups];
    int[][] ranks = new int[groups][];
    Arrays.fill(lengths, 1000);
    for (int g = 0; g < groups; g++) {
      ranks[g] = new int[] {499, 500};
    }
    long[] values = new long[groups * 1000];
    for (int k = 0; k < values.length; k++) {
      values[k] = random.nextLong();
    }
    int[] together = new int[1];
    LockstepSelection.select(lengths, ranks, plaintext(values, together));
    int[] alone = new int[1];
    LockstepSelection.select(new int[] {1000}, new int[][] {{499, 500}}, plaintext(Arrays.copyOf(values, 1000), alone));
    // Quickselect's depth varies from group to group: the deepest sets the pace, not the sum.
    assertTrue(together[0] <= 4 * alone[0] && together[0] < 60,
        together[0] + " opened batches for " + groups + " groups, " + alone[0] + " for one");
  }
}
