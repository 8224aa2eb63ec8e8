package io.parley.jobs;

import io.parley.jobs.data.BenchData;
import io.parley.jobs.files.HadoopFiles;
import io.parley.jobs.output.ResultComparison;
import io.parley.jobs.output.ResultTable;
import io.parley.jobs.process.ChildJvm;
import io.parley.jobs.process.LiveHeap;
import io.parley.jobs.process.LocalFederation;
import io.parley.jobs.process.PeakMemory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench aggregate}: the same GROUP BY query timed as plain Spark over the pooled rows
 * and as a federated secure query, both warm, with peak memory of every process. Ends with
 * {@code ratio secure/plaintext: X.XX}.
 */
@Command(
    name = "aggregate",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Times a secure GROUP BY against plain Spark over the pooled rows.",
      "",
      "Generates N rows per party over G groups (Parquet, seeded), starts a coordinator and the "
          + "other parties' responders as separate JVMs, then times the --query (by default SELECT region, "
          + "secure_sum(amount), secure_count(*), secure_avg(amount) FROM sales GROUP BY region) K times federated and K "
          + "times as plain Spark over the pooled rows, after W untimed runs of each (sessions and JITs "
          + "warm; startup and the first runs reported apart). Checks "
          + "the results are equal, reports peak memory of the coordinator and of each party's driver, "
          + "and ends with 'ratio secure/plaintext: X.XX' (medians).",
      ""
    })
public final class BenchAggregateCommand implements Callable<Integer> {
  static final List<String> NAMES =
      List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa");

  /** The timed query: its secure form over the federated table and its plain form over the pooled rows. */
  enum Query {
    SUM("SELECT region, secure_sum(amount) AS total, secure_count(*) AS n, secure_avg(amount) AS mean"
        + " FROM sales GROUP BY region"),
    MEDIAN("SELECT region, secure_median(amount) AS median_amount, secure_count(*) AS n FROM sales GROUP BY region"),
    EXTREMES("SELECT region, secure_min(amount) AS lowest, secure_max(amount) AS highest, secure_sum(amount) AS total"
        + " FROM sales GROUP BY region");

    final String secureSql;
    final String plainSql;

    Query(String secureSql) {
      this.secureSql = secureSql;
      this.plainSql = secureSql.replace("secure_", "").replace("FROM sales", "FROM pooled_sales");
    }
  }

  @Option(names = "--parties", paramLabel = "P", description = "Parties, at least 2 (default: ${DEFAULT-VALUE}).")
  int parties = 3;

  @Option(names = "--rows-per-party", paramLabel = "N", description = "Rows at each party (default: ${DEFAULT-VALUE}).")
  long rowsPerParty = 1_000_000L;

  @Option(names = "--groups", paramLabel = "G", description = "Distinct regions (default: ${DEFAULT-VALUE}).")
  int groups = 1_000;

  @Option(
      names = "--query",
      paramLabel = "Q",
      description = "sum (secure_sum, secure_count, secure_avg: secure aggregation), median (secure_median and"
          + " secure_count: on shares among the three compute parties) or extremes (secure_min, secure_max,"
          + " secure_sum: on shares) (default: ${DEFAULT-VALUE}).",
      converter = QueryConverter.class)
  Query query = Query.SUM;

  /** Lower-case names on the command line. */
  static final class QueryConverter implements picocli.CommandLine.ITypeConverter<Query> {
    @Override
    public Query convert(String value) {
      for (Query candidate : Query.values()) {
        if (candidate.name().equalsIgnoreCase(value)) {
          return candidate;
        }
      }
      throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not one of sum, median, extremes");
    }
  }

  @Option(names = "--iterations", paramLabel = "K", description = "Timed runs of each query (default: ${DEFAULT-VALUE}).")
  int iterations = 5;

  @Option(
      names = "--warmup",
      paramLabel = "W",
      description = "Untimed runs of each query after the first, so every JVM's JIT is warm (default: ${DEFAULT-VALUE}).")
  int warmup = 3;

  @Option(
      names = "--slice-elements",
      paramLabel = "E",
      description = "Ring elements per executor slice (spark.parley.vector.sliceElements; default: the connector's).")
  Integer sliceElements;

  @Option(names = "--seed", description = "Seed of the generated data (default: ${DEFAULT-VALUE}).")
  long seed = 7L;

  @Option(
      names = "--party-memory",
      paramLabel = "SIZE",
      description = "Heap of each responder and of the coordinator JVM, as -Xmx takes it (default: ${DEFAULT-VALUE}).")
  String partyMemory = "2g";

  @Mixin BenchFolderOptions folder;

  @Mixin VerboseOption verbose;

  public static void main(String[] args) {
    Cli.exit(new BenchAggregateCommand(), args);
  }

  static List<String> partyNames(int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add(i < NAMES.size() ? NAMES.get(i) : "p" + (i + 1));
    }
    return names;
  }

  @Override
  public Integer call() throws Exception {
    LiveHeap.install();
    if (parties < 2) {
      throw new UsageException("--parties must be at least 2");
    }
    if (rowsPerParty < 1 || groups < 1 || iterations < 1) {
      throw new UsageException("--rows-per-party, --groups and --iterations must be at least 1");
    }
    if (warmup < 0) {
      throw new UsageException("--warmup must be at least 0");
    }
    if (sliceElements != null && sliceElements < 32) {
      throw new UsageException("--slice-elements must be at least 32");
    }
    PrintStream out = System.out;
    return folder.inTemporaryFolder("parley-bench-", out, this::run);
  }

  private int run(Path work, PrintStream out) throws InterruptedException {
    List<String> names = partyNames(parties);
    HadoopFiles files = HadoopFiles.withDefaults();
    DevFederation federation =
        DevFederation.write(
            files, work.resolve("federation").toString(), DevFederation.DEFAULT_NAME, names,
            Map.of("sales", BenchData.SALES_SCHEMA), DevFederation.DEFAULT_COORDINATOR, false, new SecureRandom());
    out.printf(Locale.ROOT, "parley bench aggregate: %d parties x %,d rows, %,d groups, %d iterations, %d cores%n",
        parties, rowsPerParty, groups, iterations, Runtime.getRuntime().availableProcessors());
    out.println("query: " + query.secureSql);
    Map<String, String> salesPath = new LinkedHashMap<>();
    for (String name : names) {
      salesPath.put(name, work.resolve("data").resolve(name).resolve("sales.parquet").toString());
    }

    List<String> childJvm = List.of("-Xmx" + partyMemory, "-Xms" + partyMemory);
    try (LocalFederation processes =
        new LocalFederation(work.resolve("logs"), folder.readyTimeout(), out)) {
      long t0 = System.nanoTime();
      String coordinator = processes.startCoordinator(federation.coordinatorConf(), childJvm, List.of("--memory-report"));
      double coordinatorSeconds = seconds(t0);

      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("spark.parley.coordinator", coordinator);
      settings.put("spark.ui.enabled", "false");
      settings.put("spark.driver.host", "127.0.0.1");
      settings.put("spark.driver.bindAddress", "127.0.0.1");
      if (sliceElements != null) {
        settings.put("spark.parley.vector.sliceElements", Integer.toString(sliceElements));
      }
      String initiator = names.get(0);
      t0 = System.nanoTime();
      SparkSession spark =
          PartyOptions.of(federation.partyConf(initiator), Map.of("sales", salesPath.get(initiator)), settings)
              .openSession("parley bench");
      double sessionSeconds = seconds(t0);
      try {
        t0 = System.nanoTime();
        for (int i = 0; i < names.size(); i++) {
          BenchData.writeSales(spark, salesPath.get(names.get(i)), rowsPerParty, groups, i, seed);
        }
        double generateSeconds = seconds(t0);

        t0 = System.nanoTime();
        Map<String, String> childSettings = new LinkedHashMap<>(settings);
        childSettings.remove("spark.parley.coordinator");
        childSettings.remove("spark.driver.host");
        childSettings.remove("spark.driver.bindAddress");
        for (String name : names.subList(1, names.size())) {
          processes.startResponder(
              name, federation.partyConf(name), Map.of("sales", salesPath.get(name)), childSettings, childJvm,
              List.of("--memory-report"));
        }
        processes.awaitResponders();
        double respondersSeconds = seconds(t0);
        spark.read().parquet(salesPath.values().toArray(new String[0])).createOrReplaceTempView("pooled_sales");

        t0 = System.nanoTime();
        ResultTable plainCold = ResultTable.collect(spark.sql(query.plainSql));
        double plainCold_s = seconds(t0);
        t0 = System.nanoTime();
        ResultTable secureCold = ResultTable.collect(spark.sql(query.secureSql));
        double secureCold_s = seconds(t0);
        out.printf(Locale.ROOT,
            "startup: coordinator %.2f s, %s session %.2f s, data generation %.2f s, responders %.2f s%n",
            coordinatorSeconds, initiator, sessionSeconds, generateSeconds, respondersSeconds);
        out.printf(Locale.ROOT, "first (cold) runs: plaintext %.2f s, secure %.2f s%n", plainCold_s, secureCold_s);
        Optional<String> coldDifference = ResultComparison.difference(sorted(secureCold), sorted(plainCold));
        if (coldDifference.isPresent()) {
          out.println("results: MISMATCH: " + coldDifference.get());
          return Cli.EXIT_FAILURE;
        }

        for (int k = 0; k < warmup; k++) {
          ResultTable.collect(spark.sql(query.secureSql));
          ResultTable.collect(spark.sql(query.plainSql));
        }
        System.gc();
        PeakMemory.resetPeaks();
        LiveHeap.reset();
        double[] secureTimes = new double[iterations];
        ResultTable secure = secureCold;
        for (int k = 0; k < iterations; k++) {
          t0 = System.nanoTime();
          secure = ResultTable.collect(spark.sql(query.secureSql));
          secureTimes[k] = seconds(t0);
        }
        long initiatorPeakHeap = PeakMemory.peakHeapBytes();
        long initiatorLiveHeap = LiveHeap.peakBytes();
        double[] plainTimes = new double[iterations];
        ResultTable plain = plainCold;
        for (int k = 0; k < iterations; k++) {
          t0 = System.nanoTime();
          plain = ResultTable.collect(spark.sql(query.plainSql));
          plainTimes[k] = seconds(t0);
        }

        out.printf(Locale.ROOT, "plaintext (pooled %,d rows): %s%n", rowsPerParty * parties, summary(plainTimes));
        out.printf(Locale.ROOT, "secure (%d parties):         %s%n", parties, summary(secureTimes));
        Optional<String> difference = ResultComparison.difference(sorted(secure), sorted(plain));
        out.println(difference.map(d -> "results: MISMATCH: " + d)
            .orElse(String.format(Locale.ROOT, "results: secure equals plaintext (%,d groups)", plain.rows().size())));

        // Resident peaks must be read while the children live; their live heap comes on exit.
        Map<String, OptionalLong> resident = new LinkedHashMap<>();
        resident.put("coordinator", processes.coordinator().peakResidentBytes());
        for (Map.Entry<String, ChildJvm> responder : sortedResponders(processes)) {
          resident.put(responder.getKey(), responder.getValue().peakResidentBytes());
        }
        processes.stopAll();
        out.println("peak memory (live heap = most kept after a garbage collection; resident = VmHWM):");
        out.println("  coordinator: live heap " + live(processes.coordinator()) + ", resident "
            + mebibytes(resident.get("coordinator")) + " (-Xmx" + partyMemory + ")");
        out.println("  " + initiator + " driver (this JVM, local executors inside): live heap "
            + PeakMemory.mebibytes(initiatorLiveHeap) + ", peak heap " + PeakMemory.mebibytes(initiatorPeakHeap)
            + " during the secure runs; resident " + mebibytes(PeakMemory.residentHighWaterMark(ProcessHandle.current().pid()))
            + " over the whole run, data generation and plaintext included");
        for (Map.Entry<String, ChildJvm> responder : sortedResponders(processes)) {
          out.println("  " + responder.getKey() + " driver (local executors inside): live heap " + live(responder.getValue())
              + ", resident " + mebibytes(resident.get(responder.getKey())) + " (-Xmx" + partyMemory + ")");
        }
        out.printf(Locale.ROOT, "ratio secure/plaintext: %.2f%n", median(secureTimes) / median(plainTimes));
        out.flush();
        return difference.isPresent() ? Cli.EXIT_FAILURE : Cli.EXIT_OK;
      } finally {
        spark.stop();
      }
    }
  }

  private static List<Map.Entry<String, ChildJvm>> sortedResponders(LocalFederation processes) {
    List<Map.Entry<String, ChildJvm>> entries = new ArrayList<>(processes.responders().entrySet());
    entries.sort(Map.Entry.comparingByKey());
    return entries;
  }

  private static String mebibytes(OptionalLong bytes) {
    return bytes.isPresent() ? PeakMemory.mebibytes(bytes.getAsLong()) : "unknown";
  }

  private static String live(ChildJvm child) {
    return mebibytes(child.reportedNumber(MemoryReportOption.LINE));
  }

  /** Rows in group-key order, so two runs of an unordered GROUP BY compare row by row. */
  static ResultTable sorted(ResultTable table) {
    List<Row> rows = new ArrayList<>(table.rows());
    rows.sort(Comparator.comparing(row -> row.isNullAt(0) ? "" : row.get(0).toString()));
    return new ResultTable(table.schema(), rows);
  }

  static double median(double[] values) {
    double[] copy = values.clone();
    Arrays.sort(copy);
    int n = copy.length;
    return n % 2 == 1 ? copy[n / 2] : (copy[n / 2 - 1] + copy[n / 2]) / 2;
  }

  private static String summary(double[] times) {
    return String.format(Locale.ROOT, "median %.3f s (min %.3f s, max %.3f s)",
        median(times), Arrays.stream(times).min().orElse(0), Arrays.stream(times).max().orElse(0));
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
