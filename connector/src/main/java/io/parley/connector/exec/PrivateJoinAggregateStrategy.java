package io.parley.connector.exec;

import io.parley.connector.plan.PrivateJoinAggregateNode;
import io.parley.connector.plan.ScalaInterop;
import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import scala.collection.immutable.Seq;

/** Plans {@link PrivateJoinAggregateNode} as {@link PrivateJoinAggregateExec}. */
public final class PrivateJoinAggregateStrategy extends SparkStrategy {
  @Override
  public Seq<SparkPlan> apply(LogicalPlan plan) {
    if (plan instanceof PrivateJoinAggregateNode node) {
      return ScalaInterop.seq(List.of(new PrivateJoinAggregateExec(node.join(), node.output(), node.sums())));
    }
    return ScalaInterop.emptySeq();
  }
}
