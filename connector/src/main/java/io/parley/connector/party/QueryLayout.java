package io.parley.connector.party;

import io.parley.connector.functions.CallStatistics;
import io.parley.connector.functions.GroupKeyCodec;
import io.parley.connector.functions.SecureFunction;
import io.parley.protocols.ParleyException;
import io.parley.protocols.wire.AggregateCall;
import io.parley.protocols.wire.FederatedAggregate;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A {@link FederatedAggregate} resolved against this party's local part: the (not yet run) Spark
 * aggregation of its local statistics per group, the group-key codec, each call's statistics and
 * where they sit, and the layout every party must agree on (its SHA-256 digest and the ring words
 * per group). Every party derives it from the same message with the same code.
 */
public final class QueryLayout {
  static final int SPEC_VERSION = 1;
  private static final String DIGEST_LABEL = "parley/v1/layout";

  private final FederatedAggregate spec;
  private final Dataset<Row> localStatistics;
  /** The local rows passing the filter, with the group columns {@code group_i}: for per-value stages. */
  private final Dataset<Row> selected;
  private final List<Column> groups;
  private final List<DataType> groupTypes;
  private final GroupKeyCodec groupKeyCodec;
  private final List<CallStatistics> calls;
  /** Per call: its first column in a row of {@link #localStatistics}. */
  private final int[] firstColumns;
  /** Per call: its first word within a group's block of ring words. */
  private final int[] firstWords;
  private final int wordsPerGroup;
  private final byte[] digest;

  private QueryLayout(
      FederatedAggregate spec,
      Dataset<Row> localStatistics,
      Dataset<Row> selected,
      List<Column> groups,
      List<DataType> groupTypes,
      List<CallStatistics> calls,
      int[] firstColumns,
      int[] firstWords,
      int wordsPerGroup,
      byte[] digest) {
    this.spec = spec;
    this.localStatistics = localStatistics;
    this.selected = selected;
    this.groups = List.copyOf(groups);
    this.groupTypes = List.copyOf(groupTypes);
    this.groupKeyCodec = new GroupKeyCodec(this.groupTypes);
    this.calls = List.copyOf(calls);
    this.firstColumns = firstColumns;
    this.firstWords = firstWords;
    this.wordsPerGroup = wordsPerGroup;
    this.digest = digest;
  }

  /**
   * Resolves {@code spec} against the session's local part of its table.
   *
   * @throws ParleyException naming the table and the expression that does not resolve
   */
  public static QueryLayout resolve(SparkSession spark, FederatedAggregate spec) {
    return resolve(spark, spec, false);
  }

  /**
   * As {@link #resolve(SparkSession, FederatedAggregate)}; with {@code emptyWhenUnmapped}, a party
   * with no local part of the table (a compute party that only computes) takes part with no rows.
   */
  public static QueryLayout resolve(SparkSession spark, FederatedAggregate spec, boolean emptyWhenUnmapped) {
    if (spec.getVersion() != SPEC_VERSION) {
      throw new ParleyException(
          "federated aggregate version " + spec.getVersion() + " is not supported (this party speaks version "
              + SPEC_VERSION + ")");
    }
    String table = spec.getTable();
    if (!PartyRuntime.of(spark).isFederated(table)) {
      throw new ParleyException("unknown federated table " + table + ": the federation definition does not declare it");
    }
    if (spec.getAggregatesCount() == 0) {
      throw new ParleyException("federated aggregate over " + table + " has no aggregate calls");
    }
    StructType schema = PartyRuntime.of(spark).tableSchema(table);
    // Every fragment is checked before the local data is even read.
    if (!spec.getFilterSql().isEmpty()) {
      QueryGuard.check(spark, table, schema, "WHERE condition", spec.getFilterSql());
    }
    for (String group : spec.getGroupBySqlList()) {
      QueryGuard.check(spark, table, schema, "GROUP BY expression", group);
    }
    for (AggregateCall call : spec.getAggregatesList()) {
      for (String argument : call.getArgumentSqlList()) {
        QueryGuard.check(spark, table, schema, "argument of " + call.getFunction(), argument);
      }
    }
    Dataset<Row> local =
        emptyWhenUnmapped && !LocalTables.hasLocalPart(spark, table)
            ? spark.createDataFrame(List.<Row>of(), schema)
            : LocalTables.localPart(spark, table);
    if (!spec.getFilterSql().isEmpty()) {
      types(local, List.of(parse(table, "WHERE condition", spec.getFilterSql())), table, "WHERE condition");
    }
    Dataset<Row> selected =
        spec.getFilterSql().isEmpty() ? local : local.where(parse(table, "WHERE condition", spec.getFilterSql()));

    List<Column> groups = new ArrayList<>();
    for (int i = 0; i < spec.getGroupBySqlCount(); i++) {
      groups.add(parse(table, "GROUP BY expression", spec.getGroupBySql(i)).as("group_" + i));
    }
    List<DataType> groupTypes = types(selected, groups, table, "GROUP BY expressions");

    List<CallStatistics> calls = new ArrayList<>();
    List<Column> aggregates = new ArrayList<>();
    int[] firstColumns = new int[spec.getAggregatesCount()];
    int[] firstWords = new int[spec.getAggregatesCount()];
    int column = groups.size();
    long words = 0;
    for (int c = 0; c < spec.getAggregatesCount(); c++) {
      AggregateCall call = spec.getAggregates(c);
      SecureFunction function =
          SecureFunction.bySqlName(call.getFunction())
              .orElseThrow(() -> new ParleyException("unknown secure function " + call.getFunction() + " over table " + table));
      List<Column> arguments = new ArrayList<>();
      for (int a = 0; a < call.getArgumentSqlCount(); a++) {
        arguments.add(parse(table, "argument of " + call.getFunction(), call.getArgumentSql(a)).as("argument_" + a));
      }
      List<DataType> argumentTypes = types(selected, arguments, table, "arguments of " + call.getFunction());
      CallStatistics statistics = CallStatistics.of(function, argumentTypes);
      List<Column> localAggregates = statistics.localAggregates(arguments);
      calls.add(statistics);
      aggregates.addAll(localAggregates);
      firstColumns[c] = column;
      firstWords[c] = (int) words;
      column += localAggregates.size();
      words += statistics.words();
    }
    if (words > Integer.MAX_VALUE / 2) {
      throw new ParleyException("federated aggregate over " + table + " needs " + words + " ring words per group: too many calls");
    }
    Dataset<Row> localStatistics =
        selected
            .groupBy(groups.toArray(Column[]::new))
            .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new));
    byte[] digest = digest(spec, groupTypes, calls);
    return new QueryLayout(
        spec, localStatistics, selected, groups, groupTypes, calls, firstColumns, firstWords, (int) words, digest);
  }

  private static Column parse(String table, String what, String sql) {
    try {
      return functions.expr(sql);
    } catch (RuntimeException e) {
      throw new ParleyException("cannot parse the " + what + " '" + sql + "' over federated table " + table + ": " + e.getMessage(), e);
    }
  }

  /** The analyzed types of {@code columns} over {@code data}; a column that does not resolve is named. */
  private static List<DataType> types(Dataset<Row> data, List<Column> columns, String table, String what) {
    List<DataType> types = new ArrayList<>();
    if (columns.isEmpty()) {
      return types;
    }
    try {
      Dataset<Row> projected = data.select(columns.toArray(Column[]::new));
      for (StructField field : projected.schema().fields()) {
        types.add(field.dataType());
      }
      requireDeterministic(projected, table, what);
    } catch (ParleyException refused) {
      throw refused;
    } catch (RuntimeException e) {
      throw new ParleyException("cannot resolve the " + what + " over this party's local part of federated table "
          + table + ": " + e.getMessage(), e);
    }
    return types;
  }

  /** The analyzed projection's expressions give the same value at every evaluation. */
  private static void requireDeterministic(Dataset<Row> projected, String table, String what) {
    org.apache.spark.sql.catalyst.plans.logical.LogicalPlan plan = projected.queryExecution().analyzed();
    scala.collection.Iterator<org.apache.spark.sql.catalyst.expressions.Expression> expressions = plan.expressions().iterator();
    while (expressions.hasNext()) {
      org.apache.spark.sql.catalyst.expressions.Expression expression = expressions.next();
      QueryGuard.checkDeterministic(table, what, expression.sql(), expression);
    }
  }

  /**
   * SHA-256 over a canonical, length-prefixed text of everything that fixes the vector's layout:
   * table, filter, each group expression and its type, each call with its arguments and the layout
   * of its statistics.
   */
  static byte[] digest(FederatedAggregate spec, List<DataType> groupTypes, List<CallStatistics> calls) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new ParleyException("SHA-256 is not available in this JVM", e);
    }
    update(sha256, DIGEST_LABEL);
    update(sha256, spec.getTable());
    update(sha256, spec.getFilterSql());
    update(sha256, Integer.toString(spec.getGroupBySqlCount()));
    for (int i = 0; i < spec.getGroupBySqlCount(); i++) {
      update(sha256, spec.getGroupBySql(i));
      update(sha256, groupTypes.get(i).sql());
    }
    update(sha256, Integer.toString(calls.size()));
    for (int c = 0; c < calls.size(); c++) {
      AggregateCall call = spec.getAggregates(c);
      update(sha256, call.getFunction());
      update(sha256, Integer.toString(call.getArgumentSqlCount()));
      for (String argument : call.getArgumentSqlList()) {
        update(sha256, argument);
      }
      update(sha256, calls.get(c).layout());
    }
    return sha256.digest();
  }

  private static void update(MessageDigest digest, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
    digest.update(bytes);
  }

  public FederatedAggregate spec() {
    return spec;
  }

  /** The local statistics per group: group values, then each call's local aggregates. Not yet run. */
  public Dataset<Row> localStatistics() {
    return localStatistics;
  }

  /**
   * The local rows that pass the filter as the group values followed by argument {@code argument}
   * of call {@code call}: the input of stages that need each value, not only per-group statistics.
   * Not yet run.
   */
  public Dataset<Row> groupsAndArgument(int call, int argument) {
    List<Column> columns = new ArrayList<>(groups);
    columns.add(parse(spec.getTable(), "argument of " + spec.getAggregates(call).getFunction(),
        spec.getAggregates(call).getArgumentSql(argument)).as("value"));
    return selected.select(columns.toArray(Column[]::new));
  }

  public List<DataType> groupTypes() {
    return groupTypes;
  }

  public GroupKeyCodec groupKeyCodec() {
    return groupKeyCodec;
  }

  public List<CallStatistics> calls() {
    return calls;
  }

  public int[] firstColumns() {
    return firstColumns.clone();
  }

  public int[] firstWords() {
    return firstWords.clone();
  }

  public int wordsPerGroup() {
    return wordsPerGroup;
  }

  public byte[] digest() {
    return digest.clone();
  }
}
