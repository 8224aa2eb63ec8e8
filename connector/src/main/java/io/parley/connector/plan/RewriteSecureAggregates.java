package io.parley.connector.plan;

import io.parley.connector.functions.SecureFunction;
import io.parley.connector.read.ParleyTable;
import io.parley.protocols.wire.AggregateCall;
import io.parley.protocols.wire.FederatedAggregate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.And;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression$;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import org.apache.spark.sql.types.Metadata;
import scala.Function1;
import scala.runtime.BoxedUnit;

/**
 * Rewrites {@code Aggregate(secure_*…)} over a federated table into {@code Project} over a
 * {@link FederatedAggregateNode}. Between the aggregate and the table it looks through WHERE
 * ({@code Filter}), aliases ({@code SubqueryAlias}) and column selection ({@code Project} of columns
 * and aliases), substituting aliases so the spec is SQL over the table's own columns.
 *
 * <p>An aggregate it cannot rewrite is left as it is, for {@link CheckFederatedQueries} to refuse
 * with a message that names the reason.
 */
public final class RewriteSecureAggregates extends Rule<LogicalPlan> {
  static final int SPEC_VERSION = 1;
  private static final String COUNT_ALL_GENERATED_NAME = SecureFunction.COUNT.sqlName() + "()";
  private static final String COUNT_ALL_NAME = SecureFunction.COUNT.sqlName() + "(*)";

  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    return plan.resolveOperatorsUp(
        ScalaInterop.everywhere(node -> node instanceof Aggregate aggregate ? rewrite(aggregate) : node));
  }

  private static LogicalPlan rewrite(Aggregate aggregate) {
    List<NamedExpression> outputs = ScalaInterop.list(aggregate.aggregateExpressions());
    boolean usesSecureCalls = outputs.stream().anyMatch(output -> SecureCalls.containsSecureCall((Expression) output));
    if (!usesSecureCalls || !aggregate.resolved()) {
      return aggregate;
    }
    Source source = Source.of(aggregate.child());
    if (source == null) {
      return aggregate;
    }
    List<AggregateExpression> calls = new ArrayList<>();
    for (NamedExpression output : outputs) {
      if (!collectSecureCalls((Expression) output, calls)) {
        return aggregate;
      }
    }

    List<Expression> groups = ScalaInterop.list(aggregate.groupingExpressions());
    List<String> groupSql = new ArrayList<>();
    List<Attribute> groupAttributes = new ArrayList<>();
    for (Expression group : groups) {
      Expression overTable = source.substitute(group);
      if (overTable == null) {
        return aggregate;
      }
      String sql = SqlText.of(overTable);
      groupSql.add(sql);
      String name = group instanceof Attribute attribute ? attribute.name() : sql;
      groupAttributes.add(newAttribute(name, group, group.nullable()));
    }

    Map<String, Attribute> callAttributes = new LinkedHashMap<>();
    List<AggregateCall> specCalls = new ArrayList<>();
    Map<AggregateExpression, String> callKeys = new HashMap<>();
    for (AggregateExpression call : calls) {
      SecureFunction function = SecureCalls.functionOf(call).orElseThrow();
      List<String> argumentSql = new ArrayList<>();
      for (Expression argument : ScalaInterop.list(call.aggregateFunction().children())) {
        Expression overTable = source.substitute(argument);
        if (overTable == null) {
          return aggregate;
        }
        argumentSql.add(SqlText.of(overTable));
      }
      String key = function.sqlName() + "(" + (argumentSql.isEmpty() ? "*" : String.join(", ", argumentSql)) + ")";
      callKeys.put(call, key);
      if (!callAttributes.containsKey(key)) {
        // Like Spark's count, a secure count is never null (0 for no rows).
        boolean nullable = function != SecureFunction.COUNT;
        callAttributes.put(key, newAttribute(key, call, nullable));
        specCalls.add(AggregateCall.newBuilder().setFunction(function.sqlName()).addAllArgumentSql(argumentSql).build());
      }
    }

    String filterSql = source.filterSql();

    List<Attribute> nodeOutput = new ArrayList<>(groupAttributes);
    nodeOutput.addAll(callAttributes.values());
    AttributeSet available = AttributeSet.apply(ScalaInterop.<Expression>seq(new ArrayList<>(nodeOutput)));

    List<NamedExpression> projectList = new ArrayList<>();
    for (NamedExpression output : outputs) {
      Expression value = output instanceof Alias alias ? alias.child() : (Expression) output;
      Expression replaced =
          value.transformDown(
              ScalaInterop.everywhere(
                  e -> {
                    if (e instanceof AggregateExpression call && callKeys.containsKey(call)) {
                      return callAttributes.get(callKeys.get(call));
                    }
                    for (int i = 0; i < groups.size(); i++) {
                      if (groups.get(i).semanticEquals(e)) {
                        return groupAttributes.get(i);
                      }
                    }
                    return e;
                  }));
      if (!replaced.references().subsetOf(available)) {
        // A column neither grouped nor aggregated: Spark's own check explains that.
        return aggregate;
      }
      projectList.add(
          new Alias(
              replaced,
              columnName(output.name()),
              output.exprId(),
              output.qualifier(),
              output instanceof Alias alias ? alias.explicitMetadata() : scala.Option.<Metadata>empty(),
              ScalaInterop.emptySeq()));
    }

    FederatedAggregate spec =
        FederatedAggregate.newBuilder()
            .setVersion(SPEC_VERSION)
            .setTable(source.table.name())
            .setFilterSql(filterSql)
            .addAllGroupBySql(groupSql)
            .addAllAggregates(specCalls)
            .setDescription(description(callAttributes.keySet(), source.table.name(), filterSql, groupSql))
            .build();
    return new Project(
        ScalaInterop.seq(projectList), new FederatedAggregateNode(spec, ScalaInterop.seq(nodeOutput)));
  }

  /**
   * The column name Spark generated for {@code secure_count(*)} is {@code secure_count()}, since the
   * star is gone by then; show the star the user wrote.
   */
  private static String columnName(String name) {
    return name.equals(COUNT_ALL_GENERATED_NAME) ? COUNT_ALL_NAME : name;
  }

  /** Adds the aggregate calls in {@code output} to {@code calls}; false if one is not a plain secure call. */
  private static boolean collectSecureCalls(Expression output, List<AggregateExpression> calls) {
    boolean[] rewritable = {true};
    Function1<Expression, BoxedUnit> visit =
        e -> {
          if (e instanceof AggregateExpression call) {
            boolean plainSecureCall =
                SecureCalls.functionOf(call).isPresent() && !call.isDistinct() && call.filter().isEmpty();
            if (plainSecureCall) {
              calls.add(call);
            } else {
              rewritable[0] = false;
            }
          }
          return BoxedUnit.UNIT;
        };
    output.foreach(visit);
    return rewritable[0];
  }

  private static AttributeReference newAttribute(String name, Expression value, boolean nullable) {
    ExprId id = NamedExpression$.MODULE$.newExprId();
    return new AttributeReference(name, value.dataType(), nullable, Metadata.empty(), id, ScalaInterop.emptySeq());
  }

  static String description(Iterable<String> calls, String table, String filterSql, List<String> groupSql) {
    StringBuilder text = new StringBuilder(String.join(", ", calls)).append(" FROM ").append(table);
    if (!filterSql.isEmpty()) {
      text.append(" WHERE ").append(filterSql);
    }
    if (!groupSql.isEmpty()) {
      text.append(" GROUP BY ").append(String.join(", ", groupSql));
    }
    return text.toString();
  }

  /** What lies between an aggregate and its federated table, folded into conditions and substitutions. */
  static final class Source {
    final ParleyTable table;
    final DataSourceV2Relation relation;
    final List<Expression> conditions = new ArrayList<>();
    private final Map<ExprId, Expression> substitutions = new HashMap<>();

    private Source(ParleyTable table, DataSourceV2Relation relation) {
      this.table = table;
      this.relation = relation;
    }

    /** The source under {@code plan}, or null when something other than WHERE/aliases/columns stands between. */
    static Source of(LogicalPlan plan) {
      Optional<ParleyTable> table = FederatedRelations.tableOf(plan);
      if (table.isPresent()) {
        return new Source(table.get(), (DataSourceV2Relation) plan);
      }
      if (plan instanceof SubqueryAlias alias) {
        return of(alias.child());
      }
      if (plan instanceof Filter filter) {
        Source source = of(filter.child());
        if (source == null || SubqueryExpression.hasSubquery(filter.condition())) {
          return null;
        }
        Expression condition = source.substitute(filter.condition());
        if (condition == null) {
          return null;
        }
        source.conditions.add(condition);
        return source;
      }
      if (plan instanceof Project project) {
        Source source = of(project.child());
        if (source == null) {
          return null;
        }
        Map<ExprId, Expression> renamed = new HashMap<>();
        for (NamedExpression column : ScalaInterop.list(project.projectList())) {
          Expression value;
          if (column instanceof Alias alias && !SubqueryExpression.hasSubquery(alias.child())) {
            value = source.substitute(alias.child());
          } else if (column instanceof Attribute attribute) {
            value = source.substitute(attribute);
          } else {
            return null;
          }
          if (value == null) {
            return null;
          }
          renamed.put(column.exprId(), value);
        }
        source.substitutions.clear();
        source.substitutions.putAll(renamed);
        return source;
      }
      return null;
    }

    /** The WHERE conditions as one SQL condition over the table's columns, or "" for none. */
    String filterSql() {
      if (conditions.isEmpty()) {
        return "";
      }
      Expression condition = conditions.get(0);
      for (Expression next : conditions.subList(1, conditions.size())) {
        condition = new And(condition, next);
      }
      return SqlText.of(condition);
    }

    /** {@code expression} over the table's own columns, or null if it reads anything else. */
    Expression substitute(Expression expression) {
      if (SubqueryExpression.hasSubquery(expression)) {
        return null;
      }
      Expression result =
          expression.transformUp(
              ScalaInterop.everywhere(
                  e -> e instanceof Attribute attribute && substitutions.containsKey(attribute.exprId())
                      ? substitutions.get(attribute.exprId())
                      : e));
      return result.references().subsetOf(relation.outputSet()) ? result : null;
    }
  }
}
