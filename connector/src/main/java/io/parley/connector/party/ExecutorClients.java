package io.parley.connector.party;

import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.TlsMaterial;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator clients of one executor JVM: one per coordinator address and TLS material, made
 * by the first task that needs it and reused by every later task (opening a TLS channel per task
 * would cost tens of milliseconds each). Keyed by value, so parties sharing a JVM in tests each get
 * their own.
 */
public final class ExecutorClients {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorClients.class);
  private static final Map<Endpoint, CoordinatorClient> CLIENTS = new ConcurrentHashMap<>();

  private ExecutorClients() {}

  /** The client for {@code coordinator} as the party of {@code tls}, connecting on first use. */
  public static CoordinatorClient get(String coordinator, TlsMaterial tls, Duration callTimeout) {
    return CLIENTS.computeIfAbsent(
        new Endpoint(coordinator, tls, callTimeout),
        endpoint -> {
          LOG.info("executor connects to coordinator {} as party {}", coordinator, tls.partyName());
          return CoordinatorClient.connect(coordinator, tls, callTimeout);
        });
  }

  /** How many clients this JVM holds (tests check reuse). */
  public static int size() {
    return CLIENTS.size();
  }

  /** Closes every client of this JVM; later tasks connect again. */
  public static void closeAll() {
    for (Endpoint endpoint : CLIENTS.keySet()) {
      CoordinatorClient client = CLIENTS.remove(endpoint);
      if (client != null) {
        try {
          client.close();
        } catch (Exception e) {
          LOG.warn("closing an executor's coordinator client failed: {}", e.toString());
        }
      }
    }
  }

  private record Endpoint(String coordinator, TlsMaterial tls, Duration callTimeout) {
    Endpoint {
      Objects.requireNonNull(coordinator, "coordinator");
      Objects.requireNonNull(tls, "tls");
      Objects.requireNonNull(callTimeout, "callTimeout");
    }

    /** Never the key: the record's generated toString would print the TLS material's. */
    @Override
    public String toString() {
      return "Endpoint[" + coordinator + " as " + tls.partyName() + "]";
    }
  }
}
