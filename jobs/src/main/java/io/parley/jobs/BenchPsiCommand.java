package io.parley.jobs;

import io.parley.connector.join.PrivateJoins;
import io.parley.jobs.files.HadoopFiles;
import io.parley.jobs.process.LocalFederation;
import io.parley.protocols.psi.X25519Implementation;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.PrivateJoinSide;
import io.parley.protocols.wire.PrivateJoinVariant;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench psi}: a private join between two parties (this JVM as alpha, beta as a
 * responder JVM, a coordinator JVM, all on this machine) timed against the plain Spark semi-join of
 * the same data in the same run. Ends with {@code elements/s/core} (both parties' identifiers over
 * the wall time and this machine's cores) and {@code ratio secure/plaintext}.
 */
@Command(
    name = "psi",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Times a private join against a plain Spark join of the same data.",
      "",
      "Generates N identifiers per party (Parquet) of which a fraction --overlap is common, starts a "
          + "coordinator and party beta's responder as separate JVMs, runs the private join as party alpha "
          + "K times and the plain Spark semi-join K times, checks they agree, and reports the wall times, "
          + "elements/s/core = 2N / wall / cores and 'ratio secure/plaintext: X.XX' (medians). The load "
          + "average is printed before and after, since the machine may be shared.",
      ""
    })
public final class BenchPsiCommand implements Callable<Integer> {
  static final String SCHEMA = "id STRING, amount BIGINT";

  @Option(names = "--rows-per-party", paramLabel = "N", description = "Identifiers at each party (default: ${DEFAULT-VALUE}).")
  long rowsPerParty = 100_000L;

  @Option(names = "--overlap", paramLabel = "F", description = "Fraction of identifiers both hold (default: ${DEFAULT-VALUE}).")
  double overlap = 0.1;

  @Option(names = "--variant", paramLabel = "V", description = "intersection, size or sum (default: ${DEFAULT-VALUE}).")
  PsiCommand.Variant variant = PsiCommand.Variant.intersection;

  @Option(names = "--iterations", paramLabel = "K", description = "Timed runs of each (default: ${DEFAULT-VALUE}).")
  int iterations = 1;

  @Option(names = "--partitions", paramLabel = "P",
      description = "spark.parley.psi.partitions at both parties (default: the connector's, twice the cores).")
  Integer partitions;

  @Option(names = "--x25519", paramLabel = "IMPL",
      description = "spark.parley.psi.x25519 at both parties: auto, libsodium or bouncycastle (default: ${DEFAULT-VALUE}).")
  String x25519 = "auto";

  @Option(names = "--party-memory", paramLabel = "SIZE",
      description = "Heap of the responder and of the coordinator JVM, as -Xmx takes it (default: ${DEFAULT-VALUE}).")
  String partyMemory = "2g";

  @Option(names = "--session-timeout", paramLabel = "DURATION",
      description = "spark.parley.session.timeout of both parties, and the coordinator's session.maxTimeout "
          + "(default: ${DEFAULT-VALUE}: a 1M x 1M join on a shared 2-core machine takes minutes).")
  String sessionTimeout = "30m";

  @Mixin BenchFolderOptions folder;

  @Mixin VerboseOption verbose;

  public static void main(String[] args) {
    Cli.exit(new BenchPsiCommand(), args);
  }

  @Override
  public Integer call() throws Exception {
    if (rowsPerParty < 1 || iterations < 1 || overlap < 0 || overlap > 1) {
      throw new UsageException("--rows-per-party and --iterations must be at least 1, --overlap within 0..1");
    }
    if (partitions != null && partitions < 1) {
      throw new UsageException("--partitions must be at least 1");
    }
    X25519Implementation implementation;
    try {
      implementation = X25519Implementation.parse("--x25519", x25519);
    } catch (io.parley.protocols.ParleyException e) {
      throw new UsageException(e.getMessage());
    }
    PrintStream out = System.out;
    out.println("X25519: " + implementation.describeResolved());
    return folder.inTemporaryFolder("parley-bench-psi-", out, this::run);
  }

  private int run(Path work, PrintStream out) throws InterruptedException {
    List<String> names = List.of("alpha", "beta");
    HadoopFiles files = HadoopFiles.withDefaults();
    DevFederation federation = DevFederation.write(files, work.resolve("federation").toString(),
        DevFederation.DEFAULT_NAME, names, Map.of("ids", SCHEMA), DevFederation.DEFAULT_COORDINATOR, false,
        new SecureRandom());
    int cores = Runtime.getRuntime().availableProcessors();
    out.printf(Locale.ROOT, "parley bench psi: 2 parties x %,d identifiers, overlap %.3f, %s, %d iterations, %d cores%n",
        rowsPerParty, overlap, variant, iterations, cores);
    out.println("load average before: " + loadAverage());
    Map<String, String> paths = new LinkedHashMap<>();
    for (String name : names) {
      paths.put(name, work.resolve("data").resolve(name).resolve("ids.parquet").toString());
    }
    List<String> childJvm = List.of("-Xmx" + partyMemory, "-Xms" + partyMemory);
    try {
      Files.writeString(Path.of(federation.coordinatorConf()), "spark.parley.session.maxTimeout=" + sessionTimeout + "\n",
          StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write " + federation.coordinatorConf(), e);
    }
    try (LocalFederation processes =
        new LocalFederation(work.resolve("logs"), folder.readyTimeout(), out)) {
      String coordinator = processes.startCoordinator(federation.coordinatorConf(), childJvm, List.of());
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("spark.ui.enabled", "false");
      settings.put("spark.parley.policy.psi.revealIntersection", "true");
      settings.put("spark.parley.session.timeout", sessionTimeout);
      if (partitions != null) {
        settings.put("spark.parley.psi.partitions", Integer.toString(partitions));
      }
      settings.put("spark.parley.psi.x25519", x25519);
      Map<String, String> own = new LinkedHashMap<>(settings);
      own.put("spark.parley.coordinator", coordinator);
      own.put("spark.driver.host", "127.0.0.1");
      own.put("spark.driver.bindAddress", "127.0.0.1");
      SparkSession spark = PartyOptions.of(federation.partyConf("alpha"), Map.of("ids", paths.get("alpha")), own)
          .openSession("parley bench psi");
      try {
        long first = Math.round(rowsPerParty * (1 - overlap));
        write(spark, paths.get("alpha"), 0);
        write(spark, paths.get("beta"), first);
        processes.startResponder("beta", federation.partyConf("beta"), Map.of("ids", paths.get("beta")), settings,
            childJvm, List.of());
        processes.awaitResponders();

        Dataset<Row> alphaIds = spark.read().parquet(paths.get("alpha"));
        Dataset<Row> betaIds = spark.read().parquet(paths.get("beta"));
        Dataset<Row> plain = plain(alphaIds, betaIds);
        long expected = plain.count();
        double[] plainTimes = new double[iterations];
        for (int k = 0; k < iterations; k++) {
          long t0 = System.nanoTime();
          plain(alphaIds, betaIds).count();
          plainTimes[k] = seconds(t0);
        }
        double[] secureTimes = new double[iterations];
        long secure = -1;
        Row secureSum = null;
        for (int k = 0; k < iterations; k++) {
          long t0 = System.nanoTime();
          Dataset<Row> result = PrivateJoins.runAsInitiator(spark, join());
          if (variant == PsiCommand.Variant.intersection) {
            secure = result.count();
          } else {
            secureSum = result.first();
            secure = secureSum.getLong(0);
          }
          secureTimes[k] = seconds(t0);
        }
        out.printf(Locale.ROOT, "plaintext Spark join: %s%n", summary(plainTimes));
        out.printf(Locale.ROOT, "private join (%s):    %s%n", variant, summary(secureTimes));
        boolean agree = secure == expected;
        if (variant == PsiCommand.Variant.sum) {
          // beta's rows whose identifier alpha holds: their count and the sum of their amounts
          Row plainSum = betaIds.join(alphaIds, betaIds.col("id").equalTo(alphaIds.col("id")), "left_semi")
              .agg(functions.count(functions.lit(1)), functions.sum("amount")).first();
          boolean sumsAgree = secureSum.getLong(1) == plainSum.getLong(0)
              && java.util.Objects.equals(secureSum.get(2).toString(), String.valueOf(plainSum.get(1)));
          out.printf(Locale.ROOT, "sum: matched rows %,d, sum of amount %s; plaintext %,d and %s: %s%n",
              secureSum.getLong(1), secureSum.get(2), plainSum.getLong(0), plainSum.get(1),
              sumsAgree ? "equal" : "MISMATCH");
          agree &= sumsAgree;
        }
        out.printf(Locale.ROOT, "results: %s (%,d %s)%n", agree ? "private join equals plaintext" : "MISMATCH: " + secure
            + " vs plaintext " + expected, expected, variant == PsiCommand.Variant.intersection ? "rows" : "common identifiers");
        double wall = BenchAggregateCommand.median(secureTimes);
        out.printf(Locale.ROOT, "elements/s/core: %,.0f (2 x %,d identifiers / %.1f s / %d cores)%n",
            2.0 * rowsPerParty / wall / cores, rowsPerParty, wall, cores);
        out.println("load average after: " + loadAverage());
        out.printf(Locale.ROOT, "ratio secure/plaintext: %.2f%n", wall / BenchAggregateCommand.median(plainTimes));
        out.flush();
        return agree ? Cli.EXIT_OK : Cli.EXIT_FAILURE;
      } finally {
        spark.stop();
      }
    }
  }

  private Dataset<Row> plain(Dataset<Row> alphaIds, Dataset<Row> betaIds) {
    Dataset<Row> semi = alphaIds.join(betaIds, alphaIds.col("id").equalTo(betaIds.col("id")), "left_semi");
    return variant == PsiCommand.Variant.intersection ? semi : semi.select("id").distinct();
  }

  private PrivateJoin join() {
    PrivateJoin.Builder join = PrivateJoin.newBuilder().setVersion(1)
        .setInitiator(PrivateJoinSide.newBuilder().setParty("alpha").setTable("ids").setIdentifierColumn("id"))
        .setResponder(PrivateJoinSide.newBuilder().setParty("beta").setTable("ids").setIdentifierColumn("id"))
        .setNormalization("none")
        .setDescription("bench psi");
    return switch (variant) {
      case intersection -> join.setVariant(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_INTERSECTION).addRevealTo("alpha").build();
      case size -> join.setVariant(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SIZE).setReceiver("alpha").build();
      case sum -> join.setVariant(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SUM).setReceiver("alpha")
          .setSumColumn("amount").build();
    };
  }

  /** Identifiers {@code id-<first>} .. in a shuffled order, with an amount each. */
  private void write(SparkSession spark, String path, long first) {
    spark.range(rowsPerParty)
        .select(functions.concat(functions.lit("id-"), functions.col("id").plus(first).cast("string")).as("id"),
            functions.col("id").multiply(7919).mod(1000).as("amount"))
        .orderBy(functions.rand(first))
        .write().mode(SaveMode.Overwrite).parquet(path);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String summary(double[] times) {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (double time : times) {
      min = Math.min(min, time);
      max = Math.max(max, time);
    }
    return String.format(Locale.ROOT, "median %.3f s (min %.3f s, max %.3f s)", BenchAggregateCommand.median(times), min, max);
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
