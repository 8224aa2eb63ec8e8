package io.parley.protocols.mpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.SecretBytes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The executor's view of an MPC session: it survives Java serialization (what a Spark task
 * closure does to it) without showing its keys, and the networks it builds are the sealed
 * networks of the session: bound to the session id, operation and partition.
 */
class SessionNetworksTest {
  private static final List<String> PARTIES = List.of("alpha", "beta", "gamma");

  /** Pairwise relay keys from a seed, as the three parties' key exchange would give them. */
  private static SessionNetworks networksOf(String session, int party) {
    SecretBytes[] keys = new SecretBytes[3];
    for (int peer = 0; peer < 3; peer++) {
      if (peer != party) {
        byte[] key = new byte[32];
        Drbg.seeded(100 + 10L * Math.min(party, peer) + Math.max(party, peer)).nextBytes(key);
        keys[peer] = SecretBytes.of(key);
      }
    }
    return new SessionNetworks(session, PARTIES, PARTIES.get(party), keys);
  }

  private static SessionNetworks roundTrip(SessionNetworks networks) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(networks);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (SessionNetworks) in.readObject();
    }
  }

  @Test
  void itSurvivesSerializationWithItsKeysHidden() throws Exception {
    SessionNetworks networks = networksOf("s-1", 1);
    SessionNetworks copy = roundTrip(networks);
    assertEquals("s-1", copy.sessionId());
    assertEquals(PARTIES, copy.parties());
    assertEquals(1, copy.partyId());
    assertEquals("SessionNetworks[s-1, beta of [alpha, beta, gamma], keys redacted]", copy.toString());
    assertFalse(copy.toString().contains("SecretBytes"));
  }

  @Test
  void deserializedCopiesRunTheEngineTogether() {
    MemoryRelay relay = new MemoryRelay(1);
    long[] values = ArithmeticSharingTest.random(400, 501);
    List<long[]> medians =
        ThreeParties.runOnNetworks(
            inMemory -> inMemory,
            inMemory -> {
              int party = inMemory.myId();
              // What a Spark task does: a deserialized copy, the task's own relay, its partition.
              Network network = roundTrip(networksOf("s-2", party))
                  .network(relay.as(PARTIES.get(party)), "percentiles.select", 3, Drbg.seeded(410 + party));
              ReplicatedParty p = ReplicatedParty.connect(network, Drbg.seeded(420 + party), 3L << 40);
              ArithmeticShares x = ThreeParties.input(p, 2, values);
              return ThreeParties.openAll(p, p.orderStatistics(x, 250));
            });
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    assertArrayEquals(new long[] {sorted[250]}, ThreeParties.agreed(medians));
  }

  @Test
  void aPartyOfAnotherSessionCannotTalkIn() {
    MemoryRelay relay = new MemoryRelay(1);
    ParleyException e =
        assertThrows(ParleyException.class, () -> ThreeParties.runOnNetworks(
            inMemory -> inMemory,
            inMemory -> {
              int party = inMemory.myId();
              // Party 2 holds the right keys but believes it is in another session.
              String session = party == 2 ? "s-other" : "s-3";
              Network network = networksOf(session, party)
                  .network(relay.as(PARTIES.get(party)), "op", 0, Drbg.seeded(430 + party));
              return ReplicatedParty.connect(network, Drbg.seeded(440 + party)).partyId();
            }));
    assertTrue(e.getMessage().contains("failed authentication"), e.getMessage());
  }

  @Test
  void aViewWithoutAKeyIsRefused() {
    SecretBytes[] keys = {null, SecretBytes.of(new byte[32]), null};
    ParleyException e =
        assertThrows(ParleyException.class, () -> new SessionNetworks("s-4", PARTIES, "alpha", keys));
    assertEquals("no relay key for compute party gamma", e.getMessage());
  }
}
