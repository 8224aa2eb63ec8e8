package io.parley.connector.shares;

import io.parley.connector.party.PartyRuntime;
import io.parley.protocols.ParleyException;
import io.parley.protocols.mpc.ComputeSession;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * secure_median and secure_percentile: the order statistics of each reported group's pooled
 * values, from the percentile stage, finished with Spark's percentile interpolation.
 *
 * <p>The stage itself ({@code PercentileStage}) is built on its own branch; until it is merged
 * into this one, it is looked up by name and its absence refuses the query with a clear message.
 */
final class SharePercentiles {
  static final String STAGE_CLASS = "io.parley.connector.shares.PercentileStage";

  private SharePercentiles() {}

  /**
   * Runs the stage for one percentage over {@code values} (columns group INT, value BIGINT,
   * encoded with {@link OrderedValueCodec}). At {@code resultParty}, per group index: {@code {count,
   * lower, upper}}, or null for a group without values; elsewhere an empty list.
   */
  static List<long[]> run(SparkSession spark, PartyRuntime runtime, ComputeSession session, Dataset<Row> values,
      int groupCount, double percentage, int partitions, int resultParty, String operation) {
    List<?> found = invokeStage(spark, runtime, session, values, groupCount, percentage, partitions, resultParty,
        operation);
    if (session.partyId() != resultParty) {
      return List.of();
    }
    long[][] byGroup = new long[groupCount][];
    for (Object groupPercentiles : found) {
      int group = (Integer) accessor(groupPercentiles, "group");
      long count = (Long) accessor(groupPercentiles, "count");
      long[] lower = (long[]) accessor(groupPercentiles, "lower");
      long[] upper = (long[]) accessor(groupPercentiles, "upper");
      if (group < 0 || group >= groupCount || byGroup[group] != null || count < 1 || lower.length != 1
          || upper.length != 1) {
        throw new ParleyException("the percentile stage returned a malformed result for group " + group);
      }
      byGroup[group] = new long[] {count, lower[0], upper[0]};
    }
    return new ArrayList<>(Arrays.asList(byGroup));
  }

  /**
   * Spark's percentile over {@code count} values whose order statistics at ranks floor and ceil of
   * {@code (count - 1) * p} are {@code lower} and {@code upper} (encoded): no interpolation when the
   * position is whole or both are the same value, else {@code (hi - pos) * lower + (pos - lo) * upper}.
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

  private static List<?> invokeStage(SparkSession spark, PartyRuntime runtime, ComputeSession session,
      Dataset<Row> values, int groupCount, double percentage, int partitions, int resultParty, String operation) {
    Method run;
    try {
      run = Class.forName(STAGE_CLASS).getMethod("run", SparkSession.class, PartyRuntime.class, ComputeSession.class,
          Dataset.class, int.class, double[].class, int.class, int.class, String.class);
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      throw new ParleyException("secure_median and secure_percentile need the percentile stage (" + STAGE_CLASS
          + "), which this build of Parley lacks");
    }
    try {
      return (List<?>) run.invoke(null, spark, runtime, session, values, groupCount, new double[] {percentage},
          partitions, resultParty, operation);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new ParleyException("the percentile stage failed: " + e.getCause(), e.getCause());
    } catch (IllegalAccessException e) {
      throw new ParleyException("the percentile stage cannot be called: " + e.getMessage(), e);
    }
  }

  private static Object accessor(Object record, String name) {
    try {
      return record.getClass().getMethod(name).invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new ParleyException("the percentile stage's result lacks " + name, e);
    }
  }
}
