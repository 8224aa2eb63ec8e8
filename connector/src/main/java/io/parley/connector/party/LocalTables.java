package io.parley.connector.party;

import io.parley.connector.config.ParleyConf;
import io.parley.protocols.ParleyException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A party's local part of each federated table, always under the federation's schema: a DataFrame
 * registered for the session through the Java API, else {@code spark.parley.table.<t>.path} read as
 * CSV (header row, the federation's schema) or Parquet (its columns selected and cast to the schema).
 */
public final class LocalTables {
  /** Names the table and setting when the local data is missing, before Spark's reader warns and fails. */
  private static void requireExists(SparkSession spark, String party, String table, String location) {
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
    boolean exists;
    try {
      exists = path.getFileSystem(spark.sessionState().newHadoopConf()).exists(path);
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new ParleyException(
          "cannot reach the local data of party " + party + " for federated table " + table + " at " + location + " ("
              + ParleyConf.tablePathKey(table) + "): " + e.getMessage(), e);
    }
    if (!exists) {
      throw new ParleyException(
          "the local data of party " + party + " for federated table " + table + " does not exist: " + location + " ("
              + ParleyConf.tablePathKey(table) + ")");
    }
  }

  /** Registered DataFrames, per session: sessions of one JVM may be different parties. */
  private static final Map<SparkSession, Map<String, Dataset<Row>>> REGISTERED =
      Collections.synchronizedMap(new WeakHashMap<>());

  private LocalTables() {}

  /** Whether the party has a local part of {@code table}: a registered DataFrame or a configured path. */
  public static boolean hasLocalPart(SparkSession spark, String table) {
    return registered(spark, table) != null || PartyRuntime.of(spark).conf().tablePath(table).isPresent();
  }

  /** The party's local rows of federated {@code table}, under the federation's schema. */
  public static Dataset<Row> localPart(SparkSession spark, String table) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    StructType schema = runtime.tableSchema(table);
    Dataset<Row> registered = registered(spark, table);
    if (registered != null) {
      return registered;
    }
    ParleyConf conf = runtime.conf();
    Optional<String> path = conf.tablePath(table);
    if (path.isEmpty()) {
      throw new ParleyException(
          "party " + runtime.party() + " has no local data for federated table " + table + ": set "
              + ParleyConf.tablePathKey(table) + " or register a DataFrame");
    }
    requireExists(spark, runtime.party(), table, path.get());
    String format = conf.tableFormat(table);
    if (format.equals(ParleyConf.FORMAT_CSV)) {
      return spark.read().schema(schema).option("header", "true").csv(path.get());
    }
    Dataset<Row> parquet;
    try {
      parquet = spark.read().parquet(path.get());
    } catch (RuntimeException e) {
      throw new ParleyException(
          "cannot read the local part of federated table " + table + " as Parquet from " + path.get() + " ("
              + ParleyConf.tablePathKey(table) + "): " + e.getMessage(), e);
    }
    return conform(parquet, table, schema, "Parquet data " + path.get());
  }

  /**
   * Whether this party has a local part of {@code table} (a registered DataFrame or {@code
   * spark.parley.table.<t>.path}). A party without one, such as a compute party that holds no
   * data, takes part in share computations with no rows.
   */
  public static boolean isMapped(SparkSession spark, String table) {
    return registered(spark, table) != null || PartyRuntime.of(spark).conf().tablePath(table).isPresent();
  }

  /**
   * Registers {@code localPart} as the session's local part of {@code table}, selected and cast to
   * the federation's schema. {@link io.parley.connector.Parley#registerLocal} is the public entry,
   * which first checks the table is federated.
   */
  public static void register(SparkSession spark, String table, Dataset<Row> localPart) {
    StructType schema = PartyRuntime.of(spark).tableSchema(table);
    Dataset<Row> conformed = conform(localPart, table, schema, "the registered DataFrame");
    REGISTERED.computeIfAbsent(spark, s -> Collections.synchronizedMap(new HashMap<>())).put(table, conformed);
  }

  private static Dataset<Row> registered(SparkSession spark, String table) {
    Map<String, Dataset<Row>> tables = REGISTERED.get(spark);
    return tables == null ? null : tables.get(table);
  }

  /**
   * {@code data}'s columns of {@code schema}, by name (case-insensitive) and cast to the declared
   * types. A missing column or a type Spark cannot cast fails naming the table, column and source.
   */
  static Dataset<Row> conform(Dataset<Row> data, String table, StructType schema, String source) {
    StructType actual = data.schema();
    List<Column> columns = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (StructField field : schema.fields()) {
      Optional<StructField> found =
          java.util.Arrays.stream(actual.fields()).filter(f -> f.name().equalsIgnoreCase(field.name())).findFirst();
      if (found.isEmpty()) {
        problems.add("has no column " + field.name() + " (" + field.dataType().sql() + ")");
        continue;
      }
      if (!Cast.canCast(found.get().dataType(), field.dataType())) {
        problems.add(
            "column " + field.name() + " is " + found.get().dataType().sql() + ", which cannot be cast to the declared "
                + field.dataType().sql());
        continue;
      }
      Column column = data.col(quoted(found.get().name()));
      columns.add(
          (found.get().dataType().equals(field.dataType()) ? column : column.cast(field.dataType())).as(field.name()));
    }
    if (!problems.isEmpty()) {
      throw new ParleyException(
          "local part of federated table " + table + ": " + source + " " + String.join("; ", problems)
              + " (the federation declares " + schema.toDDL() + ")");
    }
    return data.select(columns.toArray(Column[]::new));
  }

  private static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
