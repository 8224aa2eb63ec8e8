package io.parley.connector.plan;

import static io.parley.connector.ParleyFunctions.secureCountAll;
import static io.parley.connector.ParleyFunctions.secureSum;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.wire.AggregateCall;
import io.parley.protocols.wire.FederatedAggregate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.GlobalLimit;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Sort;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Function1;
import scala.runtime.BoxedUnit;

/**
 * Planning of secure_* queries, with no coordinator: the rewrite into {@link FederatedAggregateNode}
 * and its spec, result names and types (compared with plain Spark's), DESCRIBE FUNCTION, every
 * refusal's message, and EXPLAIN starting no job.
 */
class FederatedPlanTest {
  private static final String SALES_SCHEMA = "region STRING, amount DECIMAL(12,2), units INT, price DOUBLE";
  private static final String RETURNS_SCHEMA = "region STRING, refund DOUBLE";

  @TempDir static Path dir;
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() throws IOException {
    Path federation = dir.resolve("federation.properties");
    Files.writeString(
        federation,
        "federation.name=plan-test\n"
            + "federation.parties=alpha,beta,gamma\n"
            + "table.sales.schema=" + SALES_SCHEMA + "\n"
            + "table.returns.schema=" + RETURNS_SCHEMA + "\n");
    Path sales = dir.resolve("sales.csv");
    Files.writeString(sales, "region,amount,units,price\neast,10.50,2,1.5\nwest,20.00,3,2.5\neast,5.25,1,0.5\n");
    Path returns = dir.resolve("returns.csv");
    Files.writeString(returns, "region,refund\neast,1.0\n");
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("FederatedPlanTest")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString())
            .config("spark.sql.extensions", "io.parley.connector.ParleyExtensions")
            .config("spark.sql.catalog.parley", "io.parley.connector.catalog.ParleyCatalog")
            .config("spark.parley.federation", federation.toString())
            .config("spark.parley.party", "alpha")
            // Nothing listens here: a query that ran by mistake would fail fast rather than plan.
            .config("spark.parley.coordinator", "127.0.0.1:1")
            .config("spark.parley.session.timeout", "2s")
            .config("spark.parley.table.sales.path", sales.toString())
            .config("spark.parley.table.returns.path", returns.toString())
            .getOrCreate();
    spark.createDataFrame(List.of(), StructType.fromDDL(SALES_SCHEMA)).createOrReplaceTempView("plain_sales");
    spark.createDataFrame(List.of(), StructType.fromDDL("region STRING, x INT")).createOrReplaceTempView("t");
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static List<FederatedAggregateNode> nodes(LogicalPlan plan) {
    List<FederatedAggregateNode> nodes = new ArrayList<>();
    Function1<LogicalPlan, BoxedUnit> visit =
        node -> {
          if (node instanceof FederatedAggregateNode federated) {
            nodes.add(federated);
          }
          return BoxedUnit.UNIT;
        };
    plan.foreach(visit);
    return nodes;
  }

  private static FederatedAggregate specOf(Dataset<Row> query) {
    List<FederatedAggregateNode> nodes = nodes(query.queryExecution().analyzed());
    assertEquals(1, nodes.size(), () -> "one federated aggregate in " + query.queryExecution().analyzed());
    return nodes.get(0).spec();
  }

  private static FederatedAggregate spec(String sql) {
    return specOf(spark.sql(sql));
  }

  private static List<String> calls(FederatedAggregate spec) {
    List<String> calls = new ArrayList<>();
    for (AggregateCall call : spec.getAggregatesList()) {
      calls.add(call.getFunction() + "(" + String.join(", ", call.getArgumentSqlList()) + ")");
    }
    return calls;
  }

  /** The same query over an ordinary view of the same schema: Spark's own result names and types. */
  private static StructType plainSchema(String secureSql) {
    String plain = secureSql.replace("secure_count(*)", "count(*)").replace("secure_", "").replace("FROM sales", "FROM plain_sales");
    return spark.sql(plain).schema();
  }

  private static String refusal(String sql) {
    Exception error = assertThrows(Exception.class, () -> spark.sql(sql).queryExecution().assertAnalyzed());
    return error.getMessage();
  }

  @Test
  void globalAggregateBecomesOneFederatedAggregate() {
    String sql = "SELECT secure_sum(amount), secure_count(*), secure_avg(price) FROM sales";
    Dataset<Row> query = spark.sql(sql);
    FederatedAggregate spec = specOf(query);
    assertEquals(1, spec.getVersion());
    assertEquals("sales", spec.getTable());
    assertEquals("", spec.getFilterSql());
    assertEquals(List.of(), spec.getGroupBySqlList());
    assertEquals(List.of("secure_sum(amount)", "secure_count()", "secure_avg(price)"), calls(spec));
    assertEquals("secure_sum(amount), secure_count(*), secure_avg(price) FROM sales", spec.getDescription());
    assertEquals(
        List.of("secure_sum(amount)", "secure_count(*)", "secure_avg(price)"),
        List.of(query.schema().fieldNames()));
    StructType plain = plainSchema(sql);
    for (int i = 0; i < plain.size(); i++) {
      assertEquals(plain.fields()[i].dataType(), query.schema().fields()[i].dataType(), "type of column " + i);
    }
  }

  @Test
  void everyFunctionHasSparksResultType() {
    String sql =
        "SELECT secure_sum(units), secure_sum(amount), secure_sum(price), secure_count(units), secure_avg(units),"
            + " secure_avg(amount), secure_var_samp(price), secure_var_pop(units), secure_stddev_samp(amount),"
            + " secure_stddev_pop(price), secure_covar_samp(units, price), secure_corr(amount, price) FROM sales";
    Dataset<Row> query = spark.sql(sql);
    assertEquals(12, specOf(query).getAggregatesCount());
    StructType plain = plainSchema(sql);
    for (int i = 0; i < plain.size(); i++) {
      StructField expected = plain.fields()[i];
      assertEquals(expected.dataType(), query.schema().fields()[i].dataType(), expected.name());
      assertEquals("secure_" + expected.name(), query.schema().fields()[i].name());
    }
  }

  @Test
  void whereAndGroupByBecomeSqlOverTheTablesColumns() {
    FederatedAggregate spec =
        spec("SELECT s.region, secure_sum(s.amount) AS total FROM sales s"
            + " WHERE s.units > 1 AND s.region <> 'north' GROUP BY s.region");
    assertEquals(List.of("region"), spec.getGroupBySqlList());
    assertEquals(List.of("secure_sum(amount)"), calls(spec));
    assertTrue(spec.getFilterSql().contains("(units > 1)"), spec.getFilterSql());
    assertTrue(spec.getFilterSql().contains("'north'"), spec.getFilterSql());
    assertFalse(spec.getFilterSql().contains("s."), "qualifiers dropped: " + spec.getFilterSql());
    assertReparses(spec);
  }

  @Test
  void groupByExpressionMakesAHistogram() {
    Dataset<Row> query =
        spark.sql("SELECT width_bucket(amount, 0, 1000, 20) AS bucket, secure_count(*) AS n FROM sales"
            + " GROUP BY width_bucket(amount, 0, 1000, 20)");
    FederatedAggregate spec = specOf(query);
    assertEquals(1, spec.getGroupBySqlCount());
    assertTrue(spec.getGroupBySql(0).startsWith("width_bucket("), spec.getGroupBySql(0));
    assertEquals(List.of("secure_count()"), calls(spec));
    assertEquals(List.of("bucket", "n"), List.of(query.schema().fieldNames()));
    assertEquals(plainSchema("SELECT width_bucket(amount, 0, 1000, 20) AS bucket, count(*) AS n FROM sales"
        + " GROUP BY width_bucket(amount, 0, 1000, 20)"), query.schema());
    assertReparses(spec);
  }

  @Test
  void havingOrderByAndLimitStaySparkOperatorsAbove() {
    Dataset<Row> query =
        spark.sql("SELECT region, secure_sum(amount) AS total FROM sales GROUP BY region"
            + " HAVING secure_sum(amount) > 10 AND secure_count(*) >= 1 ORDER BY total DESC LIMIT 2");
    FederatedAggregate spec = specOf(query);
    assertEquals(List.of("secure_sum(amount)", "secure_count()"), calls(spec), "repeated calls computed once");
    LogicalPlan analyzed = query.queryExecution().analyzed();
    assertInstanceOf(GlobalLimit.class, analyzed);
    assertTrue(contains(analyzed, Sort.class) && contains(analyzed, Filter.class), analyzed::toString);
    assertEquals(List.of("region", "total"), List.of(query.schema().fieldNames()));
  }

  @Test
  void aliasesAndSubqueryColumnsAreSubstituted() {
    FederatedAggregate spec =
        spec("SELECT r, secure_avg(a) AS mean, secure_sum(a) * 2 AS twice FROM"
            + " (SELECT region AS r, units * 2 AS a, units FROM sales WHERE units > 0) q"
            + " WHERE r <> 'west' GROUP BY r");
    assertEquals(List.of("region"), spec.getGroupBySqlList());
    assertEquals(List.of("secure_avg((units * 2))", "secure_sum((units * 2))"), calls(spec));
    assertTrue(spec.getFilterSql().contains("units > 0") && spec.getFilterSql().contains("'west'"), spec.getFilterSql());
    assertFalse(spec.getFilterSql().contains(" r "), spec.getFilterSql());
    assertReparses(spec);
  }

  @Test
  void dataFrameApiAndCatalogGoThroughTheSameRewrite() {
    Dataset<Row> frame =
        spark.read().format("parley").option("table", "sales").load()
            .groupBy("region").agg(secureSum(col("amount")), secureCountAll());
    FederatedAggregate fromFrame = specOf(frame);
    assertEquals(List.of("region"), fromFrame.getGroupBySqlList());
    assertEquals(List.of("secure_sum(amount)", "secure_count()"), calls(fromFrame));
    assertEquals(List.of("region", "secure_sum(amount)", "secure_count(*)"), List.of(frame.schema().fieldNames()));

    Dataset<Row> fromExpr =
        spark.read().format("parley").option("table", "sales").load()
            .selectExpr("secure_count(*) AS rows", "secure_var_pop(units)");
    assertEquals(List.of("secure_count()", "secure_var_pop(units)"), calls(specOf(fromExpr)));

    FederatedAggregate fromCatalog = spec("SELECT region, secure_sum(amount) FROM parley.sales GROUP BY region");
    assertEquals("sales", fromCatalog.getTable());
    assertEquals(List.of("secure_sum(amount)"), calls(fromCatalog));
    List<String> tables =
        spark.sql("SHOW TABLES IN parley").collectAsList().stream().map(r -> r.getString(1)).collect(Collectors.toList());
    assertEquals(List.of("returns", "sales"), tables);
  }

  @Test
  void dataSourceGivesTheFederationsSchema() {
    Dataset<Row> frame = spark.read().format("parley").option("table", "sales").load();
    assertEquals(StructType.fromDDL(SALES_SCHEMA).toDDL(), frame.schema().toDDL());
  }

  @Test
  void plainReadsReadTheLocalPart() {
    List<Row> rows = spark.sql("SELECT region, amount FROM sales WHERE units >= 2 ORDER BY region").collectAsList();
    assertEquals(2, rows.size());
    assertEquals("east", rows.get(0).getString(0));
    assertEquals(new java.math.BigDecimal("10.50"), rows.get(0).getDecimal(1));
    assertEquals("west", rows.get(1).getString(0));
    long localCount = spark.read().format("parley").option("table", "sales").load().count();
    assertEquals(3, localCount);
  }

  @Test
  void describeFunctionExplainsEverySecureFunction() {
    for (io.parley.connector.functions.SecureFunction function : io.parley.connector.functions.SecureFunction.values()) {
      String text =
          spark.sql("DESCRIBE FUNCTION EXTENDED " + function.sqlName()).collectAsList().stream()
              .map(r -> r.getString(0)).collect(Collectors.joining("\n"));
      assertTrue(text.contains("Function: " + function.sqlName()), text);
      assertTrue(text.contains("Usage:"), text);
      assertTrue(text.contains("Examples:"), text);
    }
  }

  @Test
  void explainShowsTheFederatedAggregateWithoutRunningIt() throws Exception {
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart jobStart) {
            jobs.incrementAndGet();
          }
        };
    spark.sparkContext().addSparkListener(counter);
    try {
      String plan =
          spark.sql("EXPLAIN EXTENDED SELECT region, secure_sum(amount) FROM sales GROUP BY region")
              .collectAsList().get(0).getString(0);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertEquals(0, jobs.get(), "EXPLAIN started a job");
      assertTrue(plan.contains("FederatedAggregate secure_sum(amount) FROM sales GROUP BY region"), plan);
      // Control: the counter does see jobs.
      spark.sql("SELECT count(*) FROM t").collectAsList();
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertTrue(jobs.get() > 0);
    } finally {
      spark.sparkContext().removeSparkListener(counter);
    }
  }

  @Test
  void refusesSecureFunctionOverATableThatIsNotFederated() {
    assertEquals("secure_sum needs a federated table; t is not federated", refusal("SELECT secure_sum(x) FROM t"));
  }

  @Test
  void refusesPlainAggregatesInAFederatedQuery() {
    assertEquals("plain sum over federated table sales: use secure_sum",
        refusal("SELECT secure_sum(amount), sum(units) FROM sales"));
    assertEquals("plain count over federated table sales: use secure_count",
        refusal("SELECT region, secure_avg(amount) FROM sales GROUP BY region HAVING count(*) > 1"));
    assertEquals("plain max over federated table sales: use secure_max",
        refusal("SELECT secure_count(*), max(amount) FROM sales"));
    assertEquals("plain first over federated table sales: federated queries take only secure_* aggregates",
        refusal("SELECT secure_count(*), first(amount) FROM sales"));
    assertEquals("plain avg over federated table sales: use secure_avg",
        refusal("SELECT secure_sum(amount) FROM sales WHERE units > (SELECT avg(units) FROM sales)"));
  }

  @Test
  void refusesJoinsOfFederatedAndOtherTables() {
    assertEquals(
        "secure_sum over federated table sales cannot be combined with other tables (t):"
            + " a federated aggregate reads one federated table",
        refusal("SELECT secure_sum(s.amount) FROM sales s JOIN t ON s.region = t.region"));
    assertTrue(refusal("SELECT secure_sum(refund) FROM sales s JOIN returns r ON s.region = r.region")
        .contains("cannot be combined with other tables (returns)"));
  }

  @Test
  void refusesTypesAndArityAFunctionCannotTake() {
    String wrongType = refusal("SELECT secure_sum(region) FROM sales");
    assertTrue(wrongType.startsWith("secure_sum cannot take column region (STRING)"), wrongType);
    String wrongArity = refusal("SELECT secure_corr(amount) FROM sales");
    assertTrue(wrongArity.startsWith("secure_corr takes 2 arguments, got 1"), wrongArity);
  }

  @Test
  void refusesShapesTheRewriteCannotTake() {
    assertEquals("secure_sum over federated table sales: only WHERE, column selection and aliases may stand"
            + " between the table and the aggregate, not GROUPING SETS, ROLLUP or CUBE",
        refusal("SELECT region, secure_sum(amount) FROM sales GROUP BY ROLLUP(region)"));
    assertEquals("secure_sum(…) FILTER (WHERE …) over federated table sales is not supported:"
            + " put the condition in the query's WHERE",
        refusal("SELECT secure_sum(amount) FILTER (WHERE units > 1) FROM sales"));
    assertEquals("secure_sum is an aggregate over a federated table; it cannot be used in Window",
        refusal("SELECT region, secure_sum(amount) OVER (PARTITION BY region) FROM sales"));
  }

  @Test
  void refusesDistinct() {
    String distinct = refusal("SELECT secure_sum(DISTINCT amount) FROM sales");
    assertEquals("secure_sum(DISTINCT …) over federated table sales is not supported: remove DISTINCT", distinct);
  }

  @Test
  void unknownTablesAndColumnsAreNamed() {
    String column = refusal("SELECT secure_sum(amountx) FROM sales");
    assertTrue(column.contains("amountx"), column);
    String table = refusal("SELECT secure_sum(amount) FROM parley.nosuch");
    assertTrue(table.contains("nosuch"), table);
    ParleyException unknown =
        assertThrows(ParleyException.class, () -> spark.read().format("parley").option("table", "nosuch").load());
    assertEquals("unknown federated table nosuch: the federation definition does not declare it", unknown.getMessage());
  }

  /** Every SQL fragment of the spec parses again, as another party would parse it. */
  private static void assertReparses(FederatedAggregate spec) {
    Dataset<Row> local = spark.read().schema(StructType.fromDDL(SALES_SCHEMA)).csv(dir.resolve("sales.csv").toString());
    List<String> fragments = new ArrayList<>(spec.getGroupBySqlList());
    if (!spec.getFilterSql().isEmpty()) {
      fragments.add(spec.getFilterSql());
    }
    spec.getAggregatesList().forEach(call -> fragments.addAll(call.getArgumentSqlList()));
    for (String fragment : fragments) {
      local.select(org.apache.spark.sql.functions.expr(fragment)).queryExecution().assertAnalyzed();
    }
  }

  private static boolean contains(LogicalPlan plan, Class<?> type) {
    boolean[] found = {false};
    Function1<LogicalPlan, BoxedUnit> visit =
        node -> {
          found[0] |= type.isInstance(node);
          return BoxedUnit.UNIT;
        };
    plan.foreach(visit);
    return found[0];
  }
}
