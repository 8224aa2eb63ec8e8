package io.parley.connector;

import io.parley.connector.party.LocalTables;
import io.parley.connector.party.PartyRuntime;
import io.parley.protocols.ParleyException;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Parley's Java API for what SQL cannot say. The secure_* aggregates for DataFrames are in
 * {@link ParleyFunctions}.
 */
public final class Parley {
  private Parley() {}

  /**
   * Makes {@code localPart} this session's local part of federated table {@code table}, instead of
   * {@code spark.parley.table.<table>.path}: plain reads of the table and the secure aggregates this
   * party answers (as initiator, or as the responder running on this session) read it. Its columns
   * are matched to the federation's by name (case-insensitive) and cast to the declared types.
   *
   * @throws ParleyException naming the table when it is not federated, or every missing column and
   *     every column whose type cannot be cast
   */
  public static void registerLocal(SparkSession spark, String table, Dataset<Row> localPart) {
    Objects.requireNonNull(spark, "spark");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(localPart, "localPart");
    PartyRuntime runtime = PartyRuntime.of(spark);
    if (!runtime.isFederated(table)) {
      throw new ParleyException(
          "cannot register a local part for " + table + ": federation " + runtime.federation().name()
              + " declares no such table (it has " + String.join(", ", runtime.federation().tableNames()) + ")");
    }
    LocalTables.register(spark, table, localPart);
  }
}
