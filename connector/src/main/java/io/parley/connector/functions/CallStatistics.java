package io.parley.connector.functions;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.covar_pop;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.shiftright;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.var_pop;
import static org.apache.spark.sql.functions.when;

import io.parley.connector.shares.OrderedValueCodec;
import io.parley.protocols.ParleyException;
import io.parley.protocols.ring.FixedPoint;
import io.parley.protocols.ring.Limbs;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.ShortType;

/**
 * One secure aggregate call's local statistics, their ring encoding and the finishing of the result.
 *
 * <p>Every party computes {@link #localAggregates} per group with ordinary Spark aggregates over its
 * own rows and {@link #encode}s them into {@link #words()} ring words; the word-wise sum over all
 * parties is the encoding of the pooled statistics, from which {@link #finish} computes what Spark's
 * plain function computes over the pooled rows. The statistics are chosen so that pooling is a plain
 * sum:
 *
 * <ul>
 *   <li><b>Counts</b>: exact, 2 words.
 *   <li><b>Sums of integral and DECIMAL values</b>: exact, over the unscaled values (integral values
 *       are summed as DECIMAL(q,0) so a party's sum never wraps), sized by the local sum's DECIMAL
 *       type (3 words for INT, 4 for BIGINT, 3 for DECIMAL(12,2)); plus a word counting parties whose
 *       local DECIMAL sum overflowed, so the result is null (or an ANSI error) as in Spark.
 *   <li><b>Second moments of integral and DECIMAL(p&lt;=18) values</b>: exact: count, the sum of the
 *       unscaled values and the sum of their products. Products of values wider than 13 digits are
 *       summed as four exact partial products of 32-bit halves, so no party's sum overflows. The
 *       result is the exact rational rounded once to DOUBLE (Spark's own Welford update rounds per
 *       row, so the two agree to a few ulps on ordinary data).
 *   <li><b>DOUBLE statistics</b> (FLOAT/DOUBLE arguments, DECIMAL wider than 18 digits, and mixed
 *       argument pairs): fixed point with 64 fractional bits ({@link #FRACTIONAL_BITS}); sums in 6
 *       words (magnitude below 2^127), sums of squares and products in 8 (below 2^191). For second
 *       moments each party sends {@code n·cov_pop + s_a·s_b/n}, its raw co-moment computed from
 *       Spark's numerically stable local moments, so that the finishing {@code Σ − S_a·S_b/N} cancels
 *       rounding of the local sums to first order: the pooled variance is then as accurate as a
 *       single-party Spark variance, bounded below by the 2^-64 resolution (a variance below about
 *       2^-62·(1+|mean|) is reported as 0). NaN and infinite local statistics are counted in their
 *       own words and give NaN/±Infinity as Spark's arithmetic does.
 * </ul>
 *
 * <p>Spark semantics follow the settings of the session that builds the statistics (read from
 * {@link SQLConf} in {@link #of(SecureFunction, List)}): {@code spark.sql.ansi.enabled} (Spark 4
 * default true) turns BIGINT and DECIMAL sum overflow and division by zero in {@code corr} of a
 * constant column into errors, as in Spark; otherwise they give wrap-around (BIGINT), null (DECIMAL,
 * corr). {@code spark.sql.legacy.statisticalAggregate} gives NaN instead of null for sample
 * statistics of one row. One difference is deliberate: Spark's ANSI overflow check fires on an
 * intermediate sum that overflows even when the total fits; Parley sums exactly and checks only the
 * total.
 */
public final class CallStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Fractional bits of DOUBLE statistics. */
  public static final int FRACTIONAL_BITS = 64;

  static final int COUNT_WORDS = 2;
  static final int FLAG_WORDS = 1;
  static final int FIRST_MOMENT_WORDS = 6;
  static final int SECOND_MOMENT_WORDS = 8;
  /** Widest unscaled value (digits) the exact second-moment path takes: it must fit a long. */
  static final int MAX_EXACT_MOMENT_DIGITS = 18;
  /** Up to this many digits in a product, a party sums products directly in DECIMAL(38,0). */
  static final int MAX_DIRECT_PRODUCT_DIGITS = 26;

  private static final BigInteger TWO_TO_THE_F = BigInteger.ONE.shiftLeft(FRACTIONAL_BITS);
  private static final MathContext FINISH_CONTEXT = new MathContext(40, RoundingMode.HALF_EVEN);
  private static final DecimalType HALF_WORD_DECIMAL = DataTypes.createDecimalType(10, 0);
  private static final long LOW_HALF_MASK = 0xFFFF_FFFFL;

  private enum Shape {
    COUNT,
    EXACT_SUM,
    DOUBLE_SUM,
    EXACT_MOMENTS,
    DOUBLE_MOMENTS,
    /** secure_min/max: the local extreme and whether the party has none, compared on shares. */
    EXTREME,
    /** secure_max_by/min_by: the local extreme of y, x there, whether x is null, whether the party has none. */
    EXTREME_BY,
    /** secure_median/percentile: no words; the values themselves are shared by a stage of their own. */
    VALUES
  }

  /** EXTREME words: the extreme, then the absent flag. */
  public static final int EXTREME_WORDS = 2;
  /** EXTREME_BY words: y's extreme, x there, x-is-null, then the absent flag. */
  public static final int EXTREME_BY_WORDS = 4;

  private final SecureFunction function;
  private final List<DataType> argumentTypes;
  private final DataType resultType;
  private final boolean ansi;
  private final boolean legacyStatisticalAggregate;
  private final Shape shape;
  /** Argument index pairs whose co-moments a moment function needs ({a, a} for a variance). */
  private final int[][] pairs;
  /** EXACT_SUM: scale of the summed values. */
  private final int sumScale;
  /** EXACT_SUM, EXACT_MOMENTS: words of each first-moment sum. */
  private final int[] sumWords;
  /** EXACT_MOMENTS: unscaled digits of each argument, and whether each pair is summed directly. */
  private final int[] digits;
  private final int[] scales;
  private final boolean[] directProduct;
  private final int[] productWords;
  private final int words;

  private CallStatistics(
      SecureFunction function, List<DataType> argumentTypes, boolean ansi, boolean legacyStatisticalAggregate) {
    this.function = Objects.requireNonNull(function, "function");
    this.argumentTypes = List.copyOf(argumentTypes);
    this.resultType = function.resultType(this.argumentTypes);
    this.ansi = ansi;
    this.legacyStatisticalAggregate = legacyStatisticalAggregate;
    int arity = this.argumentTypes.size();
    this.digits = new int[arity];
    this.scales = new int[arity];
    boolean allExact = true;
    for (int a = 0; a < arity; a++) {
      DataType type = this.argumentTypes.get(a);
      digits[a] = exactDigits(type);
      scales[a] = type instanceof DecimalType decimal ? decimal.scale() : 0;
      allExact &= digits[a] > 0;
    }
    switch (function) {
      case COUNT -> {
        shape = Shape.COUNT;
        pairs = new int[0][];
      }
      case MIN, MAX -> {
        shape = Shape.EXTREME;
        pairs = new int[0][];
      }
      case MAX_BY, MIN_BY -> {
        shape = Shape.EXTREME_BY;
        pairs = new int[0][];
      }
      case MEDIAN, PERCENTILE -> {
        shape = Shape.VALUES;
        pairs = new int[0][];
      }
      case SUM, AVG -> {
        shape = allExact ? Shape.EXACT_SUM : Shape.DOUBLE_SUM;
        pairs = new int[0][];
      }
      case COVAR_SAMP -> {
        pairs = new int[][] {{0, 1}};
        shape = momentShape(allExact);
      }
      case CORR -> {
        pairs = new int[][] {{0, 0}, {1, 1}, {0, 1}};
        shape = momentShape(allExact);
      }
      default -> {
        pairs = new int[][] {{0, 0}};
        shape = momentShape(allExact);
      }
    }
    this.sumWords = new int[arity];
    this.directProduct = new boolean[pairs.length];
    this.productWords = new int[pairs.length];
    int sumScaleFound = 0;
    if (shape == Shape.EXACT_SUM) {
      DecimalType local = exactSumType(this.argumentTypes.get(0));
      sumScaleFound = local.scale();
      sumWords[0] = wordsForDigits(local.precision());
    } else if (shape == Shape.EXACT_MOMENTS) {
      for (int a = 0; a < arity; a++) {
        sumWords[a] = wordsForDigits(Math.min(DecimalType.MAX_PRECISION(), digits[a] + 10));
      }
      for (int p = 0; p < pairs.length; p++) {
        int productDigits = digits[pairs[p][0]] + digits[pairs[p][1]];
        directProduct[p] = productDigits <= MAX_DIRECT_PRODUCT_DIGITS;
        productWords[p] =
            directProduct[p]
                ? wordsForDigits(productDigits + 1 + 10)
                : wordsFor(splitProductBound());
      }
    }
    this.sumScale = sumScaleFound;
    this.words = countWords();
  }

  /** Exact second moments need every unscaled value in a long: integral types and DECIMAL(p<=18). */
  private Shape momentShape(boolean allExact) {
    for (DataType type : argumentTypes) {
      if (type instanceof DecimalType decimal && decimal.precision() > MAX_EXACT_MOMENT_DIGITS) {
        return Shape.DOUBLE_MOMENTS;
      }
    }
    return allExact ? Shape.EXACT_MOMENTS : Shape.DOUBLE_MOMENTS;
  }

  /**
   * The statistics of {@code function} over arguments of these types, finished with the Spark
   * semantics of the current session ({@code spark.sql.ansi.enabled},
   * {@code spark.sql.legacy.statisticalAggregate}).
   *
   * @throws ParleyException if the function cannot take such arguments
   */
  public static CallStatistics of(SecureFunction function, List<DataType> argumentTypes) {
    SQLConf conf = SQLConf.get();
    return of(function, argumentTypes, conf.ansiEnabled(), conf.legacyStatisticalAggregate());
  }

  /** As {@link #of(SecureFunction, List)}, with the two settings that change results given. */
  public static CallStatistics of(
      SecureFunction function,
      List<DataType> argumentTypes,
      boolean ansiEnabled,
      boolean legacyStatisticalAggregate) {
    return new CallStatistics(function, argumentTypes, ansiEnabled, legacyStatisticalAggregate);
  }

  public SecureFunction function() {
    return function;
  }

  public List<DataType> argumentTypes() {
    return argumentTypes;
  }

  /** Spark's result type of the plain function; {@link #finish} returns values of this type. */
  public DataType resultType() {
    return resultType;
  }

  /** Ring words per group for this call. */
  public int words() {
    return words;
  }

  // ---------------------------------------------------------------- layout

  private int countWords() {
    switch (shape) {
      case EXTREME -> {
        return EXTREME_WORDS;
      }
      case EXTREME_BY -> {
        return EXTREME_BY_WORDS;
      }
      case VALUES -> {
        return 0;
      }
      default -> {}
    }
    int total = COUNT_WORDS;
    switch (shape) {
      case COUNT -> {}
      case EXACT_SUM -> total += FLAG_WORDS + sumWords[0];
      case DOUBLE_SUM -> total += FIRST_MOMENT_WORDS + 3 * FLAG_WORDS;
      case EXACT_MOMENTS -> {
        for (int w : sumWords) {
          total += w;
        }
        for (int w : productWords) {
          total += w;
        }
      }
      case DOUBLE_MOMENTS -> total += FLAG_WORDS + argumentTypes.size() * FIRST_MOMENT_WORDS
          + pairs.length * SECOND_MOMENT_WORDS;
    }
    return total;
  }

  /**
   * Canonical text of the statistics: function, argument types and every statistic with its words.
   * Parties compare digests of it, so it changes whenever the encoding does.
   */
  public String layout() {
    StringBuilder text = new StringBuilder("v1 ").append(function.sqlName()).append('(')
        .append(argumentTypes.stream().map(DataType::sql).collect(Collectors.joining(", ")))
        .append(") ").append(shape.name().toLowerCase(java.util.Locale.ROOT))
        .append(shape == Shape.EXTREME || shape == Shape.EXTREME_BY || shape == Shape.VALUES ? " [" : " [count:" + COUNT_WORDS);
    switch (shape) {
      case COUNT -> {}
      case EXTREME -> text.append(", ordered extreme:1, absent:1");
      case EXTREME_BY -> text.append(", ordered extreme of y:1, ordered x:1, x null:1, absent:1");
      case VALUES -> text.append(", values shared apart");
      case EXACT_SUM -> text.append(", overflowed:").append(FLAG_WORDS)
          .append(", sum@10^-").append(sumScale).append(':').append(sumWords[0]);
      case DOUBLE_SUM -> text.append(", sum@2^-").append(FRACTIONAL_BITS).append(':').append(FIRST_MOMENT_WORDS)
          .append(", nan:1, +inf:1, -inf:1");
      case EXACT_MOMENTS -> {
        for (int a = 0; a < sumWords.length; a++) {
          text.append(", sum").append(a).append("@10^-").append(scales[a]).append(':').append(sumWords[a]);
        }
        for (int p = 0; p < pairs.length; p++) {
          text.append(", product").append(pairs[p][0]).append(pairs[p][1])
              .append(directProduct[p] ? "" : "(split)").append(':').append(productWords[p]);
        }
      }
      case DOUBLE_MOMENTS -> {
        text.append(", nonfinite:").append(FLAG_WORDS);
        for (int a = 0; a < argumentTypes.size(); a++) {
          text.append(", sum").append(a).append("@2^-").append(FRACTIONAL_BITS).append(':').append(FIRST_MOMENT_WORDS);
        }
        for (int[] pair : pairs) {
          text.append(", product").append(pair[0]).append(pair[1]).append("@2^-").append(FRACTIONAL_BITS)
              .append(':').append(SECOND_MOMENT_WORDS);
        }
      }
    }
    return text.append("] words=").append(words).toString();
  }

  // ---------------------------------------------------------------- local aggregates

  /**
   * The aggregate columns a party computes per group over its own rows, for a call with these
   * argument columns; {@link #encode} reads their values in this order.
   */
  public List<Column> localAggregates(List<Column> arguments) {
    if (arguments.size() != argumentTypes.size()) {
      throw new IllegalArgumentException(
          function.sqlName() + " has " + argumentTypes.size() + " arguments, got " + arguments.size() + " columns");
    }
    List<Column> aggregates = new ArrayList<>();
    switch (shape) {
      case COUNT -> aggregates.add(arguments.isEmpty() ? count(lit(1)) : count(arguments.get(0)));
      case EXTREME -> {
        aggregates.add(count(arguments.get(0)));
        aggregates.add(function == SecureFunction.MIN ? min(arguments.get(0)) : max(arguments.get(0)));
      }
      case EXTREME_BY -> {
        Column x = arguments.get(0);
        Column y = arguments.get(1);
        boolean largest = function == SecureFunction.MAX_BY;
        aggregates.add(count(y));
        aggregates.add(largest ? max(y) : min(y));
        aggregates.add(largest ? max_by(x, y) : min_by(x, y));
      }
      case VALUES -> {}
      case EXACT_SUM -> {
        Column value = arguments.get(0);
        DataType type = argumentTypes.get(0);
        Column summed = type instanceof DecimalType ? value : value.cast(exactDecimal(type));
        aggregates.add(count(value));
        aggregates.add(sum(summed));
      }
      case DOUBLE_SUM -> {
        Column value = arguments.get(0).cast(DataTypes.DoubleType);
        aggregates.add(count(value));
        aggregates.add(sum(value));
      }
      case EXACT_MOMENTS -> {
        List<Column> unscaled = new ArrayList<>();
        for (int a = 0; a < arguments.size(); a++) {
          unscaled.add(onlyWhenAllPresent(unscaledDecimal(arguments.get(a), a), arguments));
        }
        aggregates.add(count(unscaled.get(0)));
        for (Column u : unscaled) {
          aggregates.add(sum(u));
        }
        for (int p = 0; p < pairs.length; p++) {
          Column left = unscaled.get(pairs[p][0]);
          Column right = unscaled.get(pairs[p][1]);
          if (directProduct[p]) {
            aggregates.add(sum(left.multiply(right)));
          } else {
            Column leftLong = left.cast(DataTypes.LongType);
            Column rightLong = right.cast(DataTypes.LongType);
            aggregates.add(sum(high(leftLong).multiply(high(rightLong))));
            aggregates.add(sum(high(leftLong).multiply(low(rightLong))));
            aggregates.add(sum(low(leftLong).multiply(high(rightLong))));
            aggregates.add(sum(low(leftLong).multiply(low(rightLong))));
          }
        }
      }
      case DOUBLE_MOMENTS -> {
        List<Column> values = new ArrayList<>();
        for (Column argument : arguments) {
          values.add(onlyWhenAllPresent(argument.cast(DataTypes.DoubleType), arguments));
        }
        aggregates.add(count(values.get(0)));
        for (Column value : values) {
          aggregates.add(sum(value));
        }
        for (int[] pair : pairs) {
          Column left = values.get(pair[0]);
          Column right = values.get(pair[1]);
          aggregates.add(pair[0] == pair[1] ? var_pop(left) : covar_pop(left, right));
        }
      }
    }
    return aggregates;
  }

  /** For covariance and correlation, Spark takes only rows where both values are present. */
  private static Column onlyWhenAllPresent(Column value, List<Column> arguments) {
    if (arguments.size() < 2) {
      return value;
    }
    Column allPresent = arguments.get(0).isNotNull();
    for (Column other : arguments.subList(1, arguments.size())) {
      allPresent = allPresent.and(other.isNotNull());
    }
    return when(allPresent, value);
  }

  /** The argument's unscaled value as DECIMAL(digits, 0). */
  private Column unscaledDecimal(Column argument, int a) {
    DecimalType unscaledType = DataTypes.createDecimalType(digits[a], 0);
    if (scales[a] == 0) {
      return argument.cast(unscaledType);
    }
    // p, s <= 18, so the product's precision p + s + 2 stays within 38 and nothing is rounded.
    return argument.multiply(lit(BigDecimal.TEN.pow(scales[a]))).cast(unscaledType);
  }

  private static Column high(Column value) {
    return shiftright(value, 32).cast(HALF_WORD_DECIMAL);
  }

  private static Column low(Column value) {
    return value.bitwiseAND(lit(LOW_HALF_MASK)).cast(HALF_WORD_DECIMAL);
  }

  // ---------------------------------------------------------------- encoding

  /**
   * Encodes the local aggregate values at columns {@code firstColumn ..} of {@code aggregated} (in
   * {@link #localAggregates} order, as Spark returns them) into {@code out[offset .. offset +
   * words())}. A group with no non-null values encodes count 0 and zero statistics.
   *
   * @throws ParleyException if a statistic does not fit its ring words
   */
  public void encode(Row aggregated, int firstColumn, long[] out, int offset) {
    if (shape == Shape.VALUES) {
      return;
    }
    long n = aggregated.isNullAt(firstColumn) ? 0 : aggregated.getLong(firstColumn);
    if (shape == Shape.EXTREME || shape == Shape.EXTREME_BY) {
      encodeExtreme(aggregated, firstColumn + 1, n, out, offset);
      return;
    }
    int at = offset;
    Limbs.encode(n, out, at, COUNT_WORDS);
    at += COUNT_WORDS;
    int column = firstColumn + 1;
    switch (shape) {
      case COUNT -> {}
      case EXACT_SUM -> {
        BigDecimal local = aggregated.isNullAt(column) ? null : aggregated.getDecimal(column);
        boolean overflowed = n > 0 && local == null;
        Limbs.encode(overflowed ? 1 : 0, out, at, FLAG_WORDS);
        at += FLAG_WORDS;
        BigInteger unscaled = local == null ? BigInteger.ZERO : local.setScale(sumScale, RoundingMode.UNNECESSARY).unscaledValue();
        encodeChecked(unscaled, out, at, sumWords[0], "sum");
      }
      case DOUBLE_SUM -> {
        double local = aggregated.isNullAt(column) ? 0.0 : aggregated.getDouble(column);
        boolean finite = Double.isFinite(local);
        encodeChecked(finite ? FixedPoint.encode(local, FRACTIONAL_BITS) : BigInteger.ZERO,
            out, at, FIRST_MOMENT_WORDS, "sum");
        at += FIRST_MOMENT_WORDS;
        Limbs.encode(Double.isNaN(local) ? 1 : 0, out, at++, FLAG_WORDS);
        Limbs.encode(local == Double.POSITIVE_INFINITY ? 1 : 0, out, at++, FLAG_WORDS);
        Limbs.encode(local == Double.NEGATIVE_INFINITY ? 1 : 0, out, at, FLAG_WORDS);
      }
      case EXACT_MOMENTS -> {
        for (int a = 0; a < sumWords.length; a++) {
          encodeChecked(exactValue(aggregated, column++, n), out, at, sumWords[a], "sum");
          at += sumWords[a];
        }
        for (int p = 0; p < pairs.length; p++) {
          BigInteger product;
          if (directProduct[p]) {
            product = exactValue(aggregated, column++, n);
          } else {
            BigInteger highHigh = exactValue(aggregated, column++, n);
            BigInteger highLow = exactValue(aggregated, column++, n);
            BigInteger lowHigh = exactValue(aggregated, column++, n);
            BigInteger lowLow = exactValue(aggregated, column++, n);
            product = highHigh.shiftLeft(64).add(highLow.add(lowHigh).shiftLeft(32)).add(lowLow);
          }
          encodeChecked(product, out, at, productWords[p], "sum of products");
          at += productWords[p];
        }
      }
      case DOUBLE_MOMENTS -> encodeDoubleMoments(aggregated, column, n, out, at);
    }
  }

  /**
   * Encodes this call's words for a group the party does not have at all: as a group whose values
   * are all null (zero counts and sums; for extremes the sentinel and the absent flag).
   */
  public void encodeAbsent(long[] out, int offset) {
    switch (shape) {
      case VALUES -> {}
      case EXTREME, EXTREME_BY -> encodeExtreme(null, 0, 0, out, offset);
      default -> java.util.Arrays.fill(out, offset, offset + words, 0L);
    }
  }

  /**
   * An extreme's words. A party without a non-null value puts the sentinel that loses every
   * comparison (the largest long for a minimum, the smallest for a maximum) and sets its absent
   * flag, so that a real value equal to the sentinel still wins.
   */
  private void encodeExtreme(Row aggregated, int column, long n, long[] out, int offset) {
    boolean smallest = function == SecureFunction.MIN || function == SecureFunction.MIN_BY;
    long sentinel = smallest ? Long.MAX_VALUE : Long.MIN_VALUE;
    if (shape == Shape.EXTREME) {
      out[offset] = n == 0 ? sentinel : comparedCodec(0).encode(aggregated.get(column));
      out[offset + 1] = n == 0 ? 1 : 0;
      return;
    }
    boolean xNull = n == 0 || aggregated.isNullAt(column + 1);
    out[offset] = n == 0 ? sentinel : comparedCodec(1).encode(aggregated.get(column));
    out[offset + 1] = xNull ? 0 : comparedCodec(0).encode(aggregated.get(column + 1));
    out[offset + 2] = xNull ? 1 : 0;
    out[offset + 3] = n == 0 ? 1 : 0;
  }

  /** The order-preserving codec of argument {@code a} of a comparing call. */
  public OrderedValueCodec comparedCodec(int a) {
    return OrderedValueCodec.of(argumentTypes.get(a));
  }

  /**
   * A comparing call's result from the winning candidate: {@code key} (the extreme, encoded),
   * for max_by/min_by {@code x} there and whether it is null, and whether every party was absent
   * (then null, as Spark's min/max/max_by give for no non-null values).
   */
  public Object finishCompared(long key, long x, boolean xNull, boolean absent) {
    if (shape != Shape.EXTREME && shape != Shape.EXTREME_BY) {
      throw new IllegalStateException(function.sqlName() + " is not finished from an extreme");
    }
    if (absent) {
      return null;
    }
    if (shape == Shape.EXTREME) {
      return comparedCodec(0).decode(key);
    }
    return xNull ? null : comparedCodec(0).decode(x);
  }

  /** Whether this call's words are summed over the parties (false: they are compared on shares). */
  public boolean linear() {
    return !function.compares();
  }

  private void encodeDoubleMoments(Row aggregated, int column, long n, long[] out, int at) {
    int arity = argumentTypes.size();
    double[] sums = new double[arity];
    double[] centered = new double[pairs.length];
    boolean finite = true;
    for (int a = 0; a < arity; a++) {
      sums[a] = n == 0 || aggregated.isNullAt(column + a) ? 0.0 : aggregated.getDouble(column + a);
      finite &= Double.isFinite(sums[a]);
    }
    for (int p = 0; p < pairs.length; p++) {
      int c = column + arity + p;
      centered[p] = n == 0 || aggregated.isNullAt(c) ? 0.0 : aggregated.getDouble(c);
      finite &= Double.isFinite(centered[p]);
    }
    Limbs.encode(finite ? 0 : 1, out, at, FLAG_WORDS);
    at += FLAG_WORDS;
    for (int a = 0; a < arity; a++) {
      BigInteger sum = finite ? FixedPoint.encode(sums[a], FRACTIONAL_BITS) : BigInteger.ZERO;
      encodeChecked(sum, out, at, FIRST_MOMENT_WORDS, "sum");
      at += FIRST_MOMENT_WORDS;
    }
    for (int p = 0; p < pairs.length; p++) {
      BigInteger raw = BigInteger.ZERO;
      if (finite && n > 0) {
        // Σ x_a·x_b = n·cov_pop + s_a·s_b/n from Spark's stable local moments, rounded once to fixed
        // point: (cov_pop·n² + s_a·s_b)·2^F / n.
        BigDecimal count = BigDecimal.valueOf(n);
        BigDecimal numerator =
            new BigDecimal(centered[p]).multiply(count).multiply(count)
                .add(new BigDecimal(sums[pairs[p][0]]).multiply(new BigDecimal(sums[pairs[p][1]])))
                .multiply(new BigDecimal(TWO_TO_THE_F));
        raw = numerator.divide(count, 0, RoundingMode.HALF_EVEN).toBigIntegerExact();
      }
      encodeChecked(raw, out, at, SECOND_MOMENT_WORDS, "sum of products");
      at += SECOND_MOMENT_WORDS;
    }
  }

  private BigInteger exactValue(Row aggregated, int column, long n) {
    if (aggregated.isNullAt(column)) {
      if (n > 0) {
        // Each exact statistic holds at least 10^10 maximal rows; Spark returns null beyond that.
        throw new ParleyException(function.sqlName() + ": a local exact sum overflowed its DECIMAL type;"
            + " this party has too many rows in one group for exact statistics");
      }
      return BigInteger.ZERO;
    }
    return aggregated.getDecimal(column).toBigIntegerExact();
  }

  private void encodeChecked(BigInteger value, long[] out, int offset, int width, String statistic) {
    try {
      Limbs.encode(value, out, offset, width);
    } catch (ParleyException tooWide) {
      throw new ParleyException(
          function.sqlName() + " over " + argumentTypes.stream().map(DataType::sql).collect(Collectors.joining(", "))
              + ": a local " + statistic + " is outside the range of its " + width + " ring words"
              + (shape == Shape.DOUBLE_SUM || shape == Shape.DOUBLE_MOMENTS
                  ? " (DOUBLE statistics are fixed point with " + FRACTIONAL_BITS + " fractional bits: sums below 2^127,"
                      + " sums of squares and products below 2^191 in magnitude); scale the values down"
                  : ""));
    }
  }

  // ---------------------------------------------------------------- finishing

  /**
   * The result from the pooled statistics at {@code pooled[offset .. offset + words())} (every
   * party's words added mod 2^64): a value of {@link #resultType()} as a Spark external row value
   * ({@code Long}, {@code Double}, {@code BigDecimal}) or null, as Spark's plain function gives over
   * the pooled rows.
   *
   * @throws ParleyException where Spark's function raises an error under the session's settings
   *     (ANSI overflow, division by zero), or if {@code pooled} is not a sum of encodings
   */
  public Object finish(long[] pooled, int offset) {
    if (!linear()) {
      throw new IllegalStateException(function.sqlName() + " is finished on shares, not from pooled sums");
    }
    long n = decodeCount(pooled, offset);
    int at = offset + COUNT_WORDS;
    switch (shape) {
      case COUNT:
        return n;
      case EXACT_SUM: {
        long overflowed = Limbs.decode(pooled, at, FLAG_WORDS).longValueExact();
        BigInteger total = Limbs.decode(pooled, at + FLAG_WORDS, sumWords[0]);
        return n == 0 ? null : finishExactSum(total, overflowed > 0, n);
      }
      case DOUBLE_SUM: {
        BigInteger total = Limbs.decode(pooled, at, FIRST_MOMENT_WORDS);
        at += FIRST_MOMENT_WORDS;
        long nan = Limbs.decode(pooled, at, FLAG_WORDS).longValueExact();
        long positive = Limbs.decode(pooled, at + 1, FLAG_WORDS).longValueExact();
        long negative = Limbs.decode(pooled, at + 2, FLAG_WORDS).longValueExact();
        if (n == 0) {
          return null;
        }
        if (nan > 0 || (positive > 0 && negative > 0)) {
          return Double.NaN;
        }
        if (positive > 0 || negative > 0) {
          return positive > 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        }
        return function == SecureFunction.SUM
            ? FixedPoint.decode(total, FRACTIONAL_BITS)
            : ratio(total, TWO_TO_THE_F.multiply(BigInteger.valueOf(n)));
      }
      default:
        return finishMoments(pooled, at, n);
    }
  }

  private static long decodeCount(long[] pooled, int offset) {
    BigInteger count = Limbs.decode(pooled, offset, COUNT_WORDS);
    if (count.signum() < 0 || count.bitLength() > 63) {
      throw new ParleyException("the pooled count " + count + " is not a count: the pooled vector is corrupt");
    }
    return count.longValue();
  }

  private Object finishExactSum(BigInteger total, boolean partyOverflowed, long n) {
    DataType argument = argumentTypes.get(0);
    boolean integral = SecureFunction.isIntegral(argument);
    if (function == SecureFunction.SUM && integral) {
      if (partyOverflowed) {
        throw new ParleyException(function.sqlName() + ": a party's local exact sum overflowed its DECIMAL type;"
            + " a party has too many rows in one group for an exact sum");
      }
      if (total.bitLength() <= 63) {
        return total.longValue();
      }
      if (ansi) {
        throw overflow("BIGINT", "cast the argument to DECIMAL(38,0) for an exact sum, or set"
            + " spark.sql.ansi.enabled=false for Spark's wrap-around");
      }
      return total.longValue(); // Spark's non-ANSI long sum wraps around, which is the sum mod 2^64
    }
    if (function == SecureFunction.SUM) {
      DecimalType result = (DecimalType) resultType;
      if (partyOverflowed || !fits(total, result.precision())) {
        return overflowedDecimal(result);
      }
      return new BigDecimal(total, sumScale);
    }
    // AVG
    if (integral) {
      // Spark's avg adds the values as doubles and divides by the count as a double.
      return total.doubleValue() / n;
    }
    DecimalType sumType = SecureFunction.boundedDecimal(((DecimalType) argument).precision() + 10, sumScale);
    DecimalType result = (DecimalType) resultType;
    if (partyOverflowed || !fits(total, sumType.precision())) {
      return overflowedDecimal(result);
    }
    // Spark's Average: DecimalDivideWithOverflowCheck(sum, count as DECIMAL(20,0)), HALF_UP to the result type.
    Decimal quotient = Decimal.apply(new BigDecimal(total, sumScale)).$div(Decimal.apply(n));
    Decimal rounded = quotient.toPrecision(result.precision(), result.scale(), Decimal.ROUND_HALF_UP(), true, null);
    if (rounded == null) {
      return overflowedDecimal(result);
    }
    return rounded.toJavaBigDecimal();
  }

  private Object overflowedDecimal(DecimalType result) {
    if (ansi) {
      throw overflow(result.sql(), "cast the argument to a DECIMAL with fewer digits, or set"
          + " spark.sql.ansi.enabled=false to get null, as Spark's " + plainName() + " does");
    }
    return null;
  }

  private ParleyException overflow(String type, String advice) {
    return new ParleyException(function.sqlName() + " overflows " + type + " (spark.sql.ansi.enabled=true makes"
        + " this an error, as for Spark's " + plainName() + "); " + advice);
  }

  private String plainName() {
    return function.sqlName().substring("secure_".length());
  }

  private static boolean fits(BigInteger unscaled, int precision) {
    return unscaled.abs().compareTo(BigInteger.TEN.pow(precision)) < 0;
  }

  private Object finishMoments(long[] pooled, int at, long n) {
    int arity = argumentTypes.size();
    boolean nonFinite = false;
    boolean exact = shape == Shape.EXACT_MOMENTS;
    if (!exact) {
      nonFinite = Limbs.decode(pooled, at, FLAG_WORDS).signum() != 0;
      at += FLAG_WORDS;
    }
    BigInteger[] sums = new BigInteger[arity];
    for (int a = 0; a < arity; a++) {
      int width = exact ? sumWords[a] : FIRST_MOMENT_WORDS;
      sums[a] = Limbs.decode(pooled, at, width);
      at += width;
    }
    BigInteger count = BigInteger.valueOf(n);
    // Co-moments as numerators over one common denominator: exact N·Σuv − Σu·Σv (over N·10^(s_a+s_b)),
    // fixed point (Σ raw)·2^F·N − S_a·S_b (over N·2^2F).
    BigInteger[] comoments = new BigInteger[pairs.length];
    for (int p = 0; p < pairs.length; p++) {
      int width = exact ? productWords[p] : SECOND_MOMENT_WORDS;
      BigInteger products = Limbs.decode(pooled, at, width);
      at += width;
      BigInteger left = sums[pairs[p][0]];
      BigInteger right = sums[pairs[p][1]];
      BigInteger scaledProducts = exact ? products : products.multiply(TWO_TO_THE_F);
      BigInteger comoment = scaledProducts.multiply(count).subtract(left.multiply(right));
      if (!exact && n > 0) {
        // Below the 2^-64 resolution, rounding of the parties' fixed-point statistics dominates.
        BigInteger noise = count.multiply(TWO_TO_THE_F).multiply(count).shiftLeft(2)
            .add(count.multiply(left.abs().add(right.abs())).shiftLeft(2));
        if (comoment.abs().compareTo(noise) <= 0) {
          comoment = BigInteger.ZERO;
        }
        if (pairs[p][0] == pairs[p][1] && comoment.signum() < 0) {
          comoment = BigInteger.ZERO;
        }
      }
      comoments[p] = comoment;
    }
    if (n == 0) {
      return null;
    }
    boolean sample = function != SecureFunction.VAR_POP && function != SecureFunction.STDDEV_POP;
    if (sample && n == 1) {
      return legacyStatisticalAggregate ? Double.NaN : null;
    }
    if (nonFinite) {
      return Double.NaN;
    }
    BigInteger denominator = count.multiply(exact
        ? BigInteger.TEN.pow(scales[pairs[0][0]] + scales[pairs[0][1]])
        : TWO_TO_THE_F.multiply(TWO_TO_THE_F));
    switch (function) {
      case VAR_POP:
        return ratio(comoments[0], denominator.multiply(count));
      case VAR_SAMP:
      case COVAR_SAMP:
        return ratio(comoments[0], denominator.multiply(count.subtract(BigInteger.ONE)));
      case STDDEV_POP:
        return squareRootOfRatio(comoments[0], denominator.multiply(count));
      case STDDEV_SAMP:
        return squareRootOfRatio(comoments[0], denominator.multiply(count.subtract(BigInteger.ONE)));
      case CORR: {
        BigInteger spread = comoments[0].multiply(comoments[1]);
        if (spread.signum() == 0) {
          if (ansi) {
            throw new ParleyException("secure_corr divides by zero: one argument is constant over the group"
                + " (spark.sql.ansi.enabled=true makes this an error, as for Spark's corr; set it to false"
                + " to get null)");
          }
          return null;
        }
        BigDecimal root = new BigDecimal(spread).sqrt(FINISH_CONTEXT);
        return new BigDecimal(comoments[2]).divide(root, FINISH_CONTEXT).doubleValue();
      }
      default:
        throw new IllegalStateException(function + " is not a moment function");
    }
  }

  private static double ratio(BigInteger numerator, BigInteger denominator) {
    return new BigDecimal(numerator).divide(new BigDecimal(denominator), FINISH_CONTEXT).doubleValue();
  }

  private static double squareRootOfRatio(BigInteger numerator, BigInteger denominator) {
    return new BigDecimal(numerator).divide(new BigDecimal(denominator), FINISH_CONTEXT).sqrt(FINISH_CONTEXT).doubleValue();
  }

  // ---------------------------------------------------------------- types

  /** Digits of the unscaled values of an exact type (integral or DECIMAL), 0 for other types. */
  private static int exactDigits(DataType type) {
    if (type instanceof ByteType) {
      return 3;
    } else if (type instanceof ShortType) {
      return 5;
    } else if (type instanceof IntegerType) {
      return 10;
    } else if (SecureFunction.isIntegral(type)) {
      return 19;
    } else if (type instanceof DecimalType decimal) {
      return decimal.precision();
    }
    return 0;
  }

  private static DecimalType exactDecimal(DataType integral) {
    return DataTypes.createDecimalType(exactDigits(integral), 0);
  }

  /** The type of a party's local sum: Spark's sum type of the argument as DECIMAL. */
  private static DecimalType exactSumType(DataType argument) {
    DecimalType summed = argument instanceof DecimalType decimal ? decimal : exactDecimal(argument);
    return SecureFunction.boundedDecimal(summed.precision() + 10, summed.scale());
  }

  /** Words for a signed value below 10^digits in magnitude. */
  private static int wordsForDigits(int digits) {
    return wordsFor(BigInteger.TEN.pow(digits));
  }

  private static int wordsFor(BigInteger magnitudeBound) {
    return Limbs.wordsFor(magnitudeBound.bitLength() + 1);
  }

  /** A party's combined split product: four sums, each of DECIMAL(31,0), at shifts 64, 32, 32, 0. */
  private static BigInteger splitProductBound() {
    BigInteger partial = BigInteger.TEN.pow(31);
    return partial.shiftLeft(64).add(partial.shiftLeft(33)).add(partial);
  }

  @Override
  public String toString() {
    return layout();
  }
}
