package io.parley.connector.plan;

import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.Expression;

/**
 * Expressions as Spark SQL over a federated table's bare column names: qualifiers such as
 * {@code s.amount} or {@code parley.sales.amount} are dropped, so every party can parse the text
 * against its own local part of the table.
 */
final class SqlText {
  private SqlText() {}

  static String of(Expression expression) {
    return expression
        .transform(
            ScalaInterop.everywhere(
                e -> e instanceof AttributeReference attribute && !attribute.qualifier().isEmpty()
                    ? attribute.withQualifier(ScalaInterop.emptySeq())
                    : e))
        .sql();
  }
}
