package io.parley.connector.plan;

import io.parley.connector.functions.SecureFunction;
import io.parley.protocols.ParleyException;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.MutableAggregationBuffer;
import org.apache.spark.sql.expressions.UserDefinedAggregateFunction;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * The shape of a secure_* call between analysis and the rewrite: it carries the {@link SecureFunction}
 * and Spark's result type, so the analyzer types the query exactly as it would plain sum/avg/….
 * It never aggregates: the rewrite replaces every call by a federated aggregate, and should a call
 * ever reach execution, it fails rather than compute a local, non-federated answer.
 */
@SuppressWarnings("deprecation") // UserDefinedAggregateFunction is Spark's one way to name a typed aggregate for ScalaUDAF
final class SecureAggregateUdaf extends UserDefinedAggregateFunction {
  private static final long serialVersionUID = 1L;

  private final SecureFunction function;
  private final StructType inputSchema;
  private final DataType resultType;

  SecureAggregateUdaf(SecureFunction function, List<DataType> argumentTypes, DataType resultType) {
    this.function = Objects.requireNonNull(function, "function");
    StructType input = new StructType();
    for (int i = 0; i < argumentTypes.size(); i++) {
      input = input.add("argument" + i, argumentTypes.get(i), true);
    }
    this.inputSchema = input;
    this.resultType = Objects.requireNonNull(resultType, "resultType");
  }

  SecureFunction function() {
    return function;
  }

  @Override
  public StructType inputSchema() {
    return inputSchema;
  }

  @Override
  public StructType bufferSchema() {
    return new StructType();
  }

  @Override
  public DataType dataType() {
    return resultType;
  }

  @Override
  public boolean deterministic() {
    return true;
  }

  @Override
  public void initialize(MutableAggregationBuffer buffer) {
    throw notRewritten();
  }

  @Override
  public void update(MutableAggregationBuffer buffer, Row input) {
    throw notRewritten();
  }

  @Override
  public void merge(MutableAggregationBuffer buffer1, Row buffer2) {
    throw notRewritten();
  }

  @Override
  public Object evaluate(Row buffer) {
    throw notRewritten();
  }

  private ParleyException notRewritten() {
    return new ParleyException(
        function.sqlName()
            + " runs only as a federated aggregate over a federated table; this plan was not rewritten"
            + " (is spark.sql.extensions=io.parley.connector.ParleyExtensions set?)");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SecureAggregateUdaf that
        && function == that.function
        && inputSchema.equals(that.inputSchema)
        && resultType.equals(that.resultType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(function, inputSchema, resultType);
  }

  @Override
  public String toString() {
    return function.sqlName();
  }
}
