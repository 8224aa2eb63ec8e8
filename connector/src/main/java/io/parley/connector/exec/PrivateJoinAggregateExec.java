package io.parley.connector.exec;

import io.parley.connector.join.PrivateJoins;
import io.parley.connector.plan.ScalaInterop;
import io.parley.protocols.wire.PrivateJoin;
import java.util.List;
import java.util.Objects;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.types.DataTypeUtils;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.reflect.ClassTag;

/**
 * Runs a {@code secure_count(*)} / {@code secure_sum} over a join of two parties' tables as the
 * initiator of a private join ({@link PrivateJoins}, sum variant) and returns its one row.
 */
public final class PrivateJoinAggregateExec extends SparkPlan {
  private static final long serialVersionUID = 1L;

  private final PrivateJoin join;
  private final Seq<Attribute> output;
  private final List<Boolean> sums;

  public PrivateJoinAggregateExec(PrivateJoin join, Seq<Attribute> output, List<Boolean> sums) {
    this.join = Objects.requireNonNull(join, "join");
    this.output = Objects.requireNonNull(output, "output");
    this.sums = List.copyOf(sums);
  }

  @Override
  public Seq<Attribute> output() {
    return output;
  }

  @Override
  public RDD<InternalRow> doExecute() {
    Row result = PrivateJoins.runAsInitiator(session(), join).first();
    Object[] values = new Object[sums.size()];
    for (int i = 0; i < values.length; i++) {
      // The result row is intersection_size, matched_rows[, sum_<column>].
      values[i] = sums.get(i) ? result.get(2) : result.get(1);
    }
    StructType schema = DataTypeUtils.fromAttributes(output);
    InternalRow row = (InternalRow) CatalystTypeConverters.createToCatalystConverter(schema)
        .apply(RowFactory.create(values));
    InternalRow unsafe = UnsafeProjection.create(schema).apply(row).copy();
    return sparkContext().parallelize(ScalaInterop.seq(List.of(unsafe)), 1, ClassTag.apply(InternalRow.class));
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
    return "PrivateJoinAggregate";
  }

  @Override
  public scala.collection.Iterator<Object> stringArgs() {
    return scala.jdk.javaapi.CollectionConverters.asScala(List.<Object>of(join.getDescription(), output).iterator());
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
    return that instanceof PrivateJoinAggregateExec;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PrivateJoinAggregateExec that && join.equals(that.join) && output.equals(that.output)
        && sums.equals(that.sums);
  }

  @Override
  public int hashCode() {
    return Objects.hash(join, output, sums);
  }
}
