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
    return join(keyExchange, client, sessionId, computeParties, computeParties, computationDigest, length);
  }

  /**
   * Joins MPC session {@code sessionId} whose participants are the three {@code computeParties}
   * and, besides them, input parties (data owners that share inputs without computing; see {@link
   * InputSession}). Returns once every participant joined and their signed keys checked out; this
   * party keeps a relay key with each other compute party and with each input party.
   *
   * @param participants every participant, as the invitation (or the session's creation) named them
   */
  public static ComputeSession join(
      SessionKeyExchange keyExchange, CoordinatorClient client, String sessionId, List<String> participants,
      List<String> computeParties, byte[] computationDigest, long length) {
    List<String> compute = computeParties.stream().sorted().toList();
    if (compute.size() != ReplicatedParty.PARTIES || compute.stream().distinct().count() != ReplicatedParty.PARTIES
        || !participants.containsAll(compute)) {
      throw new ParleyException("an MPC session has exactly " + ReplicatedParty.PARTIES
          + " distinct compute parties among its participants, not " + computeParties);
    }
    PairwiseSecrets secrets = keyExchange.join(client, sessionId, participants, computationDigest, length);
    if (!compute.contains(secrets.self())) {
      secrets.destroy();
      throw new ParleyException("party " + secrets.self() + " is not a compute party of session " + sessionId);
    }
    SecretBytes[] keys = new SecretBytes[compute.size()];
    for (int party = 0; party < compute.size(); party++) {
      if (!compute.get(party).equals(secrets.self())) {
        keys[party] = secrets.relayKey(compute.get(party));
      }
    }
    List<String> inputs = secrets.participants().stream().filter(p -> !compute.contains(p)).toList();
    SecretBytes[] inputKeys = new SecretBytes[inputs.size()];
    for (int input = 0; input < inputs.size(); input++) {
      inputKeys[input] = secrets.relayKey(inputs.get(input));
    }
    secrets.destroy();
    return new ComputeSession(client,
        new SessionNetworks(sessionId, compute, secrets.self(), keys, inputs, inputKeys));
  }

  /** The session's input parties, sorted (empty when every participant computes). */
  public List<String> inputParties() {
    return networks.inputParties();
  }

  /** The sealed channel with input party {@code inputParty} (index in {@link #inputParties()}). */
  public Network inputChannel(int inputParty, String operation, int partition, SecureRandom random) {
    return networks.inputChannel(client, inputParty, operation, partition, random);
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
