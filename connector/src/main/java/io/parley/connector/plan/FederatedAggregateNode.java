package io.parley.connector.plan;

import io.parley.protocols.wire.FederatedAggregate;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * One federated aggregate as a logical leaf: its output is one attribute per grouping expression,
 * then one per secure aggregate, in the order of the {@link FederatedAggregate} spec it carries.
 * HAVING, ORDER BY, LIMIT and any arithmetic on the results stay ordinary Spark operators above it.
 */
public final class FederatedAggregateNode extends LogicalPlan {
  private final FederatedAggregate spec;
  private final Seq<Attribute> output;

  public FederatedAggregateNode(FederatedAggregate spec, Seq<Attribute> output) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.output = Objects.requireNonNull(output, "output");
  }

  public FederatedAggregate spec() {
    return spec;
  }

  @Override
  public Seq<Attribute> output() {
    return output;
  }

  /** A leaf produces its own output; without this, the analyzer would call it missing input. */
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

  /** EXPLAIN shows the query, not the protobuf message. */
  @Override
  public scala.collection.Iterator<Object> stringArgs() {
    return scala.jdk.javaapi.CollectionConverters.asScala(
        List.<Object>of(spec.getDescription(), output).iterator());
  }

  @Override
  public String nodeName() {
    return "FederatedAggregate";
  }

  @Override
  public int productArity() {
    return 2;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> spec;
      case 1 -> output;
      default -> throw new IndexOutOfBoundsException(n);
    };
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof FederatedAggregateNode;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof FederatedAggregateNode that && spec.equals(that.spec) && output.equals(that.output);
  }

  @Override
  public int hashCode() {
    return Objects.hash(spec, output);
  }
}
