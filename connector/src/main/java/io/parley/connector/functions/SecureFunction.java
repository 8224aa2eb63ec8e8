package io.parley.connector.functions;

import io.parley.connector.shares.OrderedValueCodec;
import io.parley.protocols.ParleyException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * The secure aggregate functions: each computes over the pooled rows of every party exactly what
 * Spark's plain function of the same name computes over them, and each party learns only the
 * result. Names, arity, usage text and result types live here; the statistics each party sends and
 * how the result is finished live in {@link CallStatistics}.
 */
public enum SecureFunction {
  SUM(
      "secure_sum",
      1,
      1,
      "_FUNC_(expr) - Returns the sum of the non-null values of `expr` over the rows of all parties"
          + " of the federation; each party learns only the result. Integral and DECIMAL sums are"
          + " exact; the result type is that of Spark's sum.",
      """
      > SELECT region, _FUNC_(amount) FROM sales GROUP BY region;
       north	90.00
       south	70.00
      > SELECT _FUNC_(units) FROM sales WHERE region = 'north';
       8
      """),
  COUNT(
      "secure_count",
      0,
      1,
      "_FUNC_(*) - Returns the number of rows of all parties of the federation."
          + " _FUNC_(expr) - Returns the number of rows of all parties for which `expr` is not null."
          + " Each party learns only the result.",
      """
      > SELECT _FUNC_(*) FROM sales;
       5
      > SELECT region, _FUNC_(amount) FROM sales GROUP BY region;
       north	3
       south	2
      """),
  AVG(
      "secure_avg",
      1,
      1,
      "_FUNC_(expr) - Returns the mean of the non-null values of `expr` over the rows of all"
          + " parties of the federation; each party learns only the result. The result type and"
          + " rounding are those of Spark's avg.",
      """
      > SELECT region, _FUNC_(amount) FROM sales GROUP BY region;
       north	30.000000
       south	35.000000
      > SELECT _FUNC_(units) FROM sales;
       3.0
      """),
  VAR_SAMP(
      "secure_var_samp",
      1,
      1,
      "_FUNC_(expr) - Returns the sample variance of the non-null values of `expr` over the rows of"
          + " all parties of the federation; each party learns only the result. Null for fewer than"
          + " two values, as Spark's var_samp.",
      """
      > SELECT _FUNC_(units) FROM sales;
       2.5
      """),
  VAR_POP(
      "secure_var_pop",
      1,
      1,
      "_FUNC_(expr) - Returns the population variance of the non-null values of `expr` over the"
          + " rows of all parties of the federation; each party learns only the result.",
      """
      > SELECT _FUNC_(units) FROM sales;
       2.0
      """),
  STDDEV_SAMP(
      "secure_stddev_samp",
      1,
      1,
      "_FUNC_(expr) - Returns the sample standard deviation of the non-null values of `expr` over"
          + " the rows of all parties of the federation; each party learns only the result. Null for"
          + " fewer than two values, as Spark's stddev_samp.",
      """
      > SELECT _FUNC_(units) FROM sales;
       1.5811388300841898
      """),
  STDDEV_POP(
      "secure_stddev_pop",
      1,
      1,
      "_FUNC_(expr) - Returns the population standard deviation of the non-null values of `expr`"
          + " over the rows of all parties of the federation; each party learns only the result.",
      """
      > SELECT _FUNC_(units) FROM sales;
       1.4142135623730951
      """),
  COVAR_SAMP(
      "secure_covar_samp",
      2,
      2,
      "_FUNC_(expr1, expr2) - Returns the sample covariance of the pairs of non-null values of"
          + " `expr1` and `expr2` over the rows of all parties of the federation; each party learns"
          + " only the result.",
      """
      > SELECT _FUNC_(units, amount) FROM sales;
       30.0
      """),
  CORR(
      "secure_corr",
      2,
      2,
      "_FUNC_(expr1, expr2) - Returns the Pearson correlation coefficient of the pairs of non-null"
          + " values of `expr1` and `expr2` over the rows of all parties of the federation; each"
          + " party learns only the result.",
      """
      > SELECT _FUNC_(units, amount) FROM sales;
       0.9863939238321437
      """),
  MIN(
      "secure_min",
      1,
      1,
      "_FUNC_(expr) - Returns the smallest non-null value of `expr` over the rows of all parties of"
          + " the federation, computed on secret shares among the three compute parties; the initiator"
          + " learns only the result. The result type is that of `expr`.",
      """
      > SELECT region, _FUNC_(units) FROM sales GROUP BY region;
       north	1
       south	3
      """),
  MAX(
      "secure_max",
      1,
      1,
      "_FUNC_(expr) - Returns the largest non-null value of `expr` over the rows of all parties of"
          + " the federation, computed on secret shares among the three compute parties; the initiator"
          + " learns only the result. The result type is that of `expr`.",
      """
      > SELECT region, _FUNC_(amount) FROM sales GROUP BY region;
       north	60.00
       south	40.00
      """),
  MEDIAN(
      "secure_median",
      1,
      1,
      "_FUNC_(expr) - Returns the median of the non-null values of `expr` over the rows of all"
          + " parties of the federation as Spark's median (percentile 0.5, linearly interpolated,"
          + " DOUBLE), computed on secret shares; the compute parties learn each group's count.",
      """
      > SELECT _FUNC_(units) FROM sales;
       3.0
      """),
  PERCENTILE(
      "secure_percentile",
      2,
      2,
      "_FUNC_(expr, p) - Returns the exact p-th percentile (p a literal in [0, 1]) of the non-null"
          + " values of `expr` over the rows of all parties of the federation as Spark's percentile"
          + " (linear interpolation, DOUBLE), computed on secret shares; the compute parties learn"
          + " each group's count.",
      """
      > SELECT _FUNC_(units, 0.25) FROM sales;
       2.0
      """),
  MAX_BY(
      "secure_max_by",
      2,
      2,
      "_FUNC_(x, y) - Returns the value of `x` at the row with the largest `y` over the rows of all"
          + " parties of the federation (rows with a null `y` are ignored), as Spark's max_by, computed"
          + " on secret shares; the initiator learns only the result.",
      """
      > SELECT _FUNC_(units, amount) FROM sales;
       5
      """),
  MIN_BY(
      "secure_min_by",
      2,
      2,
      "_FUNC_(x, y) - Returns the value of `x` at the row with the smallest `y` over the rows of all"
          + " parties of the federation (rows with a null `y` are ignored), as Spark's min_by, computed"
          + " on secret shares; the initiator learns only the result.",
      """
      > SELECT _FUNC_(units, amount) FROM sales;
       1
      """);

  private final String sqlName;
  private final int minArguments;
  private final int maxArguments;
  private final String usage;
  private final String examples;

  SecureFunction(String sqlName, int minArguments, int maxArguments, String usage, String examples) {
    this.sqlName = sqlName;
    this.minArguments = minArguments;
    this.maxArguments = maxArguments;
    this.usage = usage;
    this.examples = examples;
  }

  /** The SQL name, e.g. {@code secure_sum}. */
  public String sqlName() {
    return sqlName;
  }

  /** Usage text in Spark's {@code ExpressionInfo} style ({@code _FUNC_} stands for the name). */
  public String usage() {
    return usage;
  }

  /**
   * Example calls with results in the block Spark's {@code ExpressionInfo} takes and {@code DESCRIBE
   * FUNCTION EXTENDED} shows: an {@code Examples:} header, each {@code > SQL;} line followed by its
   * result lines, indented as in Spark's own function docs. The examples query a federated table
   * {@code sales} whose pooled rows are (north, 1, 10.00), (north, 2, 20.00), (south, 3, 30.00),
   * (south, 4, 40.00), (north, 5, 60.00) for (region, units, amount).
   */
  public String examples() {
    StringBuilder block = new StringBuilder("\n    Examples:\n");
    for (String line : examples.strip().split("\n")) {
      block.append("      ").append(line.stripTrailing()).append('\n');
    }
    return block.append("  ").toString();
  }

  public int minArguments() {
    return minArguments;
  }

  public int maxArguments() {
    return maxArguments;
  }

  /**
   * Whether this function compares values, so that it runs on secret shares among the federation's
   * three compute parties rather than by secure aggregation of masked sums.
   */
  public boolean compares() {
    return switch (this) {
      case MIN, MAX, MEDIAN, PERCENTILE, MAX_BY, MIN_BY -> true;
      default -> false;
    };
  }

  /** The function called {@code name} (case-insensitive), if it is a secure function. */
  public static Optional<SecureFunction> bySqlName(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String lower = name.toLowerCase(Locale.ROOT);
    for (SecureFunction function : values()) {
      if (function.sqlName.equals(lower)) {
        return Optional.of(function);
      }
    }
    return Optional.empty();
  }

  /**
   * Spark's result type for the plain function over arguments of these types.
   *
   * @throws ParleyException with a short reason if this function cannot take such arguments
   */
  public DataType resultType(List<DataType> argumentTypes) {
    int count = argumentTypes.size();
    if (count < minArguments || count > maxArguments) {
      throw new ParleyException(
          sqlName + " takes " + (minArguments == maxArguments ? minArguments : minArguments + " or " + maxArguments)
              + " arguments, got " + count);
    }
    if (this == COUNT) {
      return DataTypes.LongType;
    }
    if (compares()) {
      return comparedResultType(argumentTypes);
    }
    for (DataType type : argumentTypes) {
      if (!isNumeric(type)) {
        throw new ParleyException(sqlName + " takes numeric values");
      }
    }
    DataType argument = argumentTypes.get(0);
    switch (this) {
      case SUM:
        if (argument instanceof DecimalType decimal) {
          return boundedDecimal(decimal.precision() + 10, decimal.scale());
        }
        return isIntegral(argument) ? DataTypes.LongType : DataTypes.DoubleType;
      case AVG:
        if (argument instanceof DecimalType decimal) {
          return boundedDecimal(decimal.precision() + 4, decimal.scale() + 4);
        }
        return DataTypes.DoubleType;
      default:
        return DataTypes.DoubleType;
    }
  }

  private DataType comparedResultType(List<DataType> argumentTypes) {
    String supported = "integral, DECIMAL(p<=" + OrderedValueCodec.MAX_DECIMAL_PRECISION + "), FLOAT or DOUBLE values";
    for (int a = 0; a < argumentTypes.size(); a++) {
      DataType type = argumentTypes.get(a);
      boolean percentage = this == PERCENTILE && a == 1;
      if (percentage ? !isNumeric(type) : !OrderedValueCodec.supports(type)) {
        throw new ParleyException(sqlName + " takes " + (percentage ? "a numeric percentage" : supported)
            + ", not " + type.sql());
      }
    }
    return switch (this) {
      case MEDIAN, PERCENTILE -> DataTypes.DoubleType;
      default -> argumentTypes.get(0);
    };
  }

  static boolean isNumeric(DataType type) {
    return isIntegral(type) || type instanceof DecimalType || type instanceof FloatType || type instanceof DoubleType;
  }

  static boolean isIntegral(DataType type) {
    return type instanceof ByteType || type instanceof ShortType || type instanceof IntegerType || type instanceof LongType;
  }

  /** Spark's {@code DecimalType.bounded}: precision and scale each capped at 38. */
  static DecimalType boundedDecimal(int precision, int scale) {
    return DataTypes.createDecimalType(
        Math.min(precision, DecimalType.MAX_PRECISION()), Math.min(scale, DecimalType.MAX_SCALE()));
  }
}
