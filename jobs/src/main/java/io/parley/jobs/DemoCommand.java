package io.parley.jobs;

import io.parley.connector.auction.AuctionOutcome;
import io.parley.connector.auction.SealedBidAuctions;
import io.parley.jobs.data.DemoData;
import io.parley.protocols.wire.AuctionRule;
import io.parley.jobs.files.HadoopFiles;
import io.parley.jobs.output.ResultComparison;
import io.parley.jobs.output.ResultTable;
import io.parley.jobs.process.LocalFederation;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley demo}: a three-party federation in a temporary folder, with generated data, a
 * coordinator and two responders as child JVMs, and several federated queries run as the first
 * party, each printed beside plain Spark's answer over the pooled rows.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Runs a three-party federation on this machine and compares with plain Spark.",
      "",
      "Sets up alpha, beta and gamma in a temporary folder with generated data (CSV at some "
          + "parties, Parquet at others; some regions at only some parties), starts the coordinator and "
          + "the responders of beta and gamma as separate JVMs, runs several federated queries as alpha "
          + "and prints each result beside plain Spark's answer over the pooled rows (one query on secret "
          + "shares among the three, one a private join of alpha's customers and beta's orders); then a second-price "
          + "sealed-bid auction over the three parties' bids on secret shares, beside the plain outcome. "
          + "Exits non-zero if any result differs.",
      ""
    })
public final class DemoCommand implements Callable<Integer> {
  static final List<String> PARTIES = List.of("alpha", "beta", "gamma");

  /** The queries, as alpha writes them; plain Spark runs the same text over the pooled views. */
  static final List<DemoQuery> QUERIES =
      List.of(
          new DemoQuery(
              "sum, count and average per region",
              "SELECT region, secure_sum(amount) AS total, secure_count(*) AS n, secure_avg(amount) AS mean"
                  + " FROM sales GROUP BY region ORDER BY region"),
          new DemoQuery(
              "histogram of amounts (10 buckets)",
              "SELECT width_bucket(amount, 0, 1000, 10) AS bucket, secure_count(*) AS n"
                  + " FROM sales GROUP BY width_bucket(amount, 0, 1000, 10) ORDER BY bucket"),
          new DemoQuery(
              "variance, deviation and correlation per sensor (DOUBLE)",
              "SELECT sensor, secure_var_samp(temperature) AS var_t, secure_stddev_samp(temperature) AS sd_t,"
                  + " secure_corr(temperature, humidity) AS corr_th FROM readings GROUP BY sensor ORDER BY sensor"),
          new DemoQuery(
              "WHERE, HAVING, ORDER BY and LIMIT",
              "SELECT region, secure_sum(units) AS total_units, secure_count(units) AS n FROM sales"
                  + " WHERE amount >= 100 GROUP BY region HAVING secure_count(*) >= 50"
                  + " ORDER BY total_units DESC, region LIMIT 3"),
          new DemoQuery(
              "totals over all rows (no GROUP BY)",
              "SELECT secure_count(*) AS n, secure_sum(amount) AS total, secure_avg(units) AS mean_units FROM sales"),
          new DemoQuery(
              "median and maximum per region, on secret shares",
              "SELECT region, secure_median(amount) AS median_amount, secure_max(amount) AS max_amount"
                  + " FROM sales GROUP BY region ORDER BY region",
              "3 compute parties, on shares"),
          new DemoQuery(
              "private join: business customers' orders (alpha holds customers, beta holds orders)",
              "SELECT secure_count(*) AS orders, secure_sum(o.amount) AS total FROM customers c"
                  + " JOIN orders o ON c.customer_id = o.customer_id"
                  + " WHERE c.segment = 'business' AND o.amount >= 100",
              "alpha and beta, ECDH-PSI"));

  /** Tables one party holds: alpha's customers and beta's orders, joined privately. */
  static final Map<String, String> OWNERS = Map.of("customers", "alpha", "orders", "beta");

  @Option(names = "--rows", paramLabel = "N", description = "Rows per party and table (default: ${DEFAULT-VALUE}).")
  int rows = 400;

  @Option(names = "--seed", description = "Seed of the generated data (default: ${DEFAULT-VALUE}).")
  long seed = 20_260_101L;

  @Option(names = "--keep", description = "Keep the temporary folder (federation, data, logs) and print where it is.")
  boolean keep;

  @Option(
      names = "--ready-timeout",
      paramLabel = "SECONDS",
      description = "How long to wait for the coordinator and each responder to be ready (default: ${DEFAULT-VALUE}).")
  int readyTimeoutSeconds = 180;

  @Mixin VerboseOption verbose;

  public static void main(String[] args) {
    Cli.exit(new DemoCommand(), args);
  }

  record DemoQuery(String title, String sql, String participants) {
    DemoQuery(String title, String sql) {
      this(title, sql, "3 parties");
    }

    String plainSql() {
      return sql.replace("secure_", "")
          .replace("FROM sales", "FROM pooled_sales")
          .replace("FROM readings", "FROM pooled_readings")
          .replace("FROM customers c JOIN orders o", "FROM pooled_customers c JOIN pooled_orders o");
    }
  }

  @Override
  public Integer call() throws Exception {
    if (rows < 1) {
      throw new UsageException("--rows must be at least 1");
    }
    PrintStream out = System.out;
    Path work = Files.createTempDirectory("parley-demo-");
    try {
      int mismatches = run(work, out);
      return mismatches == 0 ? Cli.EXIT_OK : Cli.EXIT_FAILURE;
    } finally {
      if (keep) {
        out.println("kept " + work);
      } else {
        deleteRecursively(work);
      }
    }
  }

  private int run(Path work, PrintStream out) throws InterruptedException {
    HadoopFiles files = HadoopFiles.withDefaults();
    Map<String, String> schemas = new LinkedHashMap<>();
    schemas.put("sales", DemoData.SALES_SCHEMA);
    schemas.put("readings", DemoData.READINGS_SCHEMA);
    schemas.put("bids", DemoData.BIDS_SCHEMA);
    schemas.put("customers", DemoData.CUSTOMERS_SCHEMA);
    schemas.put("orders", DemoData.ORDERS_SCHEMA);
    DevFederation federation =
        DevFederation.write(
            files, work.resolve("federation").toString(), DevFederation.DEFAULT_NAME, PARTIES, PARTIES, OWNERS,
            schemas, DevFederation.DEFAULT_COORDINATOR, false, new SecureRandom());
    out.println("federation " + DevFederation.DEFAULT_NAME + " of " + String.join(", ", PARTIES) + " in " + federation.dir());

    Map<String, Map<String, String>> tablePaths = new LinkedHashMap<>();
    for (int i = 0; i < PARTIES.size(); i++) {
      String party = PARTIES.get(i);
      Path data = work.resolve("data").resolve(party);
      Map<String, String> paths = new LinkedHashMap<>();
      // alpha: Parquet; beta: CSV; gamma: Parquet sales, CSV readings.
      paths.put("sales", data.resolve(i == 1 ? "sales.csv" : "sales.parquet").toString());
      paths.put("readings", data.resolve(i == 0 ? "readings.parquet" : "readings.csv").toString());
      paths.put("bids", data.resolve(i == 1 ? "bids.csv" : "bids.parquet").toString());
      OWNERS.forEach((table, owner) -> {
        if (owner.equals(party)) {
          paths.put(table, data.resolve(table + ".parquet").toString());
        }
      });
      tablePaths.put(party, paths);
    }

    Duration readyTimeout = Duration.ofSeconds(readyTimeoutSeconds);
    try (LocalFederation processes = new LocalFederation(work.resolve("logs"), readyTimeout, out)) {
      String coordinator = processes.startCoordinator(federation.coordinatorConf(), List.of("-Xmx256m"), List.of());
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("spark.parley.coordinator", coordinator);
      settings.put("spark.master", "local[2]");
      settings.put("spark.ui.enabled", "false");
      settings.put("spark.sql.shuffle.partitions", "4");
      settings.put("spark.driver.host", "127.0.0.1");
      settings.put("spark.driver.bindAddress", "127.0.0.1");
      SparkSession spark =
          PartyOptions.of(federation.partyConf("alpha"), tablePaths.get("alpha"), settings).openSession("parley demo");
      try {
        writeData(spark, files, tablePaths);
        Map<String, String> childSettings = new LinkedHashMap<>(settings);
        childSettings.remove("spark.parley.coordinator");
        childSettings.remove("spark.driver.host");
        childSettings.remove("spark.driver.bindAddress");
        childSettings.put("spark.master", "local[1]");
        for (String party : PARTIES.subList(1, PARTIES.size())) {
          processes.startResponder(
              party, federation.partyConf(party), tablePaths.get(party), childSettings, List.of("-Xmx768m"), List.of());
        }
        processes.awaitResponders();
        registerPooledViews(spark, tablePaths, schemas);
        int mismatches = runQueries(spark, out);
        return mismatches + runAuction(spark, tablePaths, out);
      } finally {
        spark.stop();
      }
    }
  }

  private void writeData(SparkSession spark, HadoopFiles files, Map<String, Map<String, String>> tablePaths) {
    StructType sales = StructType.fromDDL(DemoData.SALES_SCHEMA);
    StructType readings = StructType.fromDDL(DemoData.READINGS_SCHEMA);
    for (int i = 0; i < PARTIES.size(); i++) {
      Map<String, String> paths = tablePaths.get(PARTIES.get(i));
      write(spark, files, paths.get("sales"), sales, DemoData.salesRows(seed, i, rows));
      write(spark, files, paths.get("readings"), readings, DemoData.readingsRows(seed, i, rows));
      write(spark, files, paths.get("bids"), StructType.fromDDL(DemoData.BIDS_SCHEMA),
          DemoData.bidsRows(seed, PARTIES.get(i), i, rows));
    }
    write(spark, files, tablePaths.get(OWNERS.get("customers")).get("customers"),
        StructType.fromDDL(DemoData.CUSTOMERS_SCHEMA), DemoData.customersRows(seed, rows));
    write(spark, files, tablePaths.get(OWNERS.get("orders")).get("orders"),
        StructType.fromDDL(DemoData.ORDERS_SCHEMA), DemoData.ordersRows(seed, rows));
  }

  private static void write(SparkSession spark, HadoopFiles files, String path, StructType schema, List<Row> rows) {
    if (path.endsWith(".csv")) {
      DemoData.writeCsv(files, path, schema, rows);
    } else {
      DemoData.writeParquet(spark, path, schema, rows);
    }
  }

  /**
   * {@code pooled_<table>}: every party's rows of each table together (for a table one party holds,
   * its rows), read with the federation's schema.
   */
  static void registerPooledViews(
      SparkSession spark, Map<String, Map<String, String>> tablePaths, Map<String, String> schemas) {
    schemas.forEach(
        (table, ddl) -> {
          StructType schema = StructType.fromDDL(ddl);
          Dataset<Row> pooled = null;
          for (Map<String, String> paths : tablePaths.values()) {
            String path = paths.get(table);
            if (path == null) {
              continue;
            }
            Dataset<Row> part =
                path.endsWith(".csv")
                    ? spark.read().schema(schema).option("header", "true").csv(path)
                    : spark.read().schema(schema).parquet(path);
            pooled = pooled == null ? part : pooled.unionAll(part);
          }
          pooled.createOrReplaceTempView("pooled_" + table);
        });
  }

  private int runQueries(SparkSession spark, PrintStream out) {
    int mismatches = 0;
    for (int q = 0; q < QUERIES.size(); q++) {
      DemoQuery query = QUERIES.get(q);
      out.println();
      out.println("[" + (q + 1) + "/" + QUERIES.size() + "] " + query.title());
      out.println("  " + query.sql());
      long started = System.nanoTime();
      ResultTable secure = ResultTable.collect(spark.sql(query.sql()));
      double seconds = (System.nanoTime() - started) / 1e9;
      ResultTable plain = ResultTable.collect(spark.sql(query.plainSql()));
      printSideBySide(out, "secure, " + query.participants() + " (" + String.format(Locale.ROOT, "%.2f s", seconds) + ")", secure,
          "plain Spark, pooled rows", plain);
      Optional<String> difference = ResultComparison.difference(secure, plain);
      if (difference.isEmpty()) {
        out.println("  MATCH");
      } else {
        mismatches++;
        out.println("  MISMATCH: " + difference.get());
      }
    }
    out.println();
    out.println((QUERIES.size() - mismatches) + " of " + QUERIES.size() + " queries match plain Spark"
        + (mismatches == 0 ? "" : "; " + mismatches + " MISMATCH"));
    out.flush();
    return mismatches;
  }

  /**
   * A second-price auction over the bids, run by alpha on shares, beside the outcome of plain Spark
   * over the pooled bids (highest amount, then party order, then bid id; the next bid's amount).
   */
  private static int runAuction(SparkSession spark, Map<String, Map<String, String>> tablePaths, PrintStream out) {
    AuctionRule rule = AuctionRule.AUCTION_RULE_SECOND_PRICE;
    out.println("[auction] second-price sealed-bid auction over bids (parley auction --rule second-price)");
    long started = System.nanoTime();
    AuctionOutcome secure = SealedBidAuctions.runAsInitiator(spark,
        SealedBidAuctions.auction("bids", "bid_id", "amount", rule, "parley demo auction"));
    double seconds = (System.nanoTime() - started) / 1e9;
    StructType schema = StructType.fromDDL(DemoData.BIDS_SCHEMA);
    Dataset<Row> pooled = null;
    for (int i = 0; i < PARTIES.size(); i++) {
      String path = tablePaths.get(PARTIES.get(i)).get("bids");
      Dataset<Row> part = path.endsWith(".csv")
          ? spark.read().schema(schema).option("header", "true").csv(path)
          : spark.read().schema(schema).parquet(path);
      Dataset<Row> withParty = part.withColumn("party", org.apache.spark.sql.functions.lit(i));
      pooled = pooled == null ? withParty : pooled.unionByName(withParty);
    }
    List<Row> top = pooled.orderBy(org.apache.spark.sql.functions.col("amount").desc(),
        org.apache.spark.sql.functions.col("party"), org.apache.spark.sql.functions.col("bid_id")).limit(2).collectAsList();
    AuctionOutcome plain = top.isEmpty() ? AuctionOutcome.nobodyBid(rule)
        : new AuctionOutcome(PARTIES.get(top.get(0).getInt(2)), top.get(0).getString(0),
            top.size() > 1 ? top.get(1).getDecimal(1) : java.math.BigDecimal.ZERO.setScale(2), rule);
    out.println("  secure, 3 compute parties (" + String.format(Locale.ROOT, "%.2f s", seconds) + "): " + secure);
    out.println("  plain Spark, pooled bids:        " + plain);
    boolean same = secure.equals(plain);
    out.println(same ? "  MATCH" : "  MISMATCH");
    out.flush();
    return same ? 0 : 1;
  }

  static void printSideBySide(PrintStream out, String leftTitle, ResultTable left, String rightTitle, ResultTable right) {
    List<String> leftLines = new ArrayList<>(left.lines());
    List<String> rightLines = new ArrayList<>(right.lines());
    leftLines.add(0, leftTitle);
    rightLines.add(0, rightTitle);
    int width = leftLines.stream().mapToInt(String::length).max().orElse(0) + 4;
    for (int i = 0; i < Math.max(leftLines.size(), rightLines.size()); i++) {
      String l = i < leftLines.size() ? leftLines.get(i) : "";
      String r = i < rightLines.size() ? rightLines.get(i) : "";
      out.println(("  " + l + " ".repeat(width - l.length()) + r).stripTrailing());
    }
  }

  static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
    }
  }
}
