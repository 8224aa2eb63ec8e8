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
 * What an input party's Spark executors need to send shares to the three compute parties of one
 * MPC session: the session id, the sorted compute parties, this party's name and its relay key
 * with each compute party. {@link InputSession#networks()} hands it out; each task opens its
 * channels ({@link InputChannels}) over the executor JVM's own coordinator client.
 *
 * <p>Serializable for the party's own executors only: it holds the relay keys (in {@link
 * SecretBytes}) and travels in task closures inside the party's cluster, like {@link
 * SessionNetworks}. Never deserialize one that another party sent.
 */
public final class InputNetworks implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String sessionId;
  private final List<String> computeParties;
  private final String self;
  private final SecretBytes[] relayKeys;

  InputNetworks(String sessionId, List<String> computeParties, String self, SecretBytes[] relayKeys) {
    this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
    this.computeParties = List.copyOf(computeParties);
    this.self = Objects.requireNonNull(self, "self");
    this.relayKeys = relayKeys.clone();
    check();
  }

  private void check() {
    if (computeParties.size() != ReplicatedParty.PARTIES || computeParties.contains(self)
        || relayKeys.length != ReplicatedParty.PARTIES) {
      throw new ParleyException("an input party's networks need the 3 compute parties, this party not among them,"
          + " and a relay key for each; got " + computeParties + " for " + self);
    }
    for (int party = 0; party < relayKeys.length; party++) {
      if (relayKeys[party] == null) {
        throw new ParleyException("no relay key for compute party " + computeParties.get(party));
      }
    }
  }

  public String sessionId() {
    return sessionId;
  }

  /** The compute parties, sorted; position = engine id. */
  public List<String> computeParties() {
    return computeParties;
  }

  /** This input party's name. */
  public String self() {
    return self;
  }

  /** The sealed channel to compute party {@code computeParty} (engine id) for {@code operation} at {@code partition}. */
  public Network channel(RelayNetwork.Relay relay, int computeParty, String operation, int partition,
      SecureRandom random) {
    return InputChannels.open(relay, sessionId, self, computeParties.get(computeParty), relayKeys[computeParty],
        operation, partition, random);
  }

  /** As {@link #channel(RelayNetwork.Relay, int, String, int, SecureRandom)}, through {@code client}. */
  public Network channel(CoordinatorClient client, int computeParty, String operation, int partition,
      SecureRandom random) {
    return channel(RelayNetwork.through(client, sessionId), computeParty, operation, partition, random);
  }

  /** Aborts the session through {@code client} (best effort). */
  public void abort(CoordinatorClient client, String reason) {
    client.abort(sessionId, reason);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (sessionId == null || computeParties == null || self == null || relayKeys == null) {
      throw new InvalidObjectException("InputNetworks without its session, parties or keys");
    }
    try {
      check();
    } catch (ParleyException e) {
      throw new InvalidObjectException(e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "InputNetworks[" + sessionId + ", input party " + self + " for " + computeParties + ", keys redacted]";
  }
}
