package io.parley.jobs;

import io.parley.jobs.files.HadoopFiles;
import io.parley.protocols.coordinator.CoordinatorConfig;
import io.parley.protocols.coordinator.CoordinatorServer;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code parley coordinator}: runs the coordinator service (no Spark) until SIGTERM. */
@Command(
    name = "coordinator",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Runs the coordinator (no Spark) until SIGTERM.",
      "",
      "The coordinator keeps sessions, returns the union of encrypted group keys and adds masked "
          + "vectors, over mutual TLS against the federation CA. Prints 'coordinator listening on "
          + "HOST:PORT' when ready and stops cleanly on SIGTERM.",
      ""
    })
public final class CoordinatorCommand implements Callable<Integer> {
  @Option(names = "--conf", required = true, paramLabel = "FILE", description = "DIR/coordinator.conf from parley init (any Hadoop path).")
  String confFile;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = HostPort.Converter.class,
      description = "Listen here instead of spark.parley.coordinator.listen; port 0 picks a free port.")
  HostPort listen;

  @Option(
      names = "--transcript",
      paramLabel = "FILE",
      description = "Record every message the coordinator receives (party, rpc, bytes) in FILE, for audits and tests.")
  String transcript;

  @Mixin VerboseOption verbose;
  @Mixin MemoryReportOption memoryReport;
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    Cli.exit(new CoordinatorCommand(), args);
  }

  @Override
  public Integer call() throws Exception {
    memoryReport.start();
    PrintWriter out = spec.commandLine().getOut();
    HadoopFiles files = HadoopFiles.withDefaults();
    Properties properties = files.readProperties(confFile);
    if (listen != null) {
      properties.setProperty(CoordinatorSettings.LISTEN_KEY, listen.toString());
    }
    CoordinatorConfig config = CoordinatorSettings.config(files, properties, confFile);
    FileTranscript transcriptFile = transcript == null ? null : FileTranscript.create(HadoopFiles.absolute(transcript));
    CoordinatorServer server =
        transcriptFile == null ? CoordinatorServer.start(config) : CoordinatorServer.start(config, transcriptFile);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopping.set(true);
                  try {
                    server.close();
                    if (transcriptFile != null) {
                      transcriptFile.close();
                    }
                    memoryReport.report(out);
                  } finally {
                    stopped.countDown();
                  }
                },
                "parley-coordinator-stop"));
    out.println("coordinator listening on " + server.address());
    out.flush();
    server.awaitTermination();
    if (!stopping.get()) {
      throw new IllegalStateException("the coordinator stopped on its own; see the log above");
    }
    stopped.await();
    return Cli.EXIT_OK;
  }
}
