package io.parley.connector.testing;

import io.parley.connector.party.ExecutorClients;
import io.parley.connector.party.PartyRuntime;
import io.parley.connector.party.Responder;
import io.parley.protocols.coordinator.CoordinatorConfig;
import io.parley.protocols.coordinator.CoordinatorServer;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.pki.Credentials;
import io.parley.protocols.pki.FederationCa;
import io.parley.protocols.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;

/**
 * A whole federation in one JVM for tests: a CA and certificates from seeded randomness, PEM files
 * and {@code federation.properties} in a folder, an in-process coordinator on a free loopback port
 * that keeps every message it receives, and one Spark session per party (one SparkContext,
 * {@code local[2]}, one {@code newSession()} per party with its own {@code spark.parley.*}
 * settings), each party's responder running.
 */
public final class FederationHarness implements AutoCloseable {
  public static final String FEDERATION_NAME = "harness";
  private static final long SEED = 20_260_101L;

  /** One message the coordinator received: the sender (from its certificate), the RPC and the bytes. */
  public record Received(String party, String rpc, byte[] message) {}

  private final List<String> parties;
  private final CoordinatorServer coordinator;
  private final List<Received> transcript;
  private final SparkSession base;
  private final Map<String, Map<String, String>> settings = new LinkedHashMap<>();
  private final Map<String, SparkSession> sessions = new LinkedHashMap<>();
  private final Map<String, Responder> responders = new LinkedHashMap<>();

  private FederationHarness(
      List<String> parties, CoordinatorServer coordinator, List<Received> transcript, SparkSession base) {
    this.parties = parties;
    this.coordinator = coordinator;
    this.transcript = transcript;
    this.base = base;
  }

  /**
   * Writes the federation into {@code dir}, starts the coordinator, one session per party and
   * every party's responder. The parties are those named in {@code dataByTableThenParty}, sorted.
   *
   * @param schemaByTable each federated table's Spark DDL
   * @param dataByTableThenParty per table, per party: its local part (a {@code .csv} file with a
   *     header row, or Parquet)
   */
  public static FederationHarness start(
      Path dir, Map<String, String> schemaByTable, Map<String, Map<String, Path>> dataByTableThenParty) {
    return start(dir, schemaByTable, dataByTableThenParty, List.of());
  }

  /**
   * As {@link #start(Path, Map, Map)}, with {@code federation.computeParties} set to {@code
   * computeParties} (none when empty); a compute party without data is a party too, with no local
   * part of any table.
   */
  public static FederationHarness start(
      Path dir, Map<String, String> schemaByTable, Map<String, Map<String, Path>> dataByTableThenParty,
      List<String> computeParties) {
    TreeSet<String> partyNames = new TreeSet<>(computeParties);
    dataByTableThenParty.values().forEach(byParty -> partyNames.addAll(byParty.keySet()));
    return start(dir, List.copyOf(partyNames), computeParties, 2, schemaByTable, dataByTableThenParty);
  }

  /**
   * As {@link #start(Path, Map, Map)}, with the parties named (a party may hold no table, as a
   * {@code parley helper} does), the federation's {@code federation.computeParties} (empty for none)
   * and the cores of the one local Spark context the parties share: stages whose tasks talk to the
   * same partition at the other parties need every party's tasks running at once.
   */
  public static FederationHarness start(
      Path dir, List<String> partyList, List<String> computeParties, int cores, Map<String, String> schemaByTable,
      Map<String, Map<String, Path>> dataByTableThenParty) {
    List<String> parties = List.copyOf(new TreeSet<>(partyList));
    SecureRandom random = Drbg.seeded(SEED);
    FederationCa ca = FederationCa.create(FEDERATION_NAME, random);
    Path caFile = write(dir.resolve("ca.pem"), Pem.certificate(ca.certificate()));
    StringBuilder definition = new StringBuilder();
    definition.append("federation.name=").append(FEDERATION_NAME).append('\n');
    definition.append("federation.parties=").append(String.join(",", parties)).append('\n');
    if (!computeParties.isEmpty()) {
      definition.append("federation.computeParties=").append(String.join(",", computeParties)).append('\n');
    }
    schemaByTable.forEach((table, ddl) -> definition.append("table.").append(table).append(".schema=").append(ddl).append('\n'));
    Path federationFile = write(dir.resolve("federation.properties"), definition.toString().getBytes(StandardCharsets.UTF_8));
    java.util.Properties properties = new java.util.Properties();
    try {
      properties.load(new java.io.StringReader(definition.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FederationDefinition federation = FederationDefinition.fromProperties(properties);

    Credentials coordinatorCredentials = ca.issueCoordinator(List.of("127.0.0.1", "localhost"), random);
    List<Received> transcript = Collections.synchronizedList(new ArrayList<>());
    CoordinatorServer coordinator =
        CoordinatorServer.start(
            CoordinatorConfig.of(
                federation,
                Pem.certificate(coordinatorCredentials.certificate()),
                Pem.privateKey(coordinatorCredentials.privateKey()),
                Pem.certificate(ca.certificate()),
                "127.0.0.1",
                0,
                Duration.ofMinutes(10)),
            (party, rpc, message) -> transcript.add(new Received(party, rpc, message.clone())));

    SparkSession base;
    try {
      base =
          SparkSession.builder()
              .master("local[" + cores + "]")
              .appName("FederationHarness")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString())
              .config("spark.sql.extensions", "io.parley.connector.ParleyExtensions")
              .config("spark.sql.catalog.parley", "io.parley.connector.catalog.ParleyCatalog")
              .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
              .config("spark.kryo.registrator", "io.parley.connector.serde.ParleyKryoRegistrator")
              .getOrCreate();
    } catch (RuntimeException e) {
      coordinator.close();
      throw e;
    }
    FederationHarness harness = new FederationHarness(parties, coordinator, transcript, base);
    try {
      for (String party : parties) {
        Credentials credentials = ca.issueParty(party, random);
        Path certificate = write(dir.resolve(party + ".pem"), Pem.certificate(credentials.certificate()));
        Path key = write(dir.resolve(party + ".key"), Pem.privateKey(credentials.privateKey()));
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.parley.federation", federationFile.toString());
        conf.put("spark.parley.party", party);
        conf.put("spark.parley.coordinator", coordinator.address());
        conf.put("spark.parley.tls.certificate", certificate.toString());
        conf.put("spark.parley.tls.privateKey", key.toString());
        conf.put("spark.parley.tls.ca", caFile.toString());
        conf.put("spark.parley.session.timeout", "60s");
        // Small slices: a query's vector spans several, some holding none of a party's groups.
        conf.put("spark.parley.vector.sliceElements", "64");
        dataByTableThenParty.forEach(
            (table, byParty) -> {
              Path data = byParty.get(party);
              if (data != null) {
                conf.put("spark.parley.table." + table + ".path", data.toString());
              }
            });
        harness.settings.put(party, Collections.unmodifiableMap(conf));
        harness.sessions.put(party, harness.newSession(party, Map.of()));
      }
      for (String party : parties) {
        harness.startResponder(party);
      }
    } catch (RuntimeException e) {
      harness.close();
      throw e;
    }
    return harness;
  }

  private static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<String> parties() {
    return parties;
  }

  /** The session of {@code party}, as its analyst (and its responder) use it. */
  public SparkSession session(String party) {
    SparkSession session = sessions.get(party);
    if (session == null) {
      throw new IllegalArgumentException("no party " + party + " in " + parties);
    }
    return session;
  }

  /** The {@code spark.parley.*} settings of {@code party}'s session. */
  public Map<String, String> settings(String party) {
    return settings.get(party);
  }

  /** A new session for {@code party}: its settings with {@code overrides} on top. */
  public SparkSession newSession(String party, Map<String, String> overrides) {
    SparkSession session = base.newSession();
    settings.get(party).forEach((key, value) -> session.conf().set(key, value));
    overrides.forEach((key, value) -> session.conf().set(key, value));
    return session;
  }

  /** Starts {@code party}'s responder on its session. */
  public synchronized void startResponder(String party) {
    startResponder(party, session(party));
  }

  /** Replaces {@code party}'s responder by one on {@code session} (another policy, for instance). */
  public synchronized void startResponder(String party, SparkSession session) {
    stopResponder(party);
    responders.put(party, Responder.start(session));
  }

  /** Stops {@code party}'s responder, if running: the coordinator then no longer reaches the party. */
  public synchronized void stopResponder(String party) {
    Responder running = responders.remove(party);
    if (running != null) {
      running.close();
    }
  }

  /** Every message the coordinator received so far, in arrival order. */
  public List<Received> transcript() {
    synchronized (transcript) {
      return List.copyOf(transcript);
    }
  }

  public void clearTranscript() {
    transcript.clear();
  }

  public String coordinatorAddress() {
    return coordinator.address();
  }

  @Override
  public synchronized void close() {
    for (String party : new ArrayList<>(responders.keySet())) {
      stopResponder(party);
    }
    for (SparkSession session : sessions.values()) {
      PartyRuntime.of(session).close();
    }
    ExecutorClients.closeAll();
    base.stop();
    coordinator.close();
  }
}
