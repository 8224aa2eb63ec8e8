package io.parley.connector.plan;

import io.parley.connector.party.PartyRuntime;
import io.parley.connector.read.ParleyDataSource;
import io.parley.protocols.ParleyException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.AliasIdentifier;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.catalog.SessionCatalog;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import scala.Option;

/**
 * Resolves a one-part table name that nothing else resolved ({@code FROM sales}) to the federated
 * relation, when the federation declares that table. Spark's own tables and views keep precedence:
 * this rule only sees names Spark's relation resolution left unresolved.
 */
public final class ResolveFederatedTables extends Rule<LogicalPlan> {
  private final SparkSession spark;

  public ResolveFederatedTables(SparkSession spark) {
    this.spark = spark;
  }

  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    return plan.resolveOperatorsUp(ScalaInterop.everywhere(this::resolve));
  }

  private LogicalPlan resolve(LogicalPlan node) {
    if (!(node instanceof UnresolvedRelation relation)
        || relation.multipartIdentifier().size() != 1
        || relation.isStreaming()) {
      return node;
    }
    String name = relation.multipartIdentifier().head();
    if (resolvableBySpark(name) || !isFederated(name)) {
      return node;
    }
    DataSourceV2Relation federated =
        DataSourceV2Relation.create(
            ParleyDataSource.federatedTable(spark, name), Option.empty(), Option.empty(), relation.options());
    return new SubqueryAlias(AliasIdentifier.apply(name), federated);
  }

  private boolean resolvableBySpark(String name) {
    SessionCatalog catalog = spark.sessionState().catalog();
    return catalog.getTempView(name).isDefined()
        || catalog.tableExists(new TableIdentifier(name, Option.empty()));
  }

  private boolean isFederated(String name) {
    try {
      return PartyRuntime.of(spark).isFederated(name);
    } catch (ParleyException notAParty) {
      // A session without a federation has no federated tables: Spark then reports the unknown table.
      return false;
    }
  }
}
