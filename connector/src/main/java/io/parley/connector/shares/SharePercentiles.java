package io.parley.connector.shares;

import io.parley.connector.party.PartyRuntime;
import io.parley.protocols.ParleyException;
import io.parley.protocols.mpc.ComputeSession;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * secure_median and secure_percentile: the order statistics of each reported group's pooled
 * values from {@link PercentileStage}, finished with Spark's percentile interpolation.
 */
final class SharePercentiles {
  private SharePercentiles() {}

  /**
   * Runs the stage for {@code percentages} over {@code values} (columns group INT, value BIGINT,
   * encoded with {@link OrderedValueCodec}). At {@code resultParty}: per group index, its
   * percentiles, or null for a group without values; elsewhere an empty array.
   */
  static GroupPercentiles[] run(SparkSession spark, PartyRuntime runtime, ComputeSession session, Dataset<Row> values,
      int groupCount, double[] percentages, int partitions, int resultParty, String operation) {
    List<GroupPercentiles> found =
        PercentileStage.run(spark, runtime, session, values, groupCount, percentages, partitions, resultParty, operation);
    if (session.partyId() != resultParty) {
      return new GroupPercentiles[0];
    }
    GroupPercentiles[] byGroup = new GroupPercentiles[groupCount];
    for (GroupPercentiles group : found) {
      if (group.group() < 0 || group.group() >= groupCount || byGroup[group.group()] != null
          || group.lower().length != percentages.length) {
        throw new ParleyException("the percentile stage returned a malformed result for group " + group.group());
      }
      byGroup[group.group()] = group;
    }
    return byGroup;
  }

  /**
   * Spark's percentile over {@code count} values whose order statistics at ranks floor and ceil of
   * {@code (count - 1) * p} are {@code lower} and {@code upper} (encoded): no interpolation when the
   * position is whole or both are the same value, else {@code (hi - pos) * lower + (pos - lo) * upper}
   * (Spark's {@code Percentile.getPercentile}).
   */
  static double interpolate(OrderedValueCodec codec, long count, long lower, long upper, double percentage) {
    double position = (count - 1) * percentage;
    long low = (long) Math.floor(position);
    long high = (long) Math.ceil(position);
    if (low == high || lower == upper) {
      return codec.toDouble(lower);
    }
    return (high - position) * codec.toDouble(lower) + (position - low) * codec.toDouble(upper);
  }
}
