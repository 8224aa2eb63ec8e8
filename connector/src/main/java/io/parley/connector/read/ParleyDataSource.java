package io.parley.connector.read;

import io.parley.connector.party.PartyRuntime;
import io.parley.protocols.ParleyException;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The {@code parley} data source: {@code spark.read.format("parley").option("table", "sales").load()}
 * gives the federated relation of {@code sales} with the federation's schema.
 */
public final class ParleyDataSource implements TableProvider, DataSourceRegister {
  public static final String SHORT_NAME = "parley";
  /** The read option naming the federated table. */
  public static final String TABLE_OPTION = "table";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return federatedTable(SparkSession.active(), tableOption(options)).schema();
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return federatedTable(SparkSession.active(), tableOption(new CaseInsensitiveStringMap(properties)));
  }

  /**
   * The federated table {@code name} of the session's federation.
   *
   * @throws ParleyException naming the table when the federation does not declare it
   */
  public static ParleyTable federatedTable(SparkSession spark, String name) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    if (!runtime.isFederated(name)) {
      throw new ParleyException("unknown federated table " + name + ": the federation definition does not declare it");
    }
    return new ParleyTable(name, runtime.tableSchema(name));
  }

  private static String tableOption(CaseInsensitiveStringMap options) {
    String table = options.get(TABLE_OPTION);
    if (table == null || table.isBlank()) {
      throw new ParleyException("the parley data source needs option \"table\": the federated table to read");
    }
    return table.trim();
  }
}
