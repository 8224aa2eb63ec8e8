package io.parley.protocols.psi;

import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.crypto.SecretBytes;
import io.parley.protocols.mpc.Network;
import io.parley.protocols.mpc.RelayNetwork;
import io.parley.protocols.mpc.SealedNetwork;
import java.io.Serializable;
import java.security.SecureRandom;
import java.util.List;

/**
 * The sealed channel of one joined {@link PsiSession}, as a value a party hands to its own Spark
 * executors: each task opens {@link #network} for its operation and partition, so many tasks at
 * each party exchange their batches through the coordinator relay at once, every message sealed
 * with AES-256-GCM under the pair's relay key and bound to {@code "parley/v1/psi-context" |
 * session | operation | partition} (a batch replayed into another operation, partition or session
 * does not open). It also derives the {@link PsiSumMasks} of the session.
 *
 * <p>Serializable so it reaches this party's executors in a task closure; never Java-deserialize
 * one from elsewhere. {@code toString} redacts the keys.
 */
public final class PsiLink implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String sessionId;
  private final List<String> parties;
  private final String self;
  private final SecretBytes[] relayKeys;
  private final SecretBytes pairSecret;

  PsiLink(String sessionId, List<String> parties, String self, SecretBytes[] relayKeys, SecretBytes pairSecret) {
    this.sessionId = sessionId;
    this.parties = List.copyOf(parties);
    this.self = self;
    this.relayKeys = relayKeys.clone();
    this.pairSecret = pairSecret;
  }

  public String sessionId() {
    return sessionId;
  }

  public String self() {
    return self;
  }

  public String peer() {
    return parties.get(0).equals(self) ? parties.get(1) : parties.get(0);
  }

  /** The peer's id in {@link #network}'s numbering (the sorted pair). */
  public int peerId() {
    return parties.indexOf(peer());
  }

  /**
   * A sealed network for one operation and partition through {@code client} (the executor's own
   * coordinator client); one message each way per operation, partition and direction is the
   * intended use, since each side numbers its messages from 0.
   *
   * @param random the source of GCM nonces
   */
  public Network network(CoordinatorClient client, String operation, int partition, SecureRandom random) {
    RelayNetwork relayed = new RelayNetwork(RelayNetwork.through(client, sessionId), parties, self, operation,
        partition, RelayNetwork.DEFAULT_ENVELOPE_BYTES);
    return new SealedNetwork(relayed, relayKeys, PsiSession.context(sessionId, operation, partition), random);
  }

  /** The payload and output masks of a sum in {@code domain} (which must name this session). */
  public PsiSumMasks sumMasks(PsiDomain domain) {
    if (!domain.session().equals(sessionId)) {
      throw new IllegalArgumentException("the PSI domain names session " + domain.session() + ", not " + sessionId);
    }
    return PsiSumMasks.derive(pairSecret, domain);
  }

  @Override
  public String toString() {
    return "PsiLink[" + sessionId + ", " + self + " of " + parties + ", keys redacted]";
  }
}
