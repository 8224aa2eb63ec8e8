package io.parley.jobs.process;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The child processes of a federation on this machine (demo, benchmark): one coordinator and
 * responders, each a {@code parley} JVM on loopback ports chosen at run time. Closing it stops
 * them all (SIGTERM, then SIGKILL after a bound).
 */
public final class LocalFederation implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("^coordinator listening on (\\S+):(\\d+)\\s*$");

  private final Path logs;
  private final Duration readyTimeout;
  private final PrintStream progress;
  private ChildJvm coordinator;
  private String coordinatorAddress;
  private final Map<String, ChildJvm> responders = new LinkedHashMap<>();

  public LocalFederation(Path logs, Duration readyTimeout, PrintStream progress) {
    this.logs = logs;
    this.readyTimeout = readyTimeout;
    this.progress = progress;
  }

  /** Starts the coordinator on a free loopback port and returns its {@code host:port}. */
  public String startCoordinator(String coordinatorConf, List<String> jvmOptions, List<String> extraArgs)
      throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("coordinator", "--conf", coordinatorConf, "--listen", "127.0.0.1:0"));
    args.addAll(extraArgs);
    coordinator =
        ChildJvm.startParley(
            "coordinator",
            args,
            jvmOptions,
            Map.of(),
            logs.resolve("coordinator.log"));
    Matcher listening = coordinator.awaitLine(LISTENING, readyTimeout);
    coordinatorAddress = listening.group(1) + ":" + listening.group(2);
    progress.println("coordinator listening on " + coordinatorAddress + " (pid " + coordinator.pid() + ")");
    return coordinatorAddress;
  }

  /**
   * Starts the responder of {@code party}, without waiting; {@link #awaitResponders} waits.
   *
   * @param tables federated table → local path
   * @param settings extra {@code --set} settings (the coordinator's address is added)
   */
  public void startResponder(
      String party,
      String partyConf,
      Map<String, String> tables,
      Map<String, String> settings,
      List<String> jvmOptions,
      List<String> extraArgs) {
    List<String> args = new ArrayList<>(List.of("party", "--conf", partyConf));
    args.addAll(extraArgs);
    tables.forEach((table, path) -> args.addAll(List.of("--table", table + "=" + path)));
    Map<String, String> all = new LinkedHashMap<>(settings);
    all.put("spark.parley.coordinator", coordinatorAddress());
    all.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
    responders.put(
        party,
        ChildJvm.startParley(
            "party " + party, args, jvmOptions, Map.of("SPARK_LOCAL_IP", "127.0.0.1"), logs.resolve(party + ".log")));
  }

  /**
   * Starts {@code parley helper} for compute party {@code party} (no data), without waiting; {@link
   * #awaitResponders} waits for it like for a responder.
   */
  public void startHelper(String party, String partyConf, Map<String, String> settings, List<String> jvmOptions) {
    List<String> args = new ArrayList<>(List.of("helper", "--conf", partyConf));
    Map<String, String> all = new LinkedHashMap<>(settings);
    all.put("spark.parley.coordinator", coordinatorAddress());
    all.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
    responders.put(
        party,
        ChildJvm.startParley(
            "helper " + party, args, jvmOptions, Map.of("SPARK_LOCAL_IP", "127.0.0.1"), logs.resolve(party + ".log")));
  }

  /** Waits, with the ready timeout for each, until every responder printed {@code party <p> ready}. */
  public void awaitResponders() throws InterruptedException {
    for (Map.Entry<String, ChildJvm> responder : responders.entrySet()) {
      responder.getValue().awaitLine(Pattern.compile("^party " + Pattern.quote(responder.getKey()) + " ready"), readyTimeout);
      progress.println("party " + responder.getKey() + " ready (pid " + responder.getValue().pid() + ")");
    }
  }

  public String coordinatorAddress() {
    if (coordinatorAddress == null) {
      throw new IllegalStateException("the coordinator is not started");
    }
    return coordinatorAddress;
  }

  public ChildJvm coordinator() {
    return coordinator;
  }

  public Map<String, ChildJvm> responders() {
    return Map.copyOf(responders);
  }

  /** Stops every child (responders first); safe to call again. */
  public void stopAll() {
    close();
  }

  @Override
  public void close() {
    responders.values().forEach(ChildJvm::signalStop);
    for (ChildJvm responder : responders.values()) {
      responder.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }
}
