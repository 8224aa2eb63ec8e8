package io.parley.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on loopback: a master and one worker started from Spark's own
 * classes ({@code org.apache.spark.deploy.master.Master}, {@code ...worker.Worker}) as child JVMs,
 * every port chosen at run time. The worker launches executors from a Spark home whose
 * {@code jars/} folder holds the Spark distribution's jars (linked from this classpath, without
 * Parley), so an application's own code reaches executors only through {@code spark.jars}.
 */
final class SparkStandalone implements AutoCloseable {
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://\\S+:\\d+)");
  /** Spark 4 logs JSON by default; the lines read here are the plain ones. */
  private static final String PLAIN_LOGS = "-Dspark.log.structuredLogging.enabled=false";
  private static final Pattern REGISTERED = Pattern.compile("Successfully registered with master");

  private final Path sparkHome;
  private final Path workDir;
  private LaunchedProcess master;
  private LaunchedProcess worker;
  private String masterUrl;

  private SparkStandalone(Path sparkHome, Path workDir) {
    this.sparkHome = sparkHome;
    this.workDir = workDir;
  }

  /**
   * Starts the master, reads its URL from its log, starts a worker with {@code cores} and
   * {@code memory} and waits until it registered.
   */
  static SparkStandalone start(Path dir, Path logs, int cores, String memory) throws InterruptedException {
    SparkStandalone cluster = new SparkStandalone(dir.resolve("spark-home"), dir.resolve("worker"));
    try {
      cluster.writeSparkHome();
      List<String> classpath = Commands.sparkDistributionClasspath();
      Map<String, String> environment = cluster.environment();
      cluster.master =
          LaunchedProcess.start(
              "spark-master",
              Commands.java(
                  List.of("-Xmx256m", "-Dspark.master.rest.enabled=false", PLAIN_LOGS),
                  classpath,
                  "org.apache.spark.deploy.master.Master",
                  List.of("--host", "127.0.0.1", "--port", "0", "--webui-port", "0")),
              environment,
              logs);
      Matcher url = cluster.master.awaitLine(LaunchedProcess.Output.STDERR, MASTER_URL, START_TIMEOUT);
      cluster.masterUrl = url.group(1);
      cluster.worker =
          LaunchedProcess.start(
              "spark-worker",
              Commands.java(
                  List.of("-Xmx256m", PLAIN_LOGS),
                  classpath,
                  "org.apache.spark.deploy.worker.Worker",
                  List.of(
                      "--host", "127.0.0.1", "--port", "0", "--webui-port", "0",
                      "--cores", Integer.toString(cores), "--memory", memory,
                      "--work-dir", cluster.workDir.toString(),
                      cluster.masterUrl)),
              environment,
              logs);
      cluster.worker.awaitLine(LaunchedProcess.Output.STDERR, REGISTERED, START_TIMEOUT);
      return cluster;
    } catch (RuntimeException | InterruptedException | Error e) {
      cluster.close();
      throw e;
    }
  }

  String masterUrl() {
    return masterUrl;
  }

  LaunchedProcess master() {
    return master;
  }

  /** The id the master gave the application named {@code appName} ({@code app-...}), from its log. */
  String applicationId(String appName, Duration timeout) throws InterruptedException {
    Pattern registered = Pattern.compile("Registered app " + Pattern.quote(appName) + " with ID (app-\\S+)");
    return master.awaitLine(LaunchedProcess.Output.STDERR, registered, timeout).group(1);
  }

  /** Every executor's stderr the worker kept for application {@code appId} (work/APP/EXEC/stderr). */
  List<Path> executorLogs(String appId) {
    Path appDir = workDir.resolve(appId);
    if (!Files.isDirectory(appDir)) {
      return List.of();
    }
    try (Stream<Path> executors = Files.list(appDir)) {
      return executors.map(executor -> executor.resolve("stderr")).filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + appDir + ": " + e.getMessage(), e);
    }
  }

  /** How many tasks executors of {@code appId} reported finished in their logs. */
  long finishedTasks(String appId) {
    long finished = 0;
    for (Path log : executorLogs(appId)) {
      try (Stream<String> lines = Files.lines(log)) {
        finished += lines.filter(line -> line.contains("Finished task")).count();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + log + ": " + e.getMessage(), e);
      }
    }
    return finished;
  }

  private Map<String, String> environment() {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("SPARK_LOCAL_IP", "127.0.0.1");
    environment.put("SPARK_HOME", sparkHome.toString());
    // Spark's launcher asks for the Scala version of a distribution that was not built here.
    environment.put("SPARK_SCALA_VERSION", "2.13");
    environment.put("SPARK_WORKER_DIR", workDir.toString());
    return environment;
  }

  /** SPARK_HOME/jars: links to the Spark distribution's jars, as an unpacked Spark download has. */
  private void writeSparkHome() {
    Path jars = sparkHome.resolve("jars");
    try {
      Files.createDirectories(jars);
      Files.createDirectories(sparkHome.resolve("conf"));
      Files.createDirectories(workDir);
      Set<String> names = new HashSet<>();
      for (String jar : Commands.sparkDistributionClasspath()) {
        Path source = Path.of(jar);
        String name = source.getFileName().toString();
        if (!names.add(name)) {
          name = names.size() + "-" + name;
          names.add(name);
        }
        Files.createSymbolicLink(jars.resolve(name), source.toAbsolutePath());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Spark home " + sparkHome + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    List<LaunchedProcess> started = new ArrayList<>();
    if (worker != null) {
      started.add(worker);
    }
    if (master != null) {
      started.add(master);
    }
    started.forEach(LaunchedProcess::close);
  }
}
