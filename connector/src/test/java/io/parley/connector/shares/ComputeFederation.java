package io.parley.connector.shares;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.parley.connector.party.PartyRuntime;
import io.parley.connector.testing.FederationHarness;
import io.parley.protocols.client.Subscription;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.mpc.ComputeSession;
import io.parley.protocols.mpc.RelayNetwork;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.session.SessionKeyExchange;
import io.parley.protocols.wire.FederatedAggregate;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.SessionCreated;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Three compute parties (alpha, beta, gamma) for the percentile stage's tests and benchmark: a
 * {@link FederationHarness} on a SparkContext with enough task slots for the three parties'
 * partition tasks at once (they wait for each other), its responders stopped (this class answers
 * the MPC invitations itself), and {@link #run}, which opens an MPC session, joins the three with
 * signed keys and calls {@link PercentileStage} at the three at once.
 */
final class ComputeFederation implements AutoCloseable {
  static final List<String> PARTIES = List.of("alpha", "beta", "gamma");
  static final String SCHEMA = "grp INT, value BIGINT";

  private final FederationHarness harness;
  private final Duration timeout;
  private final Map<String, LinkedBlockingQueue<Invitation>> invitations = new HashMap<>();
  private final List<Subscription> subscriptions = new ArrayList<>();

  private ComputeFederation(FederationHarness harness, Duration timeout) {
    this.harness = harness;
    this.timeout = timeout;
  }

  /**
   * Starts the federation in {@code dir} on a new SparkContext with {@code master} (at least
   * {@code local[3 x partitions]}); fails if another SparkContext is still running.
   */
  static ComputeFederation start(Path dir, String master, Duration timeout) throws IOException {
    // The harness reuses this context: its own local[2] could not run the parties' tasks at once.
    SparkSession base =
        SparkSession.builder()
            .master(master)
            .appName("ComputeFederation")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString())
            .config("spark.sql.extensions", "io.parley.connector.ParleyExtensions")
            .config("spark.sql.catalog.parley", "io.parley.connector.catalog.ParleyCatalog")
            .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .config("spark.kryo.registrator", "io.parley.connector.serde.ParleyKryoRegistrator")
            // The stage's shuffled and collected records need no registration of their own.
            .config("spark.kryo.registrationRequired", "true")
            .getOrCreate();
    assertEquals(master, base.sparkContext().master(), "another Spark context is still running");
    Map<String, Path> parts = new LinkedHashMap<>();
    for (String party : PARTIES) {
      parts.put(party, Files.writeString(dir.resolve(party + ".csv"), "grp,value\n"));
    }
    FederationHarness harness =
        FederationHarness.start(dir, Map.of("readings", SCHEMA), Map.of("readings", parts));
    ComputeFederation federation = new ComputeFederation(harness, timeout);
    for (String party : PARTIES) {
      harness.stopResponder(party);
      LinkedBlockingQueue<Invitation> queue = new LinkedBlockingQueue<>();
      federation.invitations.put(party, queue);
      federation.subscriptions.add(federation.runtime(party).client().subscribe(queue::add, error -> { }));
    }
    return federation;
  }

  FederationHarness harness() {
    return harness;
  }

  SparkSession session(String party) {
    return harness.session(party);
  }

  PartyRuntime runtime(String party) {
    return PartyRuntime.of(harness.session(party));
  }

  /** Executors' randomness seeded per (party, operation, partition), so a failing run reproduces. */
  static class SeededTasks implements PercentileStage.TaskEnvironment {
    private static final long serialVersionUID = 1L;
    private final long seed;

    SeededTasks(long seed) {
      this.seed = seed;
    }

    @Override
    public SecureRandom random(String party, String operation, int partition) {
      return Drbg.seeded((seed + "/" + party + "/" + operation + "/" + partition).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public RelayNetwork.Relay relay(RelayNetwork.Relay coordinator, String party, String operation, int partition) {
      return coordinator;
    }
  }

  static Map<String, PercentileStage.TaskEnvironment> seeded(long seed) {
    Map<String, PercentileStage.TaskEnvironment> environments = new HashMap<>();
    for (String party : PARTIES) {
      environments.put(party, new SeededTasks(seed));
    }
    return environments;
  }

  /** What one party's driver got: its result, or its failure. */
  record Outcome(List<GroupPercentiles> result, Throwable failure) {
    List<GroupPercentiles> orFail(String party) {
      if (failure != null) {
        throw new AssertionError("party " + party + " failed", failure);
      }
      return result;
    }
  }

  /**
   * Opens an MPC session (alpha creates it), lets the three parties join with signed keys and
   * runs the stage at the three at once on {@code values} (each party's, in its own session);
   * each party finishes the session after a success.
   */
  Map<String, Outcome> run(
      Map<String, Dataset<Row>> values, int groupCount, double[] percentiles, int partitions, int resultParty,
      String operation, Map<String, PercentileStage.TaskEnvironment> environments) throws Exception {
    FederatedAggregate query =
        FederatedAggregate.newBuilder().setVersion(1).setTable("readings").setDescription(operation).build();
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(query.toByteArray());
    SessionCreated created = runtime("alpha").client().createMpcSession(query, PARTIES, timeout);
    String sessionId = created.getSessionId();
    Map<String, List<String>> participants = new HashMap<>();
    participants.put("alpha", created.getParticipantsList());
    for (String party : PARTIES.subList(1, 3)) {
      Invitation invitation = invitations.get(party).poll(20, TimeUnit.SECONDS);
      assertNotNull(invitation, "party " + party + " was not invited");
      assertEquals(sessionId, invitation.getSessionId());
      participants.put(party, invitation.getParticipantsList());
    }
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Map<String, Future<Outcome>> futures = new LinkedHashMap<>();
      for (String party : PARTIES) {
        futures.put(party, pool.submit(() -> {
          PartyRuntime runtime = runtime(party);
          TlsMaterial tls = runtime.tls();
          SessionKeyExchange exchange = new SessionKeyExchange(FederationHarness.FEDERATION_NAME, tls,
              new CertificateChecker(tls.ca(), FederationHarness.FEDERATION_NAME),
              Drbg.seeded(("join/" + operation + "/" + party).getBytes(StandardCharsets.UTF_8)));
          ComputeSession session =
              ComputeSession.join(exchange, runtime.client(), sessionId, participants.get(party), digest, 1);
          try {
            List<GroupPercentiles> result = PercentileStage.run(session(party), runtime, session, values.get(party),
                groupCount, percentiles, partitions, resultParty, operation, environments.get(party));
            session.finish();
            return new Outcome(result, null);
          } catch (RuntimeException e) {
            return new Outcome(null, e);
          }
        }));
      }
      Map<String, Outcome> outcomes = new LinkedHashMap<>();
      for (Map.Entry<String, Future<Outcome>> entry : futures.entrySet()) {
        outcomes.put(entry.getKey(), entry.getValue().get(timeout.toSeconds() * 2, TimeUnit.SECONDS));
      }
      return outcomes;
    } finally {
      pool.shutdownNow();
    }
  }

  @Override
  public void close() {
    subscriptions.forEach(Subscription::close);
    harness.close();
  }
}
