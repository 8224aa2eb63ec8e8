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
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An input party (a data owner outside the three compute parties) sends each compute party its
 * replicated pair over their sealed channel; the compute parties compute on those shares with
 * their own inputs and open exactly the pooled values.
 */
class InputPartyTest {
  private static final List<String> COMPUTE = List.of("alpha", "beta", "gamma");
  private static final String INPUT = "delta";

  private static SecretBytes key(long seed) {
    byte[] key = new byte[32];
    Drbg.seeded(seed).nextBytes(key);
    return SecretBytes.of(key);
  }

  /** Compute party {@code party}'s view: relay keys with the other two and with delta. */
  private static SessionNetworks computeView(String session, int party) {
    SecretBytes[] keys = new SecretBytes[3];
    for (int peer = 0; peer < 3; peer++) {
      if (peer != party) {
        keys[peer] = key(100 + 10L * Math.min(party, peer) + Math.max(party, peer));
      }
    }
    return new SessionNetworks(session, COMPUTE, COMPUTE.get(party), keys, List.of(INPUT),
        new SecretBytes[] {key(200 + party)});
  }

  private static InputNetworks inputView(String session) {
    return new InputNetworks(session, COMPUTE, INPUT, new SecretBytes[] {key(200), key(201), key(202)});
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  @Test
  void anInputPartysValuesJoinTheComputePartiesSums() throws Exception {
    MemoryRelay relay = new MemoryRelay(4);
    long[] outside = ArithmeticSharingTest.random(31, 40);
    outside[0] = Long.MIN_VALUE;
    outside[1] = -1;
    long[] inside = ArithmeticSharingTest.random(32, 40);
    long[] flags = ArithmeticSharingTest.random(33, 40);
    InputNetworks sender = roundTrip(inputView("s-1"));
    byte[][] arithmetic = ReplicatedParty.externalInputMessages(outside, Drbg.seeded(34));
    byte[][] bool = ReplicatedParty.externalBooleanInputMessages(flags, Drbg.seeded(35));
    for (int party = 0; party < 3; party++) {
      // What one compute party receives: two words per value, neither the value itself.
      long[] pair = ReplicatedParty.receiveExternalInput(arithmetic[party], outside.length).own();
      assertFalse(Arrays.equals(outside, pair));
      Network channel = sender.channel(relay.as(INPUT), party, "share-input", 0, Drbg.seeded(36 + party));
      int peer = InputChannels.peerId(INPUT, COMPUTE.get(party));
      channel.send(peer, arithmetic[party]);
      channel.send(peer, bool[party]);
    }
    List<long[][]> opened = ThreeParties.runOnNetworks(
        inMemory -> inMemory,
        inMemory -> {
          int party = inMemory.myId();
          SessionNetworks view = roundTrip(computeView("s-1", party));
          ReplicatedParty engine = ReplicatedParty.connect(inMemory, Drbg.seeded(40 + party));
          Network channel = view.inputChannel(relay.as(COMPUTE.get(party)), 0, "share-input", 0, Drbg.seeded(50 + party));
          int peer = InputChannels.peerId(COMPUTE.get(party), INPUT);
          ArithmeticShares theirs = ReplicatedParty.receiveExternalInput(channel.receive(peer), outside.length);
          BooleanShares theirFlags = ReplicatedParty.receiveExternalBooleanInput(channel.receive(peer), flags.length);
          ArithmeticShares ours = ThreeParties.input(engine, 1, inside);
          return new long[][] {
              ThreeParties.openAll(engine, engine.add(theirs, ours)),
              ThreeParties.openAll(engine, theirFlags)};
        });
    long[] sums = new long[outside.length];
    for (int k = 0; k < sums.length; k++) {
      sums[k] = outside[k] + inside[k];
    }
    for (long[][] result : opened) {
      assertArrayEquals(sums, result[0]);
      assertArrayEquals(flags, result[1]);
    }
  }

  @Test
  void malformedOrMisdirectedInputsAreRefused() {
    byte[][] messages = ReplicatedParty.externalInputMessages(new long[] {1, 2, 3}, Drbg.seeded(60));
    assertEquals(3, ReplicatedParty.externalInputLength(messages[0], false));
    String length = assertThrows(ParleyException.class,
        () -> ReplicatedParty.receiveExternalInput(messages[0], 4)).getMessage();
    assertTrue(length.contains("an input party sent 3 values where 4 were expected"), length);
    String kind = assertThrows(ParleyException.class,
        () -> ReplicatedParty.receiveExternalBooleanInput(messages[1], 3)).getMessage();
    assertTrue(kind.contains("not a version-1 boolean input message"), kind);
    String truncated = assertThrows(ParleyException.class,
        () -> ReplicatedParty.receiveExternalInput(Arrays.copyOf(messages[2], messages[2].length - 1), 3)).getMessage();
    assertTrue(truncated.contains("announces 3 values but has"), truncated);

    // A channel of another session (or an engine network's context) does not open.
    MemoryRelay relay = new MemoryRelay(4);
    inputView("s-2").channel(relay.as(INPUT), 1, "share-input", 0, Drbg.seeded(61))
        .send(InputChannels.peerId(INPUT, "beta"), messages[1]);
    Network receiver = computeView("s-other", 1).inputChannel(relay.as("beta"), 0, "share-input", 0, Drbg.seeded(62));
    String sealed = assertThrows(ParleyException.class,
        () -> receiver.receive(InputChannels.peerId("beta", INPUT))).getMessage();
    assertTrue(sealed.contains("failed authentication"), sealed);
  }

  @Test
  void anInputPartysViewHoldsAKeyForEachComputePartyAndHidesThem() throws Exception {
    InputNetworks copy = roundTrip(inputView("s-3"));
    assertEquals("InputNetworks[s-3, input party delta for [alpha, beta, gamma], keys redacted]", copy.toString());
    String computing = assertThrows(ParleyException.class,
        () -> new InputNetworks("s-3", COMPUTE, "alpha", new SecretBytes[] {key(1), key(2), key(3)})).getMessage();
    assertTrue(computing.contains("this party not among them"), computing);
    assertEquals(List.of(INPUT), roundTrip(computeView("s-3", 0)).inputParties());
  }
}
