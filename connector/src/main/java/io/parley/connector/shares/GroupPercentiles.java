package io.parley.connector.shares;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The percentiles of one group, in encoded form (order-preserving signed longs), as {@link
 * PercentileStage} returns them at the result party: for the {@code i}-th requested percentile
 * {@code p}, with {@code position = p * (count - 1)}, {@code lower[i]} is the order statistic at
 * rank {@code floor(position)}, {@code upper[i]} the one at {@code ceil(position)} and {@code
 * fraction[i] = position - floor(position)}, so Spark's {@code percentile} is {@code lower +
 * fraction * (upper - lower)} after decoding.
 *
 * @param group the group id the caller assigned
 * @param count how many values the group has over all parties (at least 1)
 */
public record GroupPercentiles(int group, long count, long[] lower, long[] upper, double[] fraction)
    implements Serializable {
  public GroupPercentiles {
    if (lower.length != upper.length || lower.length != fraction.length) {
      throw new IllegalArgumentException(
          "per-percentile arrays differ in length: " + lower.length + ", " + upper.length + ", " + fraction.length);
    }
    if (count < 1) {
      throw new IllegalArgumentException("group " + group + " has " + count + " values; empty groups have no percentiles");
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof GroupPercentiles that
        && group == that.group
        && count == that.count
        && Arrays.equals(lower, that.lower)
        && Arrays.equals(upper, that.upper)
        && Arrays.equals(fraction, that.fraction);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * Integer.hashCode(group) + Long.hashCode(count)) + Arrays.hashCode(lower))
        + Arrays.hashCode(upper);
  }

  @Override
  public String toString() {
    return "GroupPercentiles[group " + group + ", count " + count + ", lower " + Arrays.toString(lower) + ", upper "
        + Arrays.toString(upper) + ", fraction " + Arrays.toString(fraction) + "]";
  }
}
