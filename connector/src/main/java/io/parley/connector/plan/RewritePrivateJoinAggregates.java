package io.parley.connector.plan;

import io.parley.connector.functions.SecureFunction;
import io.parley.connector.party.PartyRuntime;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.PrivateJoinSide;
import io.parley.protocols.wire.PrivateJoinVariant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.And;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.EqualTo;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression$;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.plans.Inner$;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.types.Metadata;

/**
 * Plans {@code SELECT secure_count(*), secure_sum(b.x) FROM t1 a JOIN t2 b ON a.id = b.id WHERE …}
 * over two federated tables owned by two parties ({@code table.<t>.owner}), this party one of them,
 * as a private join's sum variant ({@link PrivateJoinAggregateNode}): the summed column's side is
 * the sender (without a sum, the other party's side), the WHERE conjuncts over one side become that
 * side's filter. {@code secure_count(*)} is the number of the sender's rows whose identifier the
 * other side holds: the join's count when the other side's identifier is a key (a private join
 * never reveals multiplicities). Anything else is left to {@link CheckFederatedQueries}, which
 * refuses a secure aggregate over a join.
 */
public final class RewritePrivateJoinAggregates extends Rule<LogicalPlan> {
  private static final String COUNT_ALL_GENERATED_NAME = SecureFunction.COUNT.sqlName() + "()";

  private final SparkSession session;

  public RewritePrivateJoinAggregates(SparkSession session) {
    this.session = session;
  }

  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    return plan.resolveOperatorsUp(
        ScalaInterop.everywhere(node -> node instanceof Aggregate aggregate ? rewrite(aggregate) : node));
  }

  private LogicalPlan rewrite(Aggregate aggregate) {
    if (!aggregate.resolved() || !aggregate.groupingExpressions().isEmpty()) {
      return aggregate;
    }
    List<NamedExpression> outputs = ScalaInterop.list(aggregate.aggregateExpressions());
    if (outputs.isEmpty() || !outputs.stream().allMatch(o -> o instanceof Alias alias
        && alias.child() instanceof AggregateExpression call && SecureCalls.functionOf(call).isPresent())) {
      return aggregate;
    }
    List<Expression> conjuncts = new ArrayList<>();
    LogicalPlan child = aggregate.child();
    while (child instanceof Filter filter) {
      conjuncts.add(filter.condition());
      child = filter.child();
    }
    if (!(child instanceof Join join) || join.joinType() != Inner$.MODULE$ || join.condition().isEmpty()) {
      return aggregate;
    }
    conjuncts.add(join.condition().get());
    RewriteSecureAggregates.Source left = RewriteSecureAggregates.Source.of(join.left());
    RewriteSecureAggregates.Source right = RewriteSecureAggregates.Source.of(join.right());
    if (left == null || right == null) {
      return aggregate;
    }
    String[] keys = null;
    for (Expression conjunct : split(conjuncts)) {
      if (SubqueryExpression.hasSubquery(conjunct)) {
        return aggregate;
      }
      Expression overLeft = left.substitute(conjunct);
      Expression overRight = right.substitute(conjunct);
      if (overLeft != null) {
        left.conditions.add(overLeft);
      } else if (overRight != null) {
        right.conditions.add(overRight);
      } else if (keys == null && conjunct instanceof EqualTo equal) {
        keys = keyPair(left, right, equal.left(), equal.right());
        if (keys == null) {
          keys = keyPair(left, right, equal.right(), equal.left());
        }
        if (keys == null) {
          return aggregate;
        }
      } else {
        return aggregate;
      }
    }
    if (keys == null) {
      return aggregate;
    }

    String sumColumn = "";
    Boolean sumOnLeft = null;
    List<Boolean> sums = new ArrayList<>();
    for (NamedExpression output : outputs) {
      AggregateExpression call = (AggregateExpression) ((Alias) output).child();
      SecureFunction function = SecureCalls.functionOf(call).orElseThrow();
      List<Expression> arguments = ScalaInterop.list(call.aggregateFunction().children());
      if (call.isDistinct() || call.filter().isDefined()) {
        return aggregate;
      }
      if (function == SecureFunction.COUNT && arguments.isEmpty()) {
        sums.add(false);
        continue;
      }
      if (function != SecureFunction.SUM || arguments.size() != 1) {
        return aggregate;
      }
      Expression overLeft = left.substitute(arguments.get(0));
      Expression overRight = right.substitute(arguments.get(0));
      Expression column = overLeft != null ? overLeft : overRight;
      if (!(column instanceof AttributeReference attribute)
          || (!sumColumn.isEmpty() && (!sumColumn.equals(attribute.name()) || sumOnLeft != (overLeft != null)))) {
        return aggregate;
      }
      sumColumn = attribute.name();
      sumOnLeft = overLeft != null;
      sums.add(true);
    }

    PartyRuntime runtime = PartyRuntime.of(session);
    Optional<String> leftOwner = runtime.federation().owner(left.table.name());
    Optional<String> rightOwner = runtime.federation().owner(right.table.name());
    String self = runtime.party();
    if (leftOwner.isEmpty() || rightOwner.isEmpty() || leftOwner.equals(rightOwner)
        || !(leftOwner.get().equals(self) || rightOwner.get().equals(self))) {
      return aggregate;
    }
    boolean selfOnLeft = leftOwner.get().equals(self);
    PrivateJoinSide leftSide = side(leftOwner.get(), left, keys[0]);
    PrivateJoinSide rightSide = side(rightOwner.get(), right, keys[1]);
    // The sender holds the summed column; without one, the other party's rows are counted.
    boolean senderOnLeft = sumOnLeft != null ? sumOnLeft : !selfOnLeft;
    String receiver = senderOnLeft ? rightOwner.get() : leftOwner.get();
    List<String> calls = new ArrayList<>();
    for (NamedExpression output : outputs) {
      calls.add(columnName(output.name()));
    }
    PrivateJoin privateJoin = PrivateJoin.newBuilder()
        .setVersion(1)
        .setInitiator(selfOnLeft ? leftSide : rightSide)
        .setResponder(selfOnLeft ? rightSide : leftSide)
        .setVariant(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SUM)
        .setReceiver(receiver)
        .setSumColumn(sumColumn)
        .setNormalization("none")
        .setDescription(String.join(", ", calls) + " FROM " + left.table.name() + " JOIN " + right.table.name()
            + " ON " + left.table.name() + "." + keys[0] + " = " + right.table.name() + "." + keys[1])
        .build();

    List<Attribute> nodeOutput = new ArrayList<>();
    List<NamedExpression> projectList = new ArrayList<>();
    for (NamedExpression output : outputs) {
      Alias alias = (Alias) output;
      AttributeReference attribute = new AttributeReference(columnName(output.name()), alias.dataType(),
          alias.nullable(), Metadata.empty(), NamedExpression$.MODULE$.newExprId(), ScalaInterop.emptySeq());
      nodeOutput.add(attribute);
      projectList.add(new Alias(attribute, columnName(output.name()), output.exprId(), output.qualifier(),
          alias.explicitMetadata(), ScalaInterop.emptySeq()));
    }
    return new Project(ScalaInterop.seq(projectList),
        new PrivateJoinAggregateNode(privateJoin, ScalaInterop.seq(nodeOutput), sums));
  }

  /** {@code a} a column of the left table and {@code b} of the right: their names; else null. */
  private static String[] keyPair(RewriteSecureAggregates.Source left, RewriteSecureAggregates.Source right,
      Expression a, Expression b) {
    Expression overLeft = left.substitute(a);
    Expression overRight = right.substitute(b);
    if (overLeft instanceof AttributeReference l && overRight instanceof AttributeReference r) {
      return new String[] {l.name(), r.name()};
    }
    return null;
  }

  private static PrivateJoinSide side(String party, RewriteSecureAggregates.Source source, String identifier) {
    return PrivateJoinSide.newBuilder().setParty(party).setTable(source.table.name()).setIdentifierColumn(identifier)
        .setFilterSql(source.filterSql()).build();
  }

  private static List<Expression> split(List<Expression> conditions) {
    List<Expression> conjuncts = new ArrayList<>();
    for (Expression condition : conditions) {
      if (condition instanceof And and) {
        conjuncts.addAll(split(List.of(and.left(), and.right())));
      } else {
        conjuncts.add(condition);
      }
    }
    return conjuncts;
  }

  private static String columnName(String name) {
    return name.equals(COUNT_ALL_GENERATED_NAME) ? SecureFunction.COUNT.sqlName() + "(*)" : name;
  }
}
