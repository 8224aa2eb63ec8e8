package io.parley.connector.plan;

import io.parley.connector.read.ParleyTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import scala.Function1;
import scala.runtime.BoxedUnit;

/** Recognises the federated relation (a {@link DataSourceV2Relation} over a {@link ParleyTable}) in plans. */
final class FederatedRelations {
  private FederatedRelations() {}

  static Optional<ParleyTable> tableOf(LogicalPlan plan) {
    if (plan instanceof DataSourceV2Relation relation && relation.table() instanceof ParleyTable table) {
      return Optional.of(table);
    }
    return Optional.empty();
  }

  /** Names of the federated tables read anywhere under {@code plan}, in plan order. */
  static List<String> tablesUnder(LogicalPlan plan) {
    List<String> names = new ArrayList<>();
    Function1<LogicalPlan, BoxedUnit> visit =
        node -> {
          tableOf(node).ifPresent(table -> names.add(table.name()));
          return BoxedUnit.UNIT;
        };
    plan.foreach(visit);
    return names;
  }
}
