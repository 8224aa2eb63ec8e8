package io.parley.connector.plan;

import io.parley.protocols.wire.PrivateJoin;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * {@code secure_count(*)} and {@code secure_sum(column)} over a join of two tables that two parties
 * own, as a logical leaf: one row, one attribute per call, answered by a private join's sum variant.
 * {@code sums} says, per output attribute, whether it is the sum (else the matched-row count).
 */
public final class PrivateJoinAggregateNode extends LogicalPlan {
  private final PrivateJoin join;
  private final Seq<Attribute> output;
  private final List<Boolean> sums;

  public PrivateJoinAggregateNode(PrivateJoin join, Seq<Attribute> output, List<Boolean> sums) {
    this.join = Objects.requireNonNull(join, "join");
    this.output = Objects.requireNonNull(output, "output");
    this.sums = List.copyOf(sums);
  }

  public PrivateJoin join() {
    return join;
  }

  public List<Boolean> sums() {
    return sums;
  }

  @Override
  public Seq<Attribute> output() {
    return output;
  }

  @Override
  public AttributeSet producedAttributes() {
    return outputSet();
  }

  @Override
  public Seq<LogicalPlan> children() {
    return ScalaInterop.emptySeq();
  }

  @Override
  public LogicalPlan withNewChildrenInternal(IndexedSeq<LogicalPlan> newChildren) {
    return this;
  }

  @Override
  public scala.collection.Iterator<Object> stringArgs() {
    return scala.jdk.javaapi.CollectionConverters.asScala(List.<Object>of(join.getDescription(), output).iterator());
  }

  @Override
  public String nodeName() {
    return "PrivateJoinAggregate";
  }

  @Override
  public int productArity() {
    return 3;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> join;
      case 1 -> output;
      case 2 -> sums;
      default -> throw new IndexOutOfBoundsException(n);
    };
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof PrivateJoinAggregateNode;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PrivateJoinAggregateNode that && join.equals(that.join) && output.equals(that.output)
        && sums.equals(that.sums);
  }

  @Override
  public int hashCode() {
    return Objects.hash(join, output, sums);
  }
}
