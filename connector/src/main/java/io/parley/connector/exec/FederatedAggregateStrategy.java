package io.parley.connector.exec;

import io.parley.connector.plan.FederatedAggregateNode;
import io.parley.connector.plan.ScalaInterop;
import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import scala.collection.immutable.Seq;

/** Plans {@link FederatedAggregateNode} as {@link FederatedAggregateExec}; every other node is Spark's. */
public final class FederatedAggregateStrategy extends SparkStrategy {
  @Override
  public Seq<SparkPlan> apply(LogicalPlan plan) {
    if (plan instanceof FederatedAggregateNode node) {
      return ScalaInterop.seq(List.of(new FederatedAggregateExec(node.spec(), node.output())));
    }
    return ScalaInterop.emptySeq();
  }
}
