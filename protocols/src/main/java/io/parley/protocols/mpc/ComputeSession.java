package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.crypto.SecretBytes;
import io.parley.protocols.session.PairwiseSecrets;
import io.parley.protocols.session.SessionKeyExchange;
import java.security.SecureRandom;
import java.util.List;

/**
 * One compute party's place in an MPC session of the coordinator: it joins through {@link
 * SessionKeyExchange} (signed X25519 keys, checked roster), derives the relay key it shares with
 * each other compute party, {@code HKDF(s_ij, "parley/v1/relay")}, and hands out end-to-end
 * sealed networks, one per operation and partition:
 *
 * <pre>
 * SealedNetwork(RelayNetwork(client), relay keys, context = "parley/v1/mpc-context" | session | operation | partition)
 * </pre>
 *
 * Party ids are positions in the sorted list of the three compute parties. Each (operation,
 * partition) pair must be used for one network only: its tags and its sealing counters start at 0.
 */
public final class ComputeSession {
  private final CoordinatorClient client;
  private final SessionNetworks networks;

  private ComputeSession(CoordinatorClient client, SessionNetworks networks) {
    this.client = client;
    this.networks = networks;
  }

  /**
   * Joins MPC session {@code sessionId} and returns once all three compute parties joined and
   * their signed keys checked out.
   *
   * @param computeParties the session's three participants (from the invitation or the creation)
   * @param computationDigest SHA-256 of what this party derived from the query (the coordinator
   *     checks that all three agree)
   * @param length the batch length this party derived (checked for equality as well)
   */
  public static ComputeSession join(
      SessionKeyExchange keyExchange, CoordinatorClient client, String sessionId, List<String> computeParties,
      byte[] computationDigest, long length) {
    if (computeParties.size() != ReplicatedParty.PARTIES) {
      throw new ParleyException("an MPC session has exactly " + ReplicatedParty.PARTIES + " compute parties, not "
          + computeParties);
    }
    PairwiseSecrets secrets = keyExchange.join(client, sessionId, computeParties, computationDigest, length);
    List<String> sorted = secrets.participants();
    SecretBytes[] keys = new SecretBytes[sorted.size()];
    for (int party = 0; party < sorted.size(); party++) {
      if (!sorted.get(party).equals(secrets.self())) {
        keys[party] = secrets.relayKey(sorted.get(party));
      }
    }
    secrets.destroy();
    return new ComputeSession(client, new SessionNetworks(sessionId, sorted, secrets.self(), keys));
  }

  public String sessionId() {
    return networks.sessionId();
  }

  /** The compute parties, sorted; a party's engine id is its position. */
  public List<String> parties() {
    return networks.parties();
  }

  /** This party's engine id. */
  public int partyId() {
    return networks.partyId();
  }

  /**
   * What this party's Spark executors need to open this session's networks over their own
   * coordinator clients (Serializable; it carries the relay keys, so it stays in the party's own
   * cluster).
   */
  public SessionNetworks networks() {
    return networks;
  }

  /** The sealed network for {@code operation} at {@code partition}, through the coordinator. */
  public Network network(String operation, int partition, SecureRandom random) {
    return networks.network(client, operation, partition, random);
  }

  /** As {@link #network(String, int, SecureRandom)}, over {@code relay} (tests interpose here). */
  public Network network(RelayNetwork.Relay relay, String operation, int partition, SecureRandom random) {
    return networks.network(relay, operation, partition, random);
  }

  /** What every sealed message of one operation and partition is bound to. */
  static byte[] context(String sessionId, String operation, int partition) {
    return Hkdf.info("parley/v1/mpc-context", sessionId, operation,
        Integer.toString(partition));
  }

  /** This party is done: the session ends once all three finished. */
  public void finish() {
    client.finish(networks.sessionId());
  }

  /** Aborts the session for all three (best effort), so the others stop waiting at once. */
  public void abort(String reason) {
    client.abort(networks.sessionId(), reason);
  }

  @Override
  public String toString() {
    return "ComputeSession[" + networks.sessionId() + ", " + networks.self() + " of " + networks.parties()
        + ", keys redacted]";
  }
}
