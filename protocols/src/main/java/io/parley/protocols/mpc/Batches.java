package io.parley.protocols.mpc;

import java.util.Arrays;
import java.util.Objects;

/** Array helpers for share batches. */
final class Batches {
  private Batches() {}

  static long[] copy(long[] values, int from, int count) {
    Objects.checkFromIndexSize(from, count, values.length);
    return Arrays.copyOfRange(values, from, from + count);
  }

  static long[] concat(long[]... parts) {
    int total = 0;
    for (long[] part : parts) {
      total = Math.addExact(total, part.length);
    }
    long[] joined = new long[total];
    int at = 0;
    for (long[] part : parts) {
      System.arraycopy(part, 0, joined, at, part.length);
      at += part.length;
    }
    return joined;
  }

  static void checkSameLength(int a, int b) {
    if (a != b) {
      throw new IllegalArgumentException("batches differ in length: " + a + " and " + b);
    }
  }
}
