package io.parley.protocols.mpc;

import java.util.Objects;

/**
 * One compute party's replicated XOR shares of a batch of 64-bit words: party {@code i} holds
 * {@code own[k] = w_i} and {@code next[k] = w_{i+1}} of each word {@code w = w_0 ^ w_1 ^ w_2}.
 * Comparison results are words whose bit 0 is the outcome and whose other bits are 0.
 *
 * <p>Ownership of the arrays as in {@link ArithmeticShares}: nobody modifies them after
 * construction.
 */
public final class BooleanShares {
  private final long[] own;
  private final long[] next;

  /** Takes ownership of both arrays, which must have the same length. */
  public BooleanShares(long[] own, long[] next) {
    Objects.requireNonNull(own, "own");
    Objects.requireNonNull(next, "next");
    if (own.length != next.length) {
      throw new IllegalArgumentException(
          "share arrays differ in length: " + own.length + " and " + next.length);
    }
    this.own = own;
    this.next = next;
  }

  public long[] own() {
    return own;
  }

  public long[] next() {
    return next;
  }

  public int length() {
    return own.length;
  }

  /** Words {@code [from, from + count)} as a new batch (copies). */
  public BooleanShares slice(int from, int count) {
    return new BooleanShares(Batches.copy(own, from, count), Batches.copy(next, from, count));
  }

  /** The batches one after another (copies). */
  public static BooleanShares concat(BooleanShares... parts) {
    long[][] owns = new long[parts.length][];
    long[][] nexts = new long[parts.length][];
    for (int p = 0; p < parts.length; p++) {
      owns[p] = parts[p].own;
      nexts[p] = parts[p].next;
    }
    return new BooleanShares(Batches.concat(owns), Batches.concat(nexts));
  }

  @Override
  public String toString() {
    return "BooleanShares[" + own.length + " words]";
  }
}
