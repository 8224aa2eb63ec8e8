package io.parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.jobs.output.ResultTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Parties on a Spark standalone cluster: beta's responder ({@code parley party}) runs its Spark
 * application on a master and worker started from Spark's own classes, with Parley reaching the
 * executors only through {@code spark.jars} (the shaded jar), so beta's partition work and its
 * masked vector slices come from executor JVMs; and alpha's query is a job launched through
 * Spark's own {@code org.apache.spark.deploy.SparkSubmit} with {@code --properties-file alpha.conf},
 * also on the cluster. Results are checked against plain Spark on the pooled rows.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SparkClusterIT {
  static final long SEED = 73_102_025L;
  static final List<String> PARTIES = List.of("alpha", "beta", "gamma");
  static final String BETA_APP = "parley-beta-responder";
  static final String ALPHA_SUBMIT_APP = "parley-alpha-submit";
  static final Duration LOG_TIMEOUT = Duration.ofSeconds(60);
  /** Executor settings of each application: one executor, one core, so two applications share the worker. */
  static final Map<String, String> ONE_EXECUTOR =
      Map.of("spark.cores.max", "1", "spark.executor.cores", "1", "spark.executor.memory", "512m");

  static Path work;
  static SparkSession spark;
  static ProcessFederation federation;
  static SparkStandalone cluster;
  static String betaAppId;
  static final Map<String, String> salesPaths = new LinkedHashMap<>();

  @BeforeAll
  static void startClusterAndFederation() throws Exception {
    Checkout.requirePackagedJobs();
    work = Checkout.freshWorkDir(SparkClusterIT.class);
    Path logs = work.resolve("logs");
    spark = PlainSpark.plainSession("SparkClusterIT plain Spark");
    salesPaths.put("alpha", work.resolve("data/alpha/sales.parquet").toString());
    salesPaths.put("beta", work.resolve("data/beta/sales.csv").toString());
    salesPaths.put("gamma", work.resolve("data/gamma/sales.parquet").toString());
    SalesData.writeParquet(spark, salesPaths.get("alpha"), SalesData.rows(SEED, "alpha", 300));
    SalesData.writeCsv(salesPaths.get("beta"), SalesData.rows(SEED, "beta", 350));
    SalesData.writeParquet(spark, salesPaths.get("gamma"), SalesData.rows(SEED, "gamma", 320));
    PlainSpark.registerPooledView(spark, salesPaths);

    cluster = SparkStandalone.start(work.resolve("cluster"), logs, 2, "2g");
    federation = ProcessFederation.init(work.resolve("federation"), logs, "parley-cluster-it", PARTIES);
    federation.startCoordinator(null);

    Map<String, String> onCluster = new LinkedHashMap<>(ONE_EXECUTOR);
    onCluster.put("spark.master", cluster.masterUrl());
    onCluster.put("spark.app.name", BETA_APP);
    onCluster.put("spark.jars", Checkout.shadedJar().toString());
    federation.startResponder("beta", salesPaths.get("beta"), onCluster);
    federation.startResponder("gamma", salesPaths.get("gamma"), Map.of());
    federation.awaitResponders();
    betaAppId = cluster.applicationId(BETA_APP, LOG_TIMEOUT);
  }

  @AfterAll
  static void stopAll() {
    if (federation != null) {
      federation.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void responderOnTheClusterAnswersFromItsExecutors() throws Exception {
    String query =
        "SELECT region, secure_count(*) AS n, secure_sum(amount) AS total, secure_avg(price) AS mean_price,"
            + " secure_stddev_samp(weight) AS sd_weight FROM sales WHERE units IS NOT NULL"
            + " GROUP BY region ORDER BY region";
    long tasksBefore = cluster.finishedTasks(betaAppId);
    Path csv = work.resolve("results/responder-on-cluster.csv");
    Files.createDirectories(csv.getParent());

    SqlRun run = federation.sql("alpha", salesPaths.get("alpha"), query, Map.of(), csv, ProcessFederation.SQL_TIMEOUT);

    assertEquals(0, run.exitCode(), "parley sql failed: " + run.describe());
    PlainSpark.assertCsvMatches(PlainSpark.answer(spark, query), csv, query);
    assertFalse(cluster.executorLogs(betaAppId).isEmpty(), "the worker ran no executor for beta (" + betaAppId + ")");
    long tasksAfter = awaitAtLeast(() -> cluster.finishedTasks(betaAppId), tasksBefore + 1, LOG_TIMEOUT);
    assertTrue(tasksAfter > tasksBefore,
        "beta's executors finished no task for the query (" + tasksBefore + " before, " + tasksAfter + " after; logs "
            + cluster.executorLogs(betaAppId) + ")");
  }

  /**
   * A private join's sum with beta's responder on the cluster: beta's executor JVMs hash and blind
   * its identifiers (libsodium loaded from the shaded jar there), reblind alpha's, and send the
   * masked payload's slices to the coordinator themselves. Compared with the plain semi-join.
   */
  @Test
  void privateJoinSumWithTheResponderOnTheClusterMatchesThePlainJoin() throws Exception {
    long tasksBefore = cluster.finishedTasks(betaAppId);
    Path csv = work.resolve("results/psi-sum");
    List<String> args = new ArrayList<>(List.of("psi", "--conf", federation.conf("alpha").toString(),
        "--table", SalesData.TABLE + "=" + salesPaths.get("alpha"), "--with", "beta:" + SalesData.TABLE,
        "--on", "region", "--variant", "sum", "--sum-column", "amount", "--where", "units IS NOT NULL",
        "--output", csv.toString(), "--format", "csv"));
    Map<String, String> settings = new LinkedHashMap<>(ProcessFederation.LOCAL_SPARK);
    settings.put("spark.parley.coordinator", federation.coordinatorAddress());
    settings.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));

    SqlRun run = federation.run("psi-sum-cluster", args, ProcessFederation.SQL_TIMEOUT);

    assertEquals(0, run.exitCode(), "parley psi failed: " + run.describe());
    spark.read().schema(SalesData.SCHEMA).parquet(salesPaths.get("alpha")).createOrReplaceTempView("cluster_alpha");
    spark.read().schema(SalesData.SCHEMA).option("header", "true").csv(salesPaths.get("beta"))
        .createOrReplaceTempView("cluster_beta");
    Row plain = spark.sql("SELECT count(DISTINCT b.region), count(*), sum(b.amount) FROM cluster_beta b LEFT SEMI JOIN"
        + " (SELECT * FROM cluster_alpha WHERE units IS NOT NULL) a ON a.region = b.region").first();
    Row secure = spark.read().option("header", "true")
        .schema("intersection_size BIGINT, matched_rows BIGINT, sum_amount DECIMAL(22,2)").csv(csv.toString()).first();
    assertEquals(3L, plain.getLong(0), "north, south and east are at both parties");
    assertEquals(plain.getLong(0), secure.getLong(0), "intersection size");
    assertEquals(plain.getLong(1), secure.getLong(1), "beta's rows with a common region");
    assertEquals(0, plain.getDecimal(2).compareTo(secure.getDecimal(2)), plain + " vs " + secure);
    long tasksAfter = awaitAtLeast(() -> cluster.finishedTasks(betaAppId), tasksBefore + 1, LOG_TIMEOUT);
    assertTrue(tasksAfter > tasksBefore, "beta's executors finished no task for the private join");
  }

  @Test
  void sparkSubmitJobOnTheClusterMatchesPlainSpark() throws Exception {
    String query =
        "SELECT units % 4 AS k, secure_count(weight) AS n, secure_sum(bytes) AS bytes_total,"
            + " secure_corr(price, weight) AS r, secure_covar_samp(price, weight) AS cov"
            + " FROM sales GROUP BY units % 4 ORDER BY k";
    Path csv = work.resolve("results/spark-submit.csv");
    Files.createDirectories(csv.getParent());
    List<String> submitArgs = new ArrayList<>(List.of(
        "--master", cluster.masterUrl(),
        "--deploy-mode", "client",
        "--name", ALPHA_SUBMIT_APP,
        "--class", "io.parley.jobs.SqlCommand",
        "--properties-file", federation.conf("alpha").toString()));
    Map<String, String> conf = new LinkedHashMap<>(ONE_EXECUTOR);
    conf.put("spark.ui.enabled", "false");
    conf.put("spark.driver.host", "127.0.0.1");
    conf.put("spark.driver.bindAddress", "127.0.0.1");
    conf.put("spark.sql.shuffle.partitions", "4");
    conf.forEach((key, value) -> submitArgs.addAll(List.of("--conf", key + "=" + value)));
    submitArgs.add(Checkout.shadedJar().toString());
    submitArgs.addAll(List.of(
        "--table", SalesData.TABLE + "=" + salesPaths.get("alpha"),
        "--set", "spark.parley.coordinator=" + federation.coordinatorAddress(),
        "-e", query,
        "--output", csv.toString()));
    List<String> command = Commands.java(
        List.of(Commands.CHILD_JVM_OPTIONS.split(" ")[0], "-Dlog4j2.configurationFile=" + Checkout.log4jConfig()),
        Commands.sparkDistributionClasspath(),
        "org.apache.spark.deploy.SparkSubmit",
        submitArgs);

    int exit;
    try (LaunchedProcess submit = LaunchedProcess.start("spark-submit-alpha", command, Map.of("SPARK_LOCAL_IP", "127.0.0.1"), federation.logs())) {
      exit = submit.awaitExit(ProcessFederation.SQL_TIMEOUT);
      assertEquals(0, exit, "spark-submit of SqlCommand failed; see " + submit.logs() + "\n"
          + String.join("\n", submit.stderrLines().subList(Math.max(0, submit.stderrLines().size() - 20), submit.stderrLines().size())));
    }
    ResultTable plain = PlainSpark.answer(spark, query);
    PlainSpark.assertCsvMatches(plain, csv, query);
    String alphaAppId = cluster.applicationId(ALPHA_SUBMIT_APP, LOG_TIMEOUT);
    assertTrue(awaitAtLeast(() -> cluster.finishedTasks(alphaAppId), 1, LOG_TIMEOUT) > 0,
        "the spark-submit job ran no task in an executor: " + cluster.executorLogs(alphaAppId));
  }

  /**
   * Waits, at most {@code timeout}, until {@code value} reaches {@code target}; the worker copies
   * executor output to its log files asynchronously, so a count may lag the query by a moment.
   */
  private static long awaitAtLeast(LongSupplier value, long target, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long current = value.getAsLong();
    while (current < target && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(200);
      current = value.getAsLong();
    }
    return current;
  }
}
