package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * Finds order statistics in many segments of one shuffled batch at once: every open selection of
 * every segment contributes its comparisons to one opened batch per step, so {@code G} groups cost
 * the rounds of the deepest one, not {@code G} times the rounds of one (through the coordinator
 * relay, each round is a round trip).
 *
 * <p>Positions are indices into the batch; the order is (value, position), strict even among equal
 * values. Each selection is a job over a set of candidate positions and the ranks wanted among
 * them:
 *
 * <ul>
 *   <li>large sets go the Floyd-Rivest way: a sample (the first candidates, random because the
 *       batch is shuffled) yields, through a child job, two pivots bracketing each cluster of
 *       nearby ranks; each candidate meets the pivots in the order of an optimal search tree
 *       over the intervals between them (one opened batch per level: about 1.5 comparisons per
 *       candidate for a median, fewer towards the ends) and only the intervals holding a wanted
 *       rank remain (about {@code n^(2/3)} per cluster);
 *   <li>mid-sized sets use quickselect with the first candidate as pivot;
 *   <li>a few candidates are compared all pairs at once, which fixes every rank in one step.
 * </ul>
 *
 * All three parties run the same jobs in the same order on the same opened outcomes, so they
 * stay in step without exchanging anything but the comparisons.
 */
final class LockstepSelection {
  /** Sets larger than this are first narrowed by pivots taken from a sample. */
  static final int SAMPLING_THRESHOLD = 2048;
  /** Sets of at most this many candidates are ranked by comparing all pairs (66 comparisons). */
  static final int ALL_PAIRS_THRESHOLD = 12;

  /** Opens, for each {@code k}, whether {@code elements[k]} comes before {@code pivots[k]}. */
  @FunctionalInterface
  interface OpenedOrder {
    boolean[] smaller(int[] elements, int[] pivots);
  }

  private LockstepSelection() {}

  /**
   * The batch positions holding the wanted ranks: {@code result[s][r]} holds rank {@code
   * ranks[s][r]} of segment {@code s}, which spans {@code lengths[s]} positions after the segments
   * before it. Ranks may repeat and come in any order.
   */
  static int[][] select(int[] lengths, int[][] ranks, OpenedOrder order) {
    if (lengths.length != ranks.length) {
      throw new IllegalArgumentException(
          lengths.length + " segments but ranks for " + ranks.length);
    }
    Deque<Job> work = new ArrayDeque<>();
    Sink[] sinks = new Sink[lengths.length];
    int[][] distinctPerSegment = new int[lengths.length][];
    int start = 0;
    for (int s = 0; s < lengths.length; s++) {
      int n = lengths[s];
      if (n < 0) {
        throw new IllegalArgumentException("segment " + s + " has length " + n);
      }
      for (int rank : ranks[s]) {
        if (rank < 0 || rank >= n) {
          throw new ParleyException(
              "order statistic rank " + rank + " is outside 0.." + (n - 1) + " for " + n + " values");
        }
      }
      int[] distinct = Arrays.stream(ranks[s]).distinct().sorted().toArray();
      distinctPerSegment[s] = distinct;
      sinks[s] = new Sink(distinct.length);
      if (distinct.length > 0) {
        int[] candidates = new int[n];
        for (int k = 0; k < n; k++) {
          candidates[k] = start + k;
        }
        work.add(new Job(candidates, distinct, sinks[s], identity(distinct.length)));
      }
      start = Math.addExact(start, n);
    }
    run(work, order);
    int[][] positions = new int[lengths.length][];
    for (int s = 0; s < lengths.length; s++) {
      if (sinks[s].unresolved != 0) {
        throw new IllegalStateException("segment " + s + " has unresolved ranks");
      }
      positions[s] = new int[ranks[s].length];
      for (int r = 0; r < ranks[s].length; r++) {
        positions[s][r] = sinks[s].positions[Arrays.binarySearch(distinctPerSegment[s], ranks[s][r])];
      }
    }
    return positions;
  }

  /** Advances every job until none is left, one opened comparison batch per step. */
  private static void run(Deque<Job> work, OpenedOrder order) {
    List<Job> waiting = new ArrayList<>();
    while (true) {
      List<Job> comparing = new ArrayList<>();
      boolean progressed = true;
      while (progressed) {
        while (!work.isEmpty()) {
          Job job = work.pop();
          switch (job.advance(work)) {
            case COMPARE -> comparing.add(job);
            case WAITING -> waiting.add(job);
            case DONE -> { }
          }
        }
        progressed = false;
        for (Iterator<Job> it = waiting.iterator(); it.hasNext(); ) {
          Job job = it.next();
          if (job.pivotsReady()) {
            it.remove();
            work.add(job);
            progressed = true;
          }
        }
      }
      if (comparing.isEmpty()) {
        if (!waiting.isEmpty()) {
          throw new IllegalStateException(waiting.size() + " selections wait for pivots nobody computes");
        }
        return;
      }
      int total = 0;
      for (Job job : comparing) {
        total = Math.addExact(total, job.comparisons());
      }
      int[] elements = new int[total];
      int[] pivots = new int[total];
      int at = 0;
      for (Job job : comparing) {
        at = job.writeComparisons(elements, pivots, at);
      }
      boolean[] smaller = order.smaller(elements, pivots);
      at = 0;
      for (Job job : comparing) {
        at = job.accept(smaller, at, work);
      }
    }
  }

  private static int[] identity(int n) {
    int[] slots = new int[n];
    for (int k = 0; k < n; k++) {
      slots[k] = k;
    }
    return slots;
  }

  /** Where resolved positions go: one slot per wanted rank. */
  private static final class Sink {
    final int[] positions;
    int unresolved;

    Sink(int slots) {
      positions = new int[slots];
      unresolved = slots;
    }

    void put(int slot, int position) {
      positions[slot] = position;
      unresolved--;
    }
  }

  private enum Step {
    COMPARE,
    WAITING,
    DONE
  }

  private enum State {
    NEW,
    WAITING_FOR_PIVOTS,
    PARTITION,
    ALL_PAIRS,
    DONE
  }

  /** Finds ranks {@code targets} (increasing) among {@code candidates} (increasing positions). */
  private static final class Job {
    private final int[] candidates;
    private final int[] targets;
    private final Sink sink;
    private final int[] slots;
    private State state = State.NEW;
    private Sink pivotSink;
    /** Pivots in increasing order, for a partition step. */
    private int[] pivots;
    /** The candidates that are not pivots, for a partition step. */
    private int[] others;
    /** Per other candidate, the intervals (between pivots) it may still fall in: {@code [low, high]}. */
    private int[] low;
    private int[] high;
    /** {@code split[lo][hi]}: the pivot an element whose intervals are {@code [lo, hi]} meets next. */
    private int[][] split;
    /** The sample ranks of the pivots, when they came from a sample (their expected spacing). */
    private int[] sampleRanks;
    private int sampleSize;

    Job(int[] candidates, int[] targets, Sink sink, int[] slots) {
      this.candidates = candidates;
      this.targets = targets;
      this.sink = sink;
      this.slots = slots;
    }

    boolean pivotsReady() {
      return pivotSink != null && pivotSink.unresolved == 0;
    }

    Step advance(Deque<Job> work) {
      int count = candidates.length;
      switch (state) {
        case NEW -> {
          if (count == 1) {
            for (int slot : slots) {
              sink.put(slot, candidates[0]);
            }
            state = State.DONE;
            return Step.DONE;
          }
          if (count <= ALL_PAIRS_THRESHOLD) {
            state = State.ALL_PAIRS;
            return Step.COMPARE;
          }
          if (count > SAMPLING_THRESHOLD) {
            sampleRanks = samplePivotRanks(count);
            sampleSize = sampleSize(count);
            pivotSink = new Sink(sampleRanks.length);
            work.push(new Job(Arrays.copyOf(candidates, sampleSize(count)), sampleRanks, pivotSink,
                identity(sampleRanks.length)));
            state = State.WAITING_FOR_PIVOTS;
            return Step.WAITING;
          }
          usePivots(new int[] {candidates[0]});
          return Step.COMPARE;
        }
        case WAITING_FOR_PIVOTS -> {
          if (!pivotsReady()) {
            return Step.WAITING;
          }
          usePivots(pivotSink.positions);
          return Step.COMPARE;
        }
        case PARTITION -> {
          return Step.COMPARE;
        }
        default -> throw new IllegalStateException("a selection advanced in state " + state);
      }
    }

    private static int sampleSize(int count) {
      return (int) Math.min(count / 4, Math.pow(count, 2.0 / 3));
    }

    /**
     * Floyd-Rivest: per wanted rank, the sample ranks {@code center +- spread} bracket it except
     * with probability about {@code count^-1/2}; overlapping brackets merge into one cluster.
     * The result lists each cluster's two bounds, increasing.
     */
    private int[] samplePivotRanks(int count) {
      int sampleSize = sampleSize(count);
      int spread = (int) Math.ceil(0.5 * Math.sqrt(sampleSize * Math.log(count)));
      int[] bounds = new int[2 * targets.length];
      int clusters = 0;
      for (int target : targets) {
        int center = (int) ((long) target * sampleSize / count);
        int low = Math.max(0, center - spread);
        int high = Math.min(sampleSize - 1, center + spread);
        if (clusters > 0 && low <= bounds[2 * clusters - 1] + 1) {
          bounds[2 * clusters - 1] = Math.max(bounds[2 * clusters - 1], high);
        } else {
          bounds[2 * clusters] = low;
          bounds[2 * clusters + 1] = high;
          clusters++;
        }
      }
      return Arrays.stream(bounds, 0, 2 * clusters).distinct().toArray();
    }

    private void usePivots(int[] increasingPivots) {
      pivots = increasingPivots;
      int[] sortedPivots = increasingPivots.clone();
      Arrays.sort(sortedPivots);
      others = new int[candidates.length - pivots.length];
      int m = 0;
      for (int candidate : candidates) {
        if (Arrays.binarySearch(sortedPivots, candidate) < 0) {
          others[m++] = candidate;
        }
      }
      if (m != others.length) {
        throw new IllegalStateException("a pivot is not among the candidates");
      }
      low = new int[others.length];
      high = new int[others.length];
      Arrays.fill(high, pivots.length);
      split = searchTree(intervalWeights());
      state = State.PARTITION;
    }

    /**
     * The expected share of candidates in each interval: from the pivots' sample ranks when they
     * came from a sample, else equal. Only the search order depends on it, never the result.
     */
    private double[] intervalWeights() {
      int m = pivots.length;
      double[] weights = new double[m + 1];
      for (int i = 0; i <= m; i++) {
        if (sampleRanks == null) {
          weights[i] = 1;
        } else {
          int from = i == 0 ? -1 : sampleRanks[i - 1];
          int to = i == m ? sampleSize : sampleRanks[i];
          weights[i] = to - from;
        }
      }
      return weights;
    }

    /**
     * The cheapest order in which to compare an element with sorted pivots (an optimal
     * alphabetic search tree over the intervals, weighted by their expected sizes): every
     * element meets one pivot per step, and stops once its interval is known. Two pivots around a
     * median cost about 1.5 comparisons per element instead of 2, since one side of the lower
     * pivot is settled after one.
     */
    private static int[][] searchTree(double[] weights) {
      int intervals = weights.length;
      double[] prefix = new double[intervals + 1];
      for (int i = 0; i < intervals; i++) {
        prefix[i + 1] = prefix[i] + weights[i];
      }
      double[][] cost = new double[intervals][intervals];
      int[][] split = new int[intervals][intervals];
      for (int width = 1; width < intervals; width++) {
        for (int lo = 0; lo + width < intervals; lo++) {
          int hi = lo + width;
          double best = Double.MAX_VALUE;
          for (int j = lo; j < hi; j++) {
            double c = cost[lo][j] + cost[j + 1][hi];
            if (c < best) {
              best = c;
              split[lo][hi] = j;
            }
          }
          cost[lo][hi] = best + prefix[hi + 1] - prefix[lo];
        }
      }
      return split;
    }

    int comparisons() {
      int count = candidates.length;
      if (state == State.ALL_PAIRS) {
        return count * (count - 1) / 2;
      }
      int undecided = 0;
      for (int e = 0; e < others.length; e++) {
        undecided += low[e] < high[e] ? 1 : 0;
      }
      return undecided;
    }

    int writeComparisons(int[] elements, int[] against, int at) {
      if (state == State.ALL_PAIRS) {
        for (int i = 0; i < candidates.length; i++) {
          for (int j = i + 1; j < candidates.length; j++) {
            elements[at] = candidates[i];
            against[at] = candidates[j];
            at++;
          }
        }
        return at;
      }
      for (int e = 0; e < others.length; e++) {
        if (low[e] < high[e]) {
          elements[at] = others[e];
          against[at] = pivots[split[low[e]][high[e]]];
          at++;
        }
      }
      return at;
    }

    int accept(boolean[] smaller, int at, Deque<Job> work) {
      if (state == State.ALL_PAIRS) {
        at = acceptAllPairs(smaller, at);
        state = State.DONE;
        return at;
      }
      boolean decided = true;
      for (int e = 0; e < others.length; e++) {
        if (low[e] < high[e]) {
          int j = split[low[e]][high[e]];
          if (smaller[at++]) {
            high[e] = j;
          } else {
            low[e] = j + 1;
          }
          decided &= low[e] == high[e];
        }
      }
      if (decided) {
        finishPartition(work);
        state = State.DONE;
      } else {
        work.push(this);
      }
      return at;
    }

    private int acceptAllPairs(boolean[] smaller, int at) {
      int count = candidates.length;
      int[] rank = new int[count];
      for (int i = 0; i < count; i++) {
        for (int j = i + 1; j < count; j++) {
          rank[smaller[at++] ? j : i]++;
        }
      }
      int[] holder = new int[count];
      Arrays.fill(holder, -1);
      for (int i = 0; i < count; i++) {
        if (holder[rank[i]] >= 0) {
          throw inconsistent();
        }
        holder[rank[i]] = candidates[i];
      }
      for (int t = 0; t < targets.length; t++) {
        sink.put(slots[t], holder[targets[t]]);
      }
      return at;
    }

    /** Every element's interval is known: the intervals holding wanted ranks become new jobs. */
    private void finishPartition(Deque<Job> work) {
      int m = pivots.length;
      int[] interval = low;
      int[] sizes = new int[m + 1];
      for (int e = 0; e < others.length; e++) {
        sizes[interval[e]]++;
      }
      // Interval j holds ranks [first[j], first[j] + sizes[j]); pivot j has rank first[j] + sizes[j].
      int[] first = new int[m + 1];
      for (int j = 1; j <= m; j++) {
        first[j] = first[j - 1] + sizes[j - 1] + 1;
      }
      int t = 0;
      for (int j = 0; j <= m && t < targets.length; j++) {
        int from = t;
        while (t < targets.length && targets[t] < first[j] + sizes[j]) {
          t++;
        }
        if (t > from) {
          int[] members = new int[sizes[j]];
          int k = 0;
          for (int e = 0; e < others.length; e++) {
            if (interval[e] == j) {
              members[k++] = others[e];
            }
          }
          int[] childTargets = new int[t - from];
          for (int c = 0; c < childTargets.length; c++) {
            childTargets[c] = targets[from + c] - first[j];
          }
          work.push(new Job(members, childTargets, sink, Arrays.copyOfRange(slots, from, t)));
        }
        if (j < m && t < targets.length && targets[t] == first[j] + sizes[j]) {
          sink.put(slots[t], pivots[j]);
          t++;
        }
      }
    }

    private static ParleyException inconsistent() {
      return new ParleyException(
          "the opened comparisons of an order statistic contradict each other: a compute party"
              + " deviated from the protocol; aborting");
    }
  }
}
