package io.parley.connector;

import io.parley.connector.functions.SecureFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/**
 * The secure_* aggregates for the DataFrame API. Each calls the function {@link ParleyExtensions}
 * registered under the same name, so {@code df.groupBy("region").agg(secureSum(col("amount")))}
 * is planned exactly like the same query in SQL.
 */
public final class ParleyFunctions {
  private ParleyFunctions() {}

  public static Column secureSum(Column value) {
    return call(SecureFunction.SUM, value);
  }

  public static Column secureCount(Column value) {
    return call(SecureFunction.COUNT, value);
  }

  /** {@code secure_count(*)}: the number of rows. */
  public static Column secureCountAll() {
    return call(SecureFunction.COUNT);
  }

  public static Column secureAvg(Column value) {
    return call(SecureFunction.AVG, value);
  }

  public static Column secureVarSamp(Column value) {
    return call(SecureFunction.VAR_SAMP, value);
  }

  public static Column secureVarPop(Column value) {
    return call(SecureFunction.VAR_POP, value);
  }

  public static Column secureStddevSamp(Column value) {
    return call(SecureFunction.STDDEV_SAMP, value);
  }

  public static Column secureStddevPop(Column value) {
    return call(SecureFunction.STDDEV_POP, value);
  }

  public static Column secureCovarSamp(Column left, Column right) {
    return call(SecureFunction.COVAR_SAMP, left, right);
  }

  public static Column secureCorr(Column left, Column right) {
    return call(SecureFunction.CORR, left, right);
  }

  public static Column secureMin(Column value) {
    return call(SecureFunction.MIN, value);
  }

  public static Column secureMax(Column value) {
    return call(SecureFunction.MAX, value);
  }

  public static Column secureMedian(Column value) {
    return call(SecureFunction.MEDIAN, value);
  }

  /** {@code secure_percentile(value, p)}, {@code p} in [0, 1]. */
  public static Column securePercentile(Column value, double percentage) {
    return call(SecureFunction.PERCENTILE, value, functions.lit(percentage));
  }

  /** The value of {@code value} at the row with the largest {@code ordering}. */
  public static Column secureMaxBy(Column value, Column ordering) {
    return call(SecureFunction.MAX_BY, value, ordering);
  }

  /** The value of {@code value} at the row with the smallest {@code ordering}. */
  public static Column secureMinBy(Column value, Column ordering) {
    return call(SecureFunction.MIN_BY, value, ordering);
  }

  private static Column call(SecureFunction function, Column... arguments) {
    return functions.call_function(function.sqlName(), arguments);
  }
}
