package io.parley.jobs;

import io.parley.connector.party.PartyRuntime;
import io.parley.connector.party.Responder;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code parley party}: a party's responder, answering federated queries over its local data until SIGTERM. */
@Command(
    name = "party",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Runs a party's responder until SIGTERM.",
      "",
      "Connects to the coordinator and answers the federated queries the party's policy allows "
          + "over its local data, as Spark jobs over all its partitions. Prints 'party <name> ready' "
          + "once connected; stops cleanly on SIGTERM.",
      ""
    })
public final class PartyCommand implements Callable<Integer> {
  @Mixin PartyOptions party;
  @Mixin VerboseOption verbose;
  @Mixin MemoryReportOption memoryReport;
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    Cli.exit(new PartyCommand(), args);
  }

  @Override
  public Integer call() throws Exception {
    memoryReport.start();
    PrintWriter out = spec.commandLine().getOut();
    SparkSession spark = party.openSession("parley party");
    Responder responder;
    String name;
    try {
      name = PartyRuntime.of(spark).party();
      responder = Responder.start(spark);
    } catch (RuntimeException e) {
      spark.stop();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopping.set(true);
                  try {
                    responder.close();
                    spark.stop();
                    memoryReport.report(out);
                  } finally {
                    stopped.countDown();
                  }
                },
                "parley-party-stop"));
    out.println("party " + name + " ready");
    out.flush();
    responder.awaitTermination();
    if (!stopping.get()) {
      spark.stop();
      throw new IllegalStateException("the responder of party " + name + " stopped on its own; see the log above");
    }
    stopped.await();
    return Cli.EXIT_OK;
  }
}
