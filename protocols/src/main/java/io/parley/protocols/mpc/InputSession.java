package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.crypto.SecretBytes;
import io.parley.protocols.session.PairwiseSecrets;
import io.parley.protocols.session.SessionKeyExchange;
import java.security.SecureRandom;
import java.util.List;

/**
 * An input party's place in an MPC session: a participant that holds data but does not compute.
 * It joins like the compute parties (signed X25519 keys, checked roster), keeps the relay key it
 * shares with each compute party, {@code HKDF(s_ij, "parley/v1/relay")}, and sends them its inputs
 * as replicated shares ({@link ReplicatedParty#externalInputMessages}) over sealed two-party
 * channels ({@link InputChannels}). It never receives a share or a result.
 */
public final class InputSession {
  private final CoordinatorClient client;
  private final InputNetworks networks;

  private InputSession(CoordinatorClient client, InputNetworks networks) {
    this.client = client;
    this.networks = networks;
  }

  /**
   * Joins MPC session {@code sessionId} as an input party and returns once every participant
   * joined and their signed keys checked out.
   *
   * @param participants every participant of the session (compute and input parties)
   * @param computeParties the session's three compute parties, this party not among them
   */
  public static InputSession join(SessionKeyExchange keyExchange, CoordinatorClient client, String sessionId,
      List<String> participants, List<String> computeParties, byte[] computationDigest, long length) {
    List<String> compute = computeParties.stream().sorted().toList();
    if (compute.size() != ReplicatedParty.PARTIES || compute.stream().distinct().count() != ReplicatedParty.PARTIES
        || !participants.containsAll(compute)) {
      throw new ParleyException("an MPC session has exactly " + ReplicatedParty.PARTIES
          + " distinct compute parties among its participants, not " + computeParties);
    }
    PairwiseSecrets secrets = keyExchange.join(client, sessionId, participants, computationDigest, length);
    if (compute.contains(secrets.self())) {
      secrets.destroy();
      throw new ParleyException("party " + secrets.self() + " is a compute party of session " + sessionId
          + ", not an input party");
    }
    SecretBytes[] keys = new SecretBytes[compute.size()];
    for (int party = 0; party < compute.size(); party++) {
      keys[party] = secrets.relayKey(compute.get(party));
    }
    secrets.destroy();
    return new InputSession(client, new InputNetworks(sessionId, compute, secrets.self(), keys));
  }

  public String sessionId() {
    return networks.sessionId();
  }

  /** The compute parties, sorted; position = engine id. */
  public List<String> computeParties() {
    return networks.computeParties();
  }

  /** What this party's executors need to send shares (Serializable; carries the relay keys). */
  public InputNetworks networks() {
    return networks;
  }

  /** The sealed channel to compute party {@code computeParty} for {@code operation} at {@code partition}. */
  public Network channel(int computeParty, String operation, int partition, SecureRandom random) {
    return networks.channel(client, computeParty, operation, partition, random);
  }

  /** This party is done: it relays nothing more. */
  public void finish() {
    client.finish(networks.sessionId());
  }

  /** Aborts the session for everyone (best effort). */
  public void abort(String reason) {
    client.abort(networks.sessionId(), reason);
  }

  @Override
  public String toString() {
    return "InputSession[" + networks.sessionId() + ", input party " + networks.self() + " for "
        + networks.computeParties() + ", keys redacted]";
  }
}
