package io.parley.connector.plan;

import io.parley.connector.functions.SecureFunction;
import io.parley.protocols.ParleyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import scala.Function1;
import scala.runtime.BoxedUnit;

/**
 * Refuses, after analysis, every federated query Parley cannot answer safely, with one line that
 * names the function, table or column at fault: a secure_* call the rewrite left in place (not over
 * a federated table, joined with other tables, DISTINCT, …) and a plain aggregate over a federated
 * table in a query that uses secure_* (it would silently cover this party's rows only).
 */
public final class CheckFederatedQueries {
  private CheckFederatedQueries() {}

  /** The check rule for {@code injectCheckRule}. */
  public static Function1<LogicalPlan, BoxedUnit> rule() {
    return plan -> {
      check(plan);
      return BoxedUnit.UNIT;
    };
  }

  static void check(LogicalPlan plan) {
    List<LogicalPlan> nodes = new ArrayList<>();
    collectWithSubqueries(plan, nodes);
    boolean federatedQuery =
        nodes.stream().anyMatch(node -> node instanceof FederatedAggregateNode || secureCall(node).isPresent());
    if (!federatedQuery) {
      return;
    }
    // Plain aggregates first: a plain avg in a subquery also keeps its secure neighbour from rewriting.
    for (LogicalPlan node : nodes) {
      if (node instanceof Aggregate aggregate) {
        List<String> tables = FederatedRelations.tablesUnder(aggregate.child());
        Optional<AggregateExpression> plain = plainCall(aggregate);
        if (!tables.isEmpty() && plain.isPresent()) {
          throw plainOverFederated(plain.get(), tables.get(0));
        }
      }
    }
    for (LogicalPlan node : nodes) {
      Optional<AggregateExpression> secure = secureCall(node);
      if (secure.isPresent()) {
        if (node instanceof Aggregate aggregate) {
          throw refusal(aggregate, secure.get());
        }
        throw new ParleyException(
            name(secure.get())
                + " is an aggregate over a federated table; it cannot be used in "
                + node.nodeName());
      }
    }
  }

  private static ParleyException refusal(Aggregate aggregate, AggregateExpression call) {
    String function = name(call);
    List<String> tables = FederatedRelations.tablesUnder(aggregate.child());
    if (tables.isEmpty()) {
      return new ParleyException(
          function + " needs a federated table; " + inputName(aggregate.child()) + " is not federated");
    }
    String table = tables.get(0);
    Optional<AggregateExpression> plain = plainCall(aggregate);
    if (plain.isPresent()) {
      return plainOverFederated(plain.get(), table);
    }
    Optional<AggregateExpression> distinct =
        secureCalls(aggregate).stream().filter(AggregateExpression::isDistinct).findFirst();
    if (distinct.isPresent()) {
      return new ParleyException(
          function + "(DISTINCT …) over federated table " + table + " is not supported: remove DISTINCT");
    }
    Optional<AggregateExpression> filtered =
        secureCalls(aggregate).stream().filter(c -> c.filter().isDefined()).findFirst();
    if (filtered.isPresent()) {
      return new ParleyException(
          function + "(…) FILTER (WHERE …) over federated table " + table
              + " is not supported: put the condition in the query's WHERE");
    }
    List<String> others = otherInputs(aggregate.child());
    if (tables.size() > 1 || !others.isEmpty()) {
      List<String> inputs = new ArrayList<>(tables.subList(1, tables.size()));
      inputs.addAll(others);
      return new ParleyException(
          function + " over federated table " + table + " cannot be combined with other tables ("
              + String.join(", ", inputs) + "): a federated aggregate reads one federated table");
    }
    if (RewriteSecureAggregates.Source.of(aggregate.child()) == null) {
      return new ParleyException(
          function + " over federated table " + table
              + ": only WHERE, column selection and aliases may stand between the table and the aggregate, not "
              + blockingNode(aggregate.child()));
    }
    return new ParleyException(
        function + " over federated table " + table
            + ": every selected column must be grouped or inside a secure_* aggregate");
  }

  private static ParleyException plainOverFederated(AggregateExpression plain, String table) {
    String name = plain.aggregateFunction().prettyName();
    String secureName = "secure_" + name;
    boolean hasSecure = false;
    for (SecureFunction function : SecureFunction.values()) {
      hasSecure |= function.sqlName().equals(secureName);
    }
    return new ParleyException(
        "plain " + name + " over federated table " + table + ": "
            + (hasSecure ? "use " + secureName : "federated queries take only secure_* aggregates"));
  }

  private static Optional<AggregateExpression> secureCall(LogicalPlan node) {
    for (Expression expression : ScalaInterop.list(node.expressions())) {
      Optional<AggregateExpression> call =
          aggregateCalls(expression).stream().filter(c -> SecureCalls.functionOf(c).isPresent()).findFirst();
      if (call.isPresent()) {
        return call;
      }
    }
    return Optional.empty();
  }

  private static List<AggregateExpression> secureCalls(Aggregate aggregate) {
    return allCalls(aggregate).stream().filter(c -> SecureCalls.functionOf(c).isPresent()).collect(Collectors.toList());
  }

  private static Optional<AggregateExpression> plainCall(Aggregate aggregate) {
    return allCalls(aggregate).stream().filter(c -> SecureCalls.functionOf(c).isEmpty()).findFirst();
  }

  private static List<AggregateExpression> allCalls(Aggregate aggregate) {
    List<AggregateExpression> calls = new ArrayList<>();
    for (NamedExpression expression : ScalaInterop.list(aggregate.aggregateExpressions())) {
      calls.addAll(aggregateCalls((Expression) expression));
    }
    return calls;
  }

  private static List<AggregateExpression> aggregateCalls(Expression expression) {
    List<AggregateExpression> calls = new ArrayList<>();
    Function1<Expression, BoxedUnit> visit =
        e -> {
          if (e instanceof AggregateExpression call) {
            calls.add(call);
          }
          return BoxedUnit.UNIT;
        };
    expression.foreach(visit);
    return calls;
  }

  private static String name(AggregateExpression call) {
    return SecureCalls.functionOf(call).map(SecureFunction::sqlName).orElse(call.aggregateFunction().prettyName());
  }

  /** What a non-federated input is called: its alias or table name, else its plan node. */
  private static String inputName(LogicalPlan plan) {
    List<String> names = new ArrayList<>();
    Function1<LogicalPlan, BoxedUnit> visit =
        node -> {
          if (names.isEmpty() && node instanceof SubqueryAlias alias) {
            names.add(alias.alias());
          }
          return BoxedUnit.UNIT;
        };
    plan.foreach(visit);
    if (!names.isEmpty()) {
      return names.get(0);
    }
    List<LogicalPlan> leaves = new ArrayList<>();
    Function1<LogicalPlan, BoxedUnit> leaf =
        node -> {
          if (node.children().isEmpty()) {
            leaves.add(node);
          }
          return BoxedUnit.UNIT;
        };
    plan.foreach(leaf);
    return leaves.isEmpty() ? "the input" : "the input " + leaves.get(0).nodeName();
  }

  /** Names of the inputs under {@code plan} that are not federated tables. */
  private static List<String> otherInputs(LogicalPlan plan) {
    List<String> names = new ArrayList<>();
    collectOtherInputs(plan, names);
    return names;
  }

  private static void collectOtherInputs(LogicalPlan plan, List<String> names) {
    if (FederatedRelations.tableOf(plan).isPresent()) {
      return;
    }
    if (plan instanceof SubqueryAlias alias && FederatedRelations.tablesUnder(alias).isEmpty()) {
      names.add(alias.alias());
      return;
    }
    if (plan.children().isEmpty()) {
      names.add(plan.nodeName());
      return;
    }
    for (LogicalPlan child : ScalaInterop.list(plan.children())) {
      collectOtherInputs(child, names);
    }
  }

  private static String blockingNode(LogicalPlan plan) {
    LogicalPlan node = plan;
    while (node instanceof Filter || node instanceof Project || node instanceof SubqueryAlias) {
      node = node.children().head();
    }
    return switch (node.nodeName()) {
      case "Expand" -> "GROUPING SETS, ROLLUP or CUBE";
      case "Join" -> "a join";
      default -> node.nodeName();
    };
  }

  private static void collectWithSubqueries(LogicalPlan plan, List<LogicalPlan> nodes) {
    Function1<LogicalPlan, BoxedUnit> visit =
        node -> {
          nodes.add(node);
          for (LogicalPlan subquery : ScalaInterop.list(node.subqueries())) {
            collectWithSubqueries(subquery, nodes);
          }
          return BoxedUnit.UNIT;
        };
    plan.foreach(visit);
  }
}
