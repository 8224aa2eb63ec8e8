package io.parley.connector.plan;

import io.parley.connector.functions.SecureFunction;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedStar;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;

/**
 * Spark's parser, except that {@code secure_count(*)} becomes the zero-argument count of all rows.
 * Spark keeps {@code *} as "every column" for any function but {@code count}, so the call is fixed
 * on the parsed (unresolved) tree, where the star is still a star.
 */
public final class SecureCountStarParser implements ParserInterface {
  private static final String SECURE_COUNT = SecureFunction.COUNT.sqlName();

  private final ParserInterface delegate;

  public SecureCountStarParser(ParserInterface delegate) {
    this.delegate = delegate;
  }

  @Override
  public LogicalPlan parsePlan(String sqlText) throws ParseException {
    return countStar(delegate.parsePlan(sqlText));
  }

  @Override
  public LogicalPlan parseQuery(String sqlText) throws ParseException {
    return countStar(delegate.parseQuery(sqlText));
  }

  @Override
  public Expression parseExpression(String sqlText) throws ParseException {
    return countStar(delegate.parseExpression(sqlText));
  }

  @Override
  public TableIdentifier parseTableIdentifier(String sqlText) throws ParseException {
    return delegate.parseTableIdentifier(sqlText);
  }

  @Override
  public FunctionIdentifier parseFunctionIdentifier(String sqlText) throws ParseException {
    return delegate.parseFunctionIdentifier(sqlText);
  }

  @Override
  public Seq<String> parseMultipartIdentifier(String sqlText) throws ParseException {
    return delegate.parseMultipartIdentifier(sqlText);
  }

  @Override
  public StructType parseRoutineParam(String sqlText) throws ParseException {
    return delegate.parseRoutineParam(sqlText);
  }

  @Override
  public StructType parseTableSchema(String sqlText) throws ParseException {
    return delegate.parseTableSchema(sqlText);
  }

  @Override
  public DataType parseDataType(String sqlText) throws ParseException {
    return delegate.parseDataType(sqlText);
  }

  private static LogicalPlan countStar(LogicalPlan plan) {
    return plan.transformUpWithSubqueries(
        ScalaInterop.everywhere(node -> node.transformExpressions(ScalaInterop.everywhere(SecureCountStarParser::countStar))));
  }

  private static Expression countStar(Expression expression) {
    return expression.transformUp(
        ScalaInterop.everywhere(
            e -> {
              if (e instanceof UnresolvedFunction call
                  && call.nameParts().size() == 1
                  && call.nameParts().head().equalsIgnoreCase(SECURE_COUNT)
                  && call.arguments().size() == 1
                  && call.arguments().head() instanceof UnresolvedStar star
                  && star.target().isEmpty()) {
                return call.copy(
                    call.nameParts(),
                    ScalaInterop.emptySeq(),
                    call.isDistinct(),
                    call.filter(),
                    call.ignoreNulls(),
                    call.orderingWithinGroup(),
                    call.isInternal());
              }
              return e;
            }));
  }
}
