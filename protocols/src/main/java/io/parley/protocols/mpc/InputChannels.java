package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.crypto.SecretBytes;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;

/**
 * The sealed two-party channel between an input party (a data owner that does not compute) and one
 * compute party of an MPC session, for one operation and partition:
 *
 * <pre>
 * SealedNetwork(RelayNetwork(relay, sorted [input party, compute party], operation, partition), pair's relay key,
 *     "parley/v1/mpc-input-context" | session | operation | partition)
 * </pre>
 *
 * Ids 0 and 1 are the two names' sorted positions. The context label differs from the engine
 * networks' ({@code "parley/v1/mpc-context"}), so a message of one kind never opens as the other;
 * relay tags cannot collide either, since an engine network never has an input party at either end.
 */
public final class InputChannels {
  private InputChannels() {}

  /** The channel between {@code self} and {@code peer} under their relay key {@code pairKey}. */
  static Network open(RelayNetwork.Relay relay, String sessionId, String self, String peer, SecretBytes pairKey,
      String operation, int partition, SecureRandom random) {
    Objects.requireNonNull(pairKey, "pairKey");
    Objects.requireNonNull(random, "random");
    if (self.equals(peer)) {
      throw new ParleyException("party " + self + " cannot open an input channel to itself");
    }
    List<String> pair = self.compareTo(peer) < 0 ? List.of(self, peer) : List.of(peer, self);
    RelayNetwork relayed = new RelayNetwork(relay, pair, self, operation, partition, RelayNetwork.DEFAULT_ENVELOPE_BYTES);
    SecretBytes[] keys = new SecretBytes[2];
    keys[pair.indexOf(peer)] = pairKey;
    return new SealedNetwork(relayed, keys, context(sessionId, operation, partition), random);
  }

  /** The peer's id on a channel opened by {@code self} with {@code peer}: 0 or 1. */
  public static int peerId(String self, String peer) {
    return self.compareTo(peer) < 0 ? 1 : 0;
  }

  static byte[] context(String sessionId, String operation, int partition) {
    return Hkdf.info("parley/v1/mpc-input-context", sessionId, operation, Integer.toString(partition));
  }
}
