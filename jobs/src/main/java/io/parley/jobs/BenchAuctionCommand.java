package io.parley.jobs;

import io.parley.connector.auction.AuctionOutcome;
import io.parley.connector.auction.SealedBidAuctions;
import io.parley.jobs.data.BenchData;
import io.parley.jobs.files.HadoopFiles;
import io.parley.jobs.process.LocalFederation;
import io.parley.protocols.wire.AuctionRule;
import io.parley.protocols.wire.SealedBidAuction;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench auction}: a sealed-bid auction over the three compute parties' bids timed
 * against plain Spark over the pooled bids (the same outcome by an ordered top two, and a bare
 * {@code max(amount)}), both warm. Ends with {@code ratio secure/plaintext: X.XX}.
 */
@Command(
    name = "auction",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Times a sealed-bid auction against plain Spark over the pooled bids.",
      "",
      "Generates N bids per party (Parquet, seeded; ids unique, amounts 0.00 to 999,999.99), starts a "
          + "coordinator and the other compute parties as separate JVMs (with --parties 2 the third is a "
          + "'parley helper' with no bids), then times the auction K times and, over the pooled bids in "
          + "this JVM, plain Spark's ordered top two (the same outcome) and max(amount), after W untimed runs "
          + "of each. Checks the outcomes are equal and ends with 'ratio secure/plaintext: X.XX' (medians, "
          + "against the ordered top two) and 'ratio secure/plain max: X.XX'.",
      ""
    })
public final class BenchAuctionCommand implements Callable<Integer> {
  static final List<String> NAMES = List.of("alpha", "beta", "gamma");
  static final String PLAIN_TOP_TWO = "SELECT party, bid_id, amount FROM pooled_bids ORDER BY amount DESC, party, bid_id LIMIT 2";
  static final String PLAIN_MAX = "SELECT max(amount) FROM pooled_bids";

  @Option(names = "--parties", paramLabel = "P", description = "Parties with bids, 2 or 3; with 2 the third compute party is a helper (default: ${DEFAULT-VALUE}).")
  int parties = 3;

  @Option(names = "--bids-per-party", paramLabel = "N", description = "Bids at each party (default: ${DEFAULT-VALUE}).")
  long bidsPerParty = 333_334L;

  @Option(
      names = "--rule",
      paramLabel = "RULE",
      converter = AuctionCommand.RuleConverter.class,
      description = "first-price or second-price (default: second-price).")
  AuctionRule rule = AuctionRule.AUCTION_RULE_SECOND_PRICE;

  @Option(names = "--iterations", paramLabel = "K", description = "Timed runs of each (default: ${DEFAULT-VALUE}).")
  int iterations = 5;

  @Option(names = "--warmup", paramLabel = "W", description = "Untimed runs of each after the first (default: ${DEFAULT-VALUE}).")
  int warmup = 2;

  @Option(names = "--seed", description = "Seed of the generated bids (default: ${DEFAULT-VALUE}).")
  long seed = 7L;

  @Option(
      names = "--party-memory",
      paramLabel = "SIZE",
      description = "Heap of each other party's and of the coordinator JVM, as -Xmx takes it (default: ${DEFAULT-VALUE}).")
  String partyMemory = "1g";

  @Mixin BenchFolderOptions folder;

  @Mixin VerboseOption verbose;

  public static void main(String[] args) {
    Cli.exit(new BenchAuctionCommand(), args);
  }

  @Override
  public Integer call() throws Exception {
    if (parties != 2 && parties != 3) {
      throw new UsageException("--parties must be 2 or 3: an auction has three compute parties, one of which may hold no bids");
    }
    if (bidsPerParty < 1 || iterations < 1) {
      throw new UsageException("--bids-per-party and --iterations must be at least 1");
    }
    if (warmup < 0) {
      throw new UsageException("--warmup must be at least 0");
    }
    PrintStream out = System.out;
    return folder.inTemporaryFolder("parley-bench-auction-", out, this::run);
  }

  private int run(Path work, PrintStream out) throws InterruptedException {
    HadoopFiles files = HadoopFiles.withDefaults();
    DevFederation federation =
        DevFederation.write(files, work.resolve("federation").toString(), DevFederation.DEFAULT_NAME, NAMES, NAMES,
            Map.of("bids", BenchData.BIDS_SCHEMA), DevFederation.DEFAULT_COORDINATOR, false, new SecureRandom());
    out.printf(Locale.ROOT, "parley bench auction: %d parties x %,d bids (%,d in all)%s, %s, %d iterations, %d cores%n",
        parties, bidsPerParty, bidsPerParty * parties, parties == 2 ? " + a helper" : "", SealedBidAuctions.ruleName(rule),
        iterations, Runtime.getRuntime().availableProcessors());
    Map<String, String> bidsPath = new LinkedHashMap<>();
    for (String name : NAMES.subList(0, parties)) {
      bidsPath.put(name, work.resolve("data").resolve(name).resolve("bids.parquet").toString());
    }
    List<String> childJvm = List.of("-Xmx" + partyMemory, "-Xms" + partyMemory);
    try (LocalFederation processes =
        new LocalFederation(work.resolve("logs"), folder.readyTimeout(), out)) {
      long t0 = System.nanoTime();
      String coordinator = processes.startCoordinator(federation.coordinatorConf(), childJvm, List.of());
      double coordinatorSeconds = seconds(t0);
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("spark.parley.coordinator", coordinator);
      settings.put("spark.ui.enabled", "false");
      settings.put("spark.driver.host", "127.0.0.1");
      settings.put("spark.driver.bindAddress", "127.0.0.1");
      String initiator = NAMES.get(0);
      t0 = System.nanoTime();
      SparkSession spark =
          PartyOptions.of(federation.partyConf(initiator), Map.of("bids", bidsPath.get(initiator)), settings)
              .openSession("parley bench auction");
      double sessionSeconds = seconds(t0);
      try {
        t0 = System.nanoTime();
        for (int i = 0; i < parties; i++) {
          BenchData.writeBids(spark, bidsPath.get(NAMES.get(i)), bidsPerParty, i, seed);
        }
        double generateSeconds = seconds(t0);

        t0 = System.nanoTime();
        Map<String, String> childSettings = new LinkedHashMap<>(settings);
        childSettings.remove("spark.parley.coordinator");
        childSettings.remove("spark.driver.host");
        childSettings.remove("spark.driver.bindAddress");
        for (String name : NAMES.subList(1, 3)) {
          if (bidsPath.containsKey(name)) {
            processes.startResponder(name, federation.partyConf(name), Map.of("bids", bidsPath.get(name)), childSettings,
                childJvm, List.of());
          } else {
            processes.startHelper(name, federation.partyConf(name), childSettings, childJvm);
          }
        }
        processes.awaitResponders();
        double respondersSeconds = seconds(t0);
        Dataset<Row> pooled = null;
        for (int i = 0; i < parties; i++) {
          Dataset<Row> part = spark.read().parquet(bidsPath.get(NAMES.get(i))).withColumn("party", functions.lit(i));
          pooled = pooled == null ? part : pooled.unionByName(part);
        }
        pooled.createOrReplaceTempView("pooled_bids");
        SealedBidAuction auction = SealedBidAuctions.auction("bids", "bid_id", "amount", rule, "parley bench auction");

        t0 = System.nanoTime();
        String plainCold = plainOutcome(spark);
        double plainColdSeconds = seconds(t0);
        t0 = System.nanoTime();
        String secureCold = SealedBidAuctions.runAsInitiator(spark, auction).toString();
        double secureColdSeconds = seconds(t0);
        out.printf(Locale.ROOT, "startup: coordinator %.2f s, %s session %.2f s, data generation %.2f s, other parties %.2f s%n",
            coordinatorSeconds, initiator, sessionSeconds, generateSeconds, respondersSeconds);
        out.printf(Locale.ROOT, "first (cold) runs: plaintext %.2f s, secure %.2f s%n", plainColdSeconds, secureColdSeconds);
        if (!secureCold.equals(plainCold)) {
          out.println("results: MISMATCH: secure " + secureCold + ", plaintext " + plainCold);
          return Cli.EXIT_FAILURE;
        }
        for (int k = 0; k < warmup; k++) {
          SealedBidAuctions.runAsInitiator(spark, auction);
          plainOutcome(spark);
          spark.sql(PLAIN_MAX).collectAsList();
        }
        double[] secureTimes = new double[iterations];
        String secure = secureCold;
        for (int k = 0; k < iterations; k++) {
          t0 = System.nanoTime();
          secure = SealedBidAuctions.runAsInitiator(spark, auction).toString();
          secureTimes[k] = seconds(t0);
        }
        double[] plainTimes = new double[iterations];
        String plain = plainCold;
        for (int k = 0; k < iterations; k++) {
          t0 = System.nanoTime();
          plain = plainOutcome(spark);
          plainTimes[k] = seconds(t0);
        }
        double[] maxTimes = new double[iterations];
        for (int k = 0; k < iterations; k++) {
          t0 = System.nanoTime();
          spark.sql(PLAIN_MAX).collectAsList();
          maxTimes[k] = seconds(t0);
        }
        long pooledBids = bidsPerParty * parties;
        out.printf(Locale.ROOT, "plaintext top two (pooled %,d bids): %s%n", pooledBids, summary(plainTimes));
        out.printf(Locale.ROOT, "plaintext max(amount) (pooled):     %s%n", summary(maxTimes));
        out.printf(Locale.ROOT, "secure auction (3 compute parties): %s%n", summary(secureTimes));
        boolean same = secure.equals(plain);
        out.println(same ? "results: secure equals plaintext: " + secure : "results: MISMATCH: secure " + secure + ", plaintext " + plain);
        processes.stopAll();
        out.printf(Locale.ROOT, "ratio secure/plain max: %.2f%n", BenchAggregateCommand.median(secureTimes) / BenchAggregateCommand.median(maxTimes));
        out.printf(Locale.ROOT, "ratio secure/plaintext: %.2f%n", BenchAggregateCommand.median(secureTimes) / BenchAggregateCommand.median(plainTimes));
        out.flush();
        return same ? Cli.EXIT_OK : Cli.EXIT_FAILURE;
      } finally {
        spark.stop();
      }
    }
  }

  /** The auction's outcome computed in the clear over the pooled bids, as {@link AuctionOutcome#toString()} prints it. */
  private String plainOutcome(SparkSession spark) {
    List<Row> top = spark.sql(PLAIN_TOP_TWO).collectAsList();
    if (top.isEmpty()) {
      return AuctionOutcome.nobodyBid(rule).toString();
    }
    Row winner = top.get(0);
    BigDecimal price = rule == AuctionRule.AUCTION_RULE_FIRST_PRICE ? winner.getDecimal(2)
        : top.size() > 1 ? top.get(1).getDecimal(2) : BigDecimal.valueOf(0, 2);
    return new AuctionOutcome(NAMES.get(winner.getInt(0)), winner.getString(1), price, rule).toString();
  }

  private static String summary(double[] times) {
    double[] sorted = times.clone();
    java.util.Arrays.sort(sorted);
    return String.format(Locale.ROOT, "median %.3f s (min %.3f s, max %.3f s)", BenchAggregateCommand.median(times), sorted[0],
        sorted[sorted.length - 1]);
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
