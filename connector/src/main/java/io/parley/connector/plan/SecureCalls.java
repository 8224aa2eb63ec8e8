package io.parley.connector.plan;

import io.parley.connector.functions.SecureFunction;
import io.parley.protocols.ParleyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.execution.aggregate.ScalaUDAF;
import org.apache.spark.sql.types.DataType;
import scala.Function1;
import scala.Option;
import scala.collection.immutable.Seq;

/**
 * The secure_* functions as Catalyst sees them: their builders and usage text (for
 * {@code injectFunction}) and the test that tells a secure call from any other aggregate.
 */
public final class SecureCalls {
  private static final String SINCE = "0.1.0";
  private static final String GROUP = "agg_funcs";

  private SecureCalls() {}

  /** Usage text for {@code DESCRIBE FUNCTION}, in the layout Spark's ExpressionInfo checks. */
  public static ExpressionInfo info(SecureFunction function) {
    return new ExpressionInfo(
        SecureAggregateUdaf.class.getName(),
        null,
        function.sqlName(),
        function.usage(),
        "",
        examplesBlock(function.examples()),
        "",
        GROUP,
        SINCE,
        "",
        "built-in");
  }

  /** The builder Spark calls with the call's resolved arguments. */
  public static Function1<Seq<Expression>, Expression> builder(SecureFunction function) {
    return arguments -> build(function, ScalaInterop.list(arguments));
  }

  static Expression build(SecureFunction function, List<Expression> arguments) {
    int count = arguments.size();
    if (count < function.minArguments() || count > function.maxArguments()) {
      throw new ParleyException(
          function.sqlName()
              + " takes "
              + arity(function)
              + ", got "
              + count
              + (count == 0 ? "" : ": " + describe(arguments)));
    }
    if (function == SecureFunction.PERCENTILE) {
      arguments = List.of(arguments.get(0), literalPercentage(arguments.get(1)));
    }
    List<DataType> types = arguments.stream().map(Expression::dataType).collect(Collectors.toList());
    DataType resultType;
    try {
      resultType = function.resultType(types);
    } catch (ParleyException cannotTake) {
      throw new ParleyException(
          function.sqlName()
              + " cannot take "
              + describe(arguments)
              + ": "
              + cannotTake.getMessage());
    }
    SecureAggregateUdaf udaf = new SecureAggregateUdaf(function, types, resultType);
    // An aggregate function, not an expression: Spark wraps it itself, with DISTINCT and FILTER
    // as written, so the check can name them.
    return new ScalaUDAF(ScalaInterop.seq(new ArrayList<>(arguments)), udaf, 0, 0, Option.apply(function.sqlName()));
  }

  /**
   * secure_percentile's percentage as a DOUBLE literal: every party reads the same number from the
   * query, and Spark's percentile, too, takes only a constant in [0, 1].
   */
  private static Expression literalPercentage(Expression percentage) {
    String name = SecureFunction.PERCENTILE.sqlName();
    if (!percentage.foldable()) {
      throw new ParleyException(name + " takes the percentage as a literal in [0, 1], not "
          + describe(List.of(percentage)));
    }
    if (!(percentage.dataType() instanceof org.apache.spark.sql.types.NumericType)) {
      throw new ParleyException(name + " takes a numeric percentage in [0, 1], not " + describe(List.of(percentage)));
    }
    Object value = percentage.eval(null);
    if (value == null) {
      throw new ParleyException(name + " takes a percentage in [0, 1], not NULL");
    }
    double p = value instanceof org.apache.spark.sql.types.Decimal decimal
        ? decimal.toDouble()
        : ((Number) value).doubleValue();
    if (!(p >= 0.0 && p <= 1.0)) {
      throw new ParleyException(name + " takes a percentage in [0, 1], not " + SqlText.of(percentage));
    }
    return org.apache.spark.sql.catalyst.expressions.Literal.create(p, org.apache.spark.sql.types.DataTypes.DoubleType);
  }

  /** The secure function an aggregate expression calls, if it is a secure_* call. */
  public static Optional<SecureFunction> functionOf(Expression expression) {
    Expression function =
        expression instanceof AggregateExpression aggregate ? aggregate.aggregateFunction() : expression;
    if (function instanceof ScalaUDAF udaf && udaf.udaf() instanceof SecureAggregateUdaf secure) {
      return Optional.of(secure.function());
    }
    return Optional.empty();
  }

  /** Whether {@code expression} contains a secure_* call anywhere inside. */
  public static boolean containsSecureCall(Expression expression) {
    Function1<Expression, Object> isSecure = e -> functionOf(e).isPresent();
    return expression.find(isSecure).isDefined();
  }

  private static String arity(SecureFunction function) {
    int min = function.minArguments();
    int max = function.maxArguments();
    String range = min == max ? Integer.toString(min) : min + " to " + max;
    return range + (max == 1 && min == 1 ? " argument" : " arguments");
  }

  /** "column amount (DECIMAL(12,2))", naming columns by name and anything else by its SQL. */
  static String describe(List<Expression> arguments) {
    return arguments.stream()
        .map(a -> (a instanceof Attribute attribute ? "column " + attribute.name() : SqlText.of(a))
            + " (" + a.dataType().sql() + ")")
        .collect(Collectors.joining(", "));
  }

  private static String examplesBlock(String examples) {
    if (examples == null || examples.isBlank()) {
      return "";
    }
    if (examples.startsWith("\n    Examples:\n")) {
      return examples;
    }
    StringBuilder block = new StringBuilder("\n    Examples:\n");
    for (String line : examples.strip().split("\n")) {
      block.append("      ").append(line.strip()).append('\n');
    }
    return block.append("  ").toString();
  }
}
