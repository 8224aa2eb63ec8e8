package io.parley.protocols.mpc;

import java.util.Objects;

/**
 * One compute party's replicated shares of a batch of values in Z/2^64: party {@code i} holds
 * {@code own[k] = x_i} and {@code next[k] = x_{i+1}} of each value {@code x = x_0 + x_1 + x_2}.
 *
 * <p>The arrays are the shares themselves, not copies, so a Spark task can store and send them
 * without copying: engine operations never modify their inputs, and callers must not modify
 * arrays they passed in or got out.
 */
public final class ArithmeticShares {
  private final long[] own;
  private final long[] next;

  /** Takes ownership of both arrays, which must have the same length. */
  public ArithmeticShares(long[] own, long[] next) {
    Objects.requireNonNull(own, "own");
    Objects.requireNonNull(next, "next");
    if (own.length != next.length) {
      throw new IllegalArgumentException(
          "share arrays differ in length: " + own.length + " and " + next.length);
    }
    this.own = own;
    this.next = next;
  }

  /** This party's own share {@code x_i} of each value. */
  public long[] own() {
    return own;
  }

  /** The next party's share {@code x_{i+1}} of each value, which this party also holds. */
  public long[] next() {
    return next;
  }

  public int length() {
    return own.length;
  }

  /** Values {@code [from, from + count)} as a new batch (copies). */
  public ArithmeticShares slice(int from, int count) {
    return new ArithmeticShares(Batches.copy(own, from, count), Batches.copy(next, from, count));
  }

  /** The batches one after another (copies). */
  public static ArithmeticShares concat(ArithmeticShares... parts) {
    long[][] owns = new long[parts.length][];
    long[][] nexts = new long[parts.length][];
    for (int p = 0; p < parts.length; p++) {
      owns[p] = parts[p].own;
      nexts[p] = parts[p].next;
    }
    return new ArithmeticShares(Batches.concat(owns), Batches.concat(nexts));
  }

  @Override
  public String toString() {
    return "ArithmeticShares[" + own.length + " values]";
  }
}
