package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.crypto.SecretBytes;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;

/**
 * What a Spark executor needs to open the sealed networks of one compute party in one MPC session:
 * the session id, the sorted compute parties, this party's name and its relay keys with the other
 * two. A {@link ComputeSession} hands it out ({@link ComputeSession#networks()}); each partition
 * task then builds its network over the executor JVM's own coordinator client:
 *
 * <pre>
 * SealedNetwork(RelayNetwork(client, operation, partition), relay keys, "parley/v1/mpc-context" | session | operation | partition)
 * </pre>
 *
 * exactly as the driver's {@link ComputeSession#network} does, so driver and executors may use
 * distinct (operation, partition) pairs of one session.
 *
 * <p>Serializable because a party's executors open these networks: it holds session secrets (the
 * relay keys, in {@link SecretBytes}) and travels only inside the party's own cluster, in task
 * closures. Enable Spark's RPC encryption ({@code spark.network.crypto.enabled}) there, as for
 * {@link io.parley.protocols.aggregation.MaskPlan}. Never deserialize one that another party sent.
 */
public final class SessionNetworks implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String sessionId;
  private final List<String> parties;
  private final String self;
  private final SecretBytes[] relayKeys;
  private final List<String> inputParties;
  private final SecretBytes[] inputKeys;

  /**
   * @param parties the three compute parties, sorted (engine ids are positions)
   * @param relayKeys {@code relayKeys[j]}: the 32-byte relay key shared with party {@code j}; null
   *     at this party's own position
   */
  SessionNetworks(String sessionId, List<String> parties, String self, SecretBytes[] relayKeys) {
    this(sessionId, parties, self, relayKeys, List.of(), new SecretBytes[0]);
  }

  /**
   * As {@link #SessionNetworks(String, List, String, SecretBytes[])}, with the session's input
   * parties (sorted) and {@code inputKeys[i]}, the relay key shared with input party {@code i}.
   */
  SessionNetworks(String sessionId, List<String> parties, String self, SecretBytes[] relayKeys,
      List<String> inputParties, SecretBytes[] inputKeys) {
    this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
    this.parties = List.copyOf(parties);
    this.self = Objects.requireNonNull(self, "self");
    this.relayKeys = relayKeys.clone();
    this.inputParties = List.copyOf(inputParties);
    this.inputKeys = inputKeys.clone();
    check();
  }

  private void check() {
    if (parties.size() != ReplicatedParty.PARTIES || !parties.contains(self)
        || relayKeys.length != parties.size()) {
      throw new ParleyException("an MPC session's networks need the 3 compute parties, this party among them, and"
          + " a relay key for each other one; got parties " + parties + " for " + self);
    }
    for (int party = 0; party < relayKeys.length; party++) {
      if (!parties.get(party).equals(self) && relayKeys[party] == null) {
        throw new ParleyException("no relay key for compute party " + parties.get(party));
      }
    }
    if (inputKeys.length != inputParties.size()) {
      throw new ParleyException("an MPC session's networks need one relay key per input party " + inputParties);
    }
    for (int input = 0; input < inputKeys.length; input++) {
      if (inputKeys[input] == null || parties.contains(inputParties.get(input))) {
        throw new ParleyException("input party " + inputParties.get(input) + " is a compute party or has no relay key");
      }
    }
  }

  /**
   * The session's input parties, sorted: parties that share inputs with the compute parties
   * without computing (empty when every data party computes).
   */
  public List<String> inputParties() {
    return inputParties;
  }

  /**
   * The sealed two-party channel between this compute party and input party {@code inputParty}
   * (an index in {@link #inputParties()}) for {@code operation} at {@code partition}; see {@link
   * InputChannels}.
   */
  public Network inputChannel(RelayNetwork.Relay relay, int inputParty, String operation, int partition,
      SecureRandom random) {
    return InputChannels.open(relay, sessionId, self, inputParties.get(inputParty), inputKeys[inputParty], operation,
        partition, random);
  }

  /** As {@link #inputChannel(RelayNetwork.Relay, int, String, int, SecureRandom)}, through {@code client}. */
  public Network inputChannel(CoordinatorClient client, int inputParty, String operation, int partition,
      SecureRandom random) {
    return inputChannel(RelayNetwork.through(client, sessionId), inputParty, operation, partition, random);
  }

  public String sessionId() {
    return sessionId;
  }

  /** The compute parties, sorted; a party's engine id is its position. */
  public List<String> parties() {
    return parties;
  }

  /** This party's name. */
  public String self() {
    return self;
  }

  /** This party's engine id. */
  public int partyId() {
    return parties.indexOf(self);
  }

  /** The sealed network for {@code operation} at {@code partition}, through {@code client} (this executor's). */
  public Network network(CoordinatorClient client, String operation, int partition, SecureRandom random) {
    return network(RelayNetwork.through(client, sessionId), operation, partition, random);
  }

  /** As {@link #network(CoordinatorClient, String, int, SecureRandom)}, over {@code relay} (tests interpose here). */
  public Network network(RelayNetwork.Relay relay, String operation, int partition, SecureRandom random) {
    Objects.requireNonNull(random, "random");
    RelayNetwork relayed =
        new RelayNetwork(relay, parties, self, operation, partition, RelayNetwork.DEFAULT_ENVELOPE_BYTES);
    return new SealedNetwork(relayed, relayKeys, ComputeSession.context(sessionId, operation, partition), random);
  }

  /** Aborts the session for all three through {@code client} (best effort), so the others stop waiting at once. */
  public void abort(CoordinatorClient client, String reason) {
    client.abort(sessionId, reason);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (sessionId == null || parties == null || self == null || relayKeys == null || inputParties == null
        || inputKeys == null) {
      throw new InvalidObjectException("SessionNetworks without its session, parties or keys");
    }
    try {
      check();
    } catch (ParleyException e) {
      throw new InvalidObjectException(e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "SessionNetworks[" + sessionId + ", " + self + " of " + parties + ", keys redacted]";
  }
}
