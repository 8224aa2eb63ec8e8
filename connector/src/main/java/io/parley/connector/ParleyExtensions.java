package io.parley.connector;

import io.parley.connector.exec.FederatedAggregateStrategy;
import io.parley.connector.exec.PrivateJoinAggregateStrategy;
import io.parley.connector.functions.SecureFunction;
import io.parley.connector.plan.CheckFederatedQueries;
import io.parley.connector.plan.ReadFederatedLocalPart;
import io.parley.connector.plan.RewritePrivateJoinAggregates;
import io.parley.connector.plan.ResolveFederatedTables;
import io.parley.connector.plan.RewriteSecureAggregates;
import io.parley.connector.plan.SecureCalls;
import io.parley.connector.plan.SecureCountStarParser;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import scala.Tuple3;
import scala.runtime.BoxedUnit;

/**
 * Parley's Spark SQL surface, installed with
 * {@code spark.sql.extensions=io.parley.connector.ParleyExtensions}: the secure_* functions and the
 * rules that turn secure aggregates over federated tables into federated operators.
 */
public final class ParleyExtensions implements SparkSessionExtensionsProvider {

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    // The secure_* functions, with usage text so DESCRIBE FUNCTION explains them. They go into this
    // session's function registry only, never Spark's global one.
    for (SecureFunction function : SecureFunction.values()) {
      extensions.injectFunction(
          new Tuple3<>(
              FunctionIdentifier.apply(function.sqlName()),
              SecureCalls.info(function),
              SecureCalls.builder(function)));
    }
    // secure_count(*) must mean "count rows", but Spark expands * to every column for any function
    // other than count; the parser fixes the call while the star is still visible.
    extensions.injectParser((session, parser) -> new SecureCountStarParser(parser));
    // FROM sales: a one-part name Spark cannot resolve, declared by the federation, is the federated table.
    extensions.injectResolutionRule(ResolveFederatedTables::new);
    // Once every name and type is resolved: Aggregate(secure_*…) over a federated table becomes a
    // FederatedAggregateNode, with HAVING, ORDER BY and LIMIT left as Spark operators above it.
    extensions.injectPostHocResolutionRule(session -> new RewriteSecureAggregates());
    // secure_count(*) / secure_sum over a JOIN of two tables two parties own becomes a private join
    // (sum variant); any other secure aggregate over a join is left for the check to refuse.
    extensions.injectPostHocResolutionRule(RewritePrivateJoinAggregates::new);
    // Refuse what the rewrite could not take (not federated, joins, plain aggregates beside secure
    // ones), naming the function and table, before anything runs.
    extensions.injectCheckRule(session -> CheckFederatedQueries.rule());
    // A plain read of a federated table reads the party's own local part; done in the optimizer so
    // analyzed DataFrames keep the federated relation for secure aggregates built on them later.
    extensions.injectOptimizerRule(ReadFederatedLocalPart::new);
    // FederatedAggregateNode runs as FederatedAggregateExec, the initiator's side of the protocol.
    extensions.injectPlannerStrategy(session -> new FederatedAggregateStrategy());
    // PrivateJoinAggregateNode runs as PrivateJoinAggregateExec, the initiator's side of a private join.
    extensions.injectPlannerStrategy(session -> new PrivateJoinAggregateStrategy());
    return BoxedUnit.UNIT;
  }
}
