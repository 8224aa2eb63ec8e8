package io.parley.connector.party;

import io.parley.protocols.ParleyException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry$;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedStar;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.types.StructType;
import scala.Function1;
import scala.runtime.BoxedUnit;

/**
 * What a party lets another party's query compute over its rows. The WHERE, GROUP BY and argument
 * SQL of a federated aggregate come from the initiator, and the union of group keys is revealed
 * to every party: without this check an initiator could group by an environment variable read
 * through {@code reflect}, a file name, or a subquery over the party's own catalog. Allowed: the
 * federated table's own columns, literals, and Spark's deterministic built-in functions other
 * than those that reach outside the row ({@link #DENIED}). Refused before anything runs.
 */
public final class QueryGuard {
  /** Built-ins that read the party's environment, files, session or randomness, or fail on purpose. */
  static final Set<String> DENIED =
      Set.of(
          "reflect", "java_method", "try_reflect",
          "input_file_name", "input_file_block_start", "input_file_block_length",
          "current_user", "user", "session_user", "current_catalog", "current_database", "current_schema",
          "current_timezone", "version",
          "current_date", "curdate", "current_timestamp", "now", "localtimestamp",
          "uuid", "rand", "randn", "random", "randstr", "uniform", "shuffle",
          "monotonically_increasing_id", "spark_partition_id",
          "raise_error", "assert_true",
          "xpath", "xpath_boolean", "xpath_double", "xpath_float", "xpath_int", "xpath_long", "xpath_number",
          "xpath_short", "xpath_string", "from_xml", "schema_of_xml");

  private QueryGuard() {}

  /**
   * Checks one SQL fragment of a federated aggregate against the table's columns.
   *
   * @throws ParleyException naming the table, the fragment's role and what it may not use
   */
  public static void check(SparkSession spark, String table, StructType schema, String what, String sql) {
    Expression parsed;
    try {
      parsed = spark.sessionState().sqlParser().parseExpression(sql);
    } catch (org.apache.spark.sql.catalyst.parser.ParseException | RuntimeException e) {
      throw new QueryRefused("cannot parse the " + what + " '" + sql + "' over federated table " + table);
    }
    Set<String> columns = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    columns.addAll(List.of(schema.fieldNames()));
    Function1<Expression, BoxedUnit> visit =
        node -> {
          if (node instanceof SubqueryExpression) {
            throw refusal(table, what, sql, "a subquery");
          }
          if (node instanceof UnresolvedStar) {
            throw refusal(table, what, sql, "*");
          }
          if (node instanceof UnresolvedAttribute attribute) {
            List<String> parts = scala.jdk.javaapi.CollectionConverters.asJava(attribute.nameParts());
            if (parts.size() != 1 || !columns.contains(parts.get(0))) {
              throw refusal(table, what, sql, "'" + String.join(".", parts) + "', which is not a column of " + table);
            }
          }
          if (node instanceof UnresolvedFunction function) {
            List<String> parts = scala.jdk.javaapi.CollectionConverters.asJava(function.nameParts());
            String name = String.join(".", parts).toLowerCase(Locale.ROOT);
            boolean builtin =
                parts.size() == 1 && FunctionRegistry$.MODULE$.builtin().functionExists(FunctionIdentifier.apply(name));
            if (!builtin || DENIED.contains(name)) {
              throw refusal(table, what, sql, "the function " + name);
            }
          }
          return BoxedUnit.UNIT;
        };
    parsed.foreach(visit);
  }

  /** Checks an analyzed expression: nothing that differs from one evaluation to the next. */
  public static void checkDeterministic(String table, String what, String sql, Expression resolved) {
    if (!resolved.deterministic()) {
      throw refusal(table, what, sql, "a nondeterministic expression");
    }
  }

  private static ParleyException refusal(String table, String what, String sql, String reason) {
    return new QueryRefused(
        "the " + what + " '" + sql + "' over federated table " + table + " may not use " + reason
            + ": a federated query computes only over the table's own columns with deterministic built-in functions");
  }
}
