package io.parley.jobs;

import io.parley.connector.party.Responder;
import io.parley.protocols.federation.FederationDefinition;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import scala.Tuple2;

/**
 * {@code parley helper}: a compute party that holds no data. It answers share computations
 * (auctions, and the other three-party computations) with no rows of any table, until SIGTERM.
 */
@Command(
    name = "helper",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Runs a compute party that holds no data, until SIGTERM.",
      "",
      "For a federation of two data parties: the third of federation.computeParties computes on "
          + "secret shares (it sees only shares and what is revealed to every compute party, such as an "
          + "auction's winning party) and holds no table (any spark.parley.table.* setting is ignored). "
          + "Spark runs in local mode unless the conf names a master. Prints 'party <name> ready (helper, no data)' once "
          + "connected; refuses to start unless the party is one of federation.computeParties.",
      ""
    })
public final class HelperCommand implements Callable<Integer> {
  @Option(
      names = "--conf",
      paramLabel = "FILE",
      description = "The party's properties file (DIR/<party>.conf from parley init; any Hadoop path).")
  String confFile;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A Spark or spark.parley.* setting over the conf file's. Repeatable.")
  Map<String, String> settings = new LinkedHashMap<>();

  @Mixin VerboseOption verbose;
  @Mixin MemoryReportOption memoryReport;
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    Cli.exit(new HelperCommand(), args);
  }

  /** Fails, naming the setting, unless {@code party} is one of the federation's compute parties. */
  static void requireComputeParty(FederationDefinition federation, String party, String federationPath, String purpose) {
    if (federation.computeParties().isEmpty()) {
      throw new UsageException("party " + party + " cannot " + purpose + ": federation " + federation.name()
          + " names no compute parties (set federation.computeParties in " + federationPath + ")");
    }
    if (!federation.computeParties().contains(party)) {
      throw new UsageException("party " + party + " cannot " + purpose + ": it is not one of federation.computeParties "
          + String.join(",", federation.computeParties()) + " (" + federationPath + ")");
    }
  }

  /** The helper's Spark settings: the party's, without any local table. */
  SparkConf sparkConf() {
    SparkConf conf = PartyOptions.of(confFile, Map.of(), settings).sparkConf("parley helper");
    for (Tuple2<String, String> setting : conf.getAll()) {
      if (setting._1().startsWith("spark.parley.table.")) {
        conf.remove(setting._1());
      }
    }
    String federationPath = conf.get(PartyTables.FEDERATION_KEY);
    requireComputeParty(PartyTables.federation(federationPath), conf.get(PartyTables.PARTY_KEY), federationPath,
        "run as a helper");
    return conf;
  }

  @Override
  public Integer call() throws Exception {
    SparkConf conf = sparkConf();
    memoryReport.start();
    PrintWriter out = spec.commandLine().getOut();
    String name = conf.get(PartyTables.PARTY_KEY);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    Responder responder;
    try {
      responder = Responder.start(spark);
    } catch (RuntimeException e) {
      spark.stop();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
      try {
        responder.close();
        spark.stop();
        memoryReport.report(out);
      } finally {
        stopped.countDown();
      }
    }, "parley-helper-stop"));
    out.println("party " + name + " ready (helper, no data)");
    out.flush();
    responder.awaitTermination();
    if (!stopping.get()) {
      spark.stop();
      throw new IllegalStateException("the helper " + name + " stopped on its own; see the log above");
    }
    stopped.await();
    return Cli.EXIT_OK;
  }
}
