package io.parley.connector.exec;

import io.parley.connector.party.FederatedAggregation;
import io.parley.connector.plan.ScalaInterop;
import io.parley.connector.shares.ShareAggregation;
import io.parley.protocols.wire.FederatedAggregate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.types.DataTypeUtils;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.StructType;
import scala.Function1;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.reflect.ClassTag;

/**
 * Runs one federated aggregate as its initiator. The protocol runs on the driver, which only
 * orchestrates: {@link FederatedAggregation} starts its own Spark jobs over the party's local rows.
 * The result (one row per group) is small and comes back as a one-partition RDD of unsafe rows.
 * Nothing runs until execution: EXPLAIN only prints the query.
 */
public final class FederatedAggregateExec extends SparkPlan {
  private static final long serialVersionUID = 1L;

  private final FederatedAggregate spec;
  private final Seq<Attribute> output;

  public FederatedAggregateExec(FederatedAggregate spec, Seq<Attribute> output) {
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

  @Override
  public RDD<InternalRow> doExecute() {
    // Comparisons, and GROUP BY under a minimum group size, run on shares among the compute parties.
    List<Row> rows = ShareAggregation.runsOnShares(session(), spec)
        ? ShareAggregation.runAsInitiator(session(), spec)
        : FederatedAggregation.runAsInitiator(session(), spec);
    StructType schema = DataTypeUtils.fromAttributes(output);
    Function1<Object, Object> toCatalyst = CatalystTypeConverters.createToCatalystConverter(schema);
    UnsafeProjection toUnsafe = UnsafeProjection.create(schema);
    List<InternalRow> converted = new ArrayList<>(rows.size());
    for (Row row : rows) {
      // Operators above (exchanges for ORDER BY, for instance) expect unsafe rows.
      converted.add(toUnsafe.apply((InternalRow) toCatalyst.apply(row)).copy());
    }
    return sparkContext()
        .parallelize(ScalaInterop.seq(converted), 1, ClassTag.apply(InternalRow.class));
  }

  @Override
  public Seq<SparkPlan> children() {
    return ScalaInterop.emptySeq();
  }

  @Override
  public SparkPlan withNewChildrenInternal(IndexedSeq<SparkPlan> newChildren) {
    return this;
  }

  @Override
  public String nodeName() {
    return "FederatedAggregate";
  }

  /** EXPLAIN shows the query, not the protobuf message. */
  @Override
  public scala.collection.Iterator<Object> stringArgs() {
    return scala.jdk.javaapi.CollectionConverters.asScala(
        List.<Object>of(spec.getDescription(), output).iterator());
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
    return that instanceof FederatedAggregateExec;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof FederatedAggregateExec that && spec.equals(that.spec) && output.equals(that.output);
  }

  @Override
  public int hashCode() {
    return Objects.hash(spec, output);
  }
}
