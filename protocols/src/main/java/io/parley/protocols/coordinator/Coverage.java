package io.parley.protocols.coordinator;

import java.util.Map;
import java.util.TreeMap;

/**
 * Which elements of a vector of known length one party has sent, as disjoint merged intervals:
 * memory grows with the number of gaps, never with the number of elements.
 */
final class Coverage {
  private final long length;
  private final TreeMap<Long, Long> intervals = new TreeMap<>(); // start -> end (exclusive)
  private long covered;

  Coverage(long length) {
    this.length = length;
  }

  /** The first element of {@code [start, start+count)} already covered, or -1. */
  long firstOverlap(long start, long count) {
    long end = start + count;
    Map.Entry<Long, Long> before = intervals.floorEntry(start);
    if (before != null && before.getValue() > start) {
      return start;
    }
    Map.Entry<Long, Long> after = intervals.higherEntry(start);
    if (after != null && after.getKey() < end) {
      return after.getKey();
    }
    return -1;
  }

  /** Marks {@code [start, start+count)} as sent; it must not overlap anything sent before. */
  void add(long start, long count) {
    if (count == 0) {
      return;
    }
    long end = start + count;
    Map.Entry<Long, Long> before = intervals.floorEntry(start);
    if (before != null && before.getValue() == start) {
      start = before.getKey();
      intervals.remove(before.getKey());
    }
    Long afterEnd = intervals.remove(end);
    if (afterEnd != null) {
      end = afterEnd;
    }
    intervals.put(start, end);
    covered += count;
  }

  boolean complete() {
    return covered == length;
  }

  /** Number of disjoint intervals; for tests. */
  int intervalCount() {
    return intervals.size();
  }
}
