package io.parley.connector.plan;

import io.parley.connector.party.LocalTables;
import io.parley.connector.read.ParleyTable;
import io.parley.protocols.ParleyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;

/**
 * Replaces a federated relation that no secure aggregate consumed (a plain read such as
 * {@code SELECT * FROM sales}) by the party's local part, projected onto the relation's attribute ids.
 *
 * <p>This runs in the optimizer, not the analyzer, so an analyzed DataFrame over a federated table
 * still shows the federated relation: {@code df.groupBy(…).agg(secureSum(…))} built on it is then
 * rewritten like the same query in SQL. The optimizer batches that follow push filters and column
 * pruning into the local part's own source.
 */
public final class ReadFederatedLocalPart extends Rule<LogicalPlan> {
  private final SparkSession spark;

  public ReadFederatedLocalPart(SparkSession spark) {
    this.spark = spark;
  }

  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    return plan.transformUp(ScalaInterop.everywhere(this::replace));
  }

  private LogicalPlan replace(LogicalPlan node) {
    Optional<ParleyTable> table = FederatedRelations.tableOf(node);
    if (table.isEmpty()) {
      return node;
    }
    DataSourceV2Relation relation = (DataSourceV2Relation) node;
    String name = table.get().name();
    LogicalPlan local = LocalTables.localPart(spark, name).queryExecution().optimizedPlan();
    List<Attribute> localColumns = ScalaInterop.list(local.output());
    List<NamedExpression> columns = new ArrayList<>();
    for (AttributeReference column : ScalaInterop.list(relation.output())) {
      Attribute source =
          localColumns.stream()
              .filter(c -> c.name().equalsIgnoreCase(column.name()))
              .findFirst()
              .orElseThrow(
                  () -> new ParleyException(
                      "local part of federated table " + name + " has no column " + column.name()));
      if (!source.dataType().equals(column.dataType())) {
        throw new ParleyException(
            "local part of federated table " + name + ": column " + column.name() + " is "
                + source.dataType().sql() + ", the federation declares " + column.dataType().sql());
      }
      columns.add(
          new Alias(
              source,
              column.name(),
              column.exprId(),
              ScalaInterop.emptySeq(),
              ScalaInterop.none(),
              ScalaInterop.emptySeq()));
    }
    return new Project(ScalaInterop.seq(columns), local);
  }
}
