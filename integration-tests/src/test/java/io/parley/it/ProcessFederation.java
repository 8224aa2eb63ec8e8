package io.parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A federation on loopback, every part a separate process driven through {@code jobs/bin/parley}:
 * {@code parley init} writes it, {@code parley coordinator} listens on a port chosen at run time,
 * {@code parley party} responders answer, and {@code parley sql} runs queries. Logs stay under the
 * test's folder in target/. Closing it stops every process it started.
 */
final class ProcessFederation implements AutoCloseable {
  static final Duration INIT_TIMEOUT = Duration.ofSeconds(120);
  static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
  static final Duration SQL_TIMEOUT = Duration.ofSeconds(240);
  private static final Pattern LISTENING = Pattern.compile("^coordinator listening on (\\S+):(\\d+)\\s*$");

  /** Spark settings of every party JVM on this machine: small, loopback, no UI. */
  static final Map<String, String> LOCAL_SPARK =
      Map.of(
          "spark.master", "local[2]",
          "spark.ui.enabled", "false",
          "spark.sql.shuffle.partitions", "4",
          "spark.driver.host", "127.0.0.1",
          "spark.driver.bindAddress", "127.0.0.1");

  private final Path dir;
  private final Path logs;
  private LaunchedProcess coordinator;
  private String coordinatorAddress;
  private final Map<String, LaunchedProcess> responders = new LinkedHashMap<>();
  private int runs;

  /**
   * @param dir where {@code parley init} writes the federation
   * @param logs where every process's output goes
   */
  ProcessFederation(Path dir, Path logs) {
    this.dir = dir;
    this.logs = logs;
  }

  /** {@code parley init} into {@code dir} for {@code parties} and the sales table; fails unless it exits 0. */
  static ProcessFederation init(Path dir, Path logs, String federationName, List<String> parties)
      throws InterruptedException {
    return init(dir, logs, federationName, parties, List.of());
  }

  /** As above, naming the three compute parties (empty: {@code parley init}'s default). */
  static ProcessFederation init(
      Path dir, Path logs, String federationName, List<String> parties, List<String> computeParties)
      throws InterruptedException {
    ProcessFederation federation = new ProcessFederation(dir, logs);
    List<String> args = new java.util.ArrayList<>(List.of(
        "init",
        "--dir", dir.toString(),
        "--parties", String.join(",", parties),
        "--federation", federationName,
        "--table", SalesData.TABLE + "=" + SalesData.SCHEMA_DDL));
    if (!computeParties.isEmpty()) {
      args.addAll(List.of("--compute-parties", String.join(",", computeParties)));
    }
    SqlRun init = federation.run("init-" + federationName, args, INIT_TIMEOUT);
    assertEquals(0, init.exitCode(), "parley init failed: " + init.describe());
    return federation;
  }

  Path dir() {
    return dir;
  }

  Path conf(String party) {
    return dir.resolve(party + ".conf");
  }

  Path logs() {
    return logs;
  }

  /**
   * {@code parley coordinator --listen 127.0.0.1:0 --transcript FILE}; waits for its
   * "listening" line and returns the address it chose.
   */
  String startCoordinator(Path transcript) throws InterruptedException {
    List<String> args =
        new ArrayList<>(List.of("coordinator", "--conf", dir.resolve("coordinator.conf").toString(), "--listen", "127.0.0.1:0"));
    if (transcript != null) {
      args.addAll(List.of("--transcript", transcript.toString()));
    }
    coordinator = LaunchedProcess.start("coordinator", Commands.parley(args), Commands.parleyEnvironment(), logs);
    Matcher listening = coordinator.awaitLine(LaunchedProcess.Output.STDOUT, LISTENING, READY_TIMEOUT);
    coordinatorAddress = listening.group(1) + ":" + listening.group(2);
    return coordinatorAddress;
  }

  String coordinatorAddress() {
    if (coordinatorAddress == null) {
      throw new IllegalStateException("the coordinator is not started");
    }
    return coordinatorAddress;
  }

  LaunchedProcess coordinator() {
    return coordinator;
  }

  /**
   * Starts {@code parley party} for {@code party} without waiting ({@link #awaitResponders}
   * waits): its local sales at {@code salesPath}, the coordinator's address and {@code settings}
   * given with {@code --set}.
   */
  void startResponder(String party, String salesPath, Map<String, String> settings) {
    List<String> args = new ArrayList<>(List.of("party", "--conf", conf(party).toString(), "--table", SalesData.TABLE + "=" + salesPath));
    addSettings(args, settings);
    responders.put(party, LaunchedProcess.start("party-" + party, Commands.parley(args), Commands.parleyEnvironment(), logs));
  }

  /**
   * Starts a long-running {@code parley ARGS} for {@code party} (a responder with other tables, or
   * {@code parley helper}), with {@link #LOCAL_SPARK}, {@code settings} and the coordinator's
   * address as {@code --set}; {@link #awaitResponders} waits for its ready line.
   */
  void startPartyProcess(String party, List<String> args, Map<String, String> settings) {
    List<String> all = new ArrayList<>(args);
    addSettings(all, settings);
    responders.put(party, LaunchedProcess.start(args.get(0) + "-" + party, Commands.parley(all), Commands.parleyEnvironment(), logs));
  }

  /** Stops the long-running process of {@code party} and forgets it. */
  void stopResponder(String party) throws InterruptedException {
    LaunchedProcess responder = responders.remove(party);
    if (responder != null) {
      responder.stop();
      responder.close();
    }
  }

  /** Runs {@code parley ARGS} to its end with the settings every party process gets (as {@link #startPartyProcess}). */
  SqlRun runAsParty(String name, List<String> args, Map<String, String> settings, Duration timeout) throws InterruptedException {
    List<String> all = new ArrayList<>(args);
    addSettings(all, settings);
    return run(name, all, timeout);
  }

  /** Waits until every responder started printed {@code party <name> ready}. */
  void awaitResponders() throws InterruptedException {
    for (Map.Entry<String, LaunchedProcess> responder : responders.entrySet()) {
      responder
          .getValue()
          .awaitLine(
              LaunchedProcess.Output.STDOUT,
              Pattern.compile("^party " + Pattern.quote(responder.getKey()) + " ready"),
              READY_TIMEOUT);
    }
  }

  LaunchedProcess responder(String party) {
    LaunchedProcess responder = responders.get(party);
    if (responder == null) {
      throw new IllegalStateException("no responder of party " + party + " was started");
    }
    return responder;
  }

  /**
   * {@code parley sql --conf DIR/<party>.conf --table sales=PATH --set ... -e QUERY --output CSV} as
   * {@code party}, against this federation's coordinator; waits (bounded) for it to exit.
   */
  SqlRun sql(String party, String salesPath, String query, Map<String, String> settings, Path csv, Duration timeout)
      throws InterruptedException {
    return sqlWithConf(conf(party), salesPath, query, settings, csv, timeout);
  }

  /** As {@link #sql}, with another federation's conf file (the coordinator's address is still this one's). */
  SqlRun sqlWithConf(Path conf, String salesPath, String query, Map<String, String> settings, Path csv, Duration timeout)
      throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("sql", "--conf", conf.toString(), "--table", SalesData.TABLE + "=" + salesPath));
    addSettings(args, settings);
    args.addAll(List.of("-e", query));
    if (csv != null) {
      args.addAll(List.of("--output", csv.toString()));
    }
    return run("sql-" + conf.getFileName().toString().replace(".conf", ""), args, timeout);
  }

  private void addSettings(List<String> args, Map<String, String> settings) {
    Map<String, String> all = new LinkedHashMap<>(LOCAL_SPARK);
    all.putAll(settings);
    all.put("spark.parley.coordinator", coordinatorAddress());
    all.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
  }

  /** Runs one parley command to its end, bounded by {@code timeout}. */
  SqlRun run(String name, List<String> args, Duration timeout) throws InterruptedException {
    String numbered = String.format("%02d-%s", ++runs, name);
    try (LaunchedProcess process = LaunchedProcess.start(numbered, Commands.parley(args), Commands.parleyEnvironment(), logs)) {
      long started = System.nanoTime();
      int exit = process.awaitExit(timeout);
      return new SqlRun(exit, process.stdoutLines(), process.stderrLines(), process.logs(), Duration.ofNanos(System.nanoTime() - started));
    }
  }

  @Override
  public void close() {
    responders.values().forEach(LaunchedProcess::signalStop);
    responders.values().forEach(LaunchedProcess::close);
    if (coordinator != null) {
      coordinator.close();
    }
  }
}
