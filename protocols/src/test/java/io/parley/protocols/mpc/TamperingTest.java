package io.parley.protocols.mpc;

import static io.parley.protocols.mpc.ThreeParties.input;
import static io.parley.protocols.mpc.ThreeParties.openAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.SecretBytes;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Party 0 misbehaves towards party 2. Party 0's messages to party 2 are, in order: 0 its PRF key,
 * 1 the third share of its input, 2 and 3 its shares of two products.
 */
class TamperingTest {
  private static final long[] VALUES = {3, -4, Long.MAX_VALUE, 0, 17};
  private static final int CHEATER = 0;
  private static final int VICTIM = 2;

  /** Shares, squares twice and opens. */
  private static final ThreeParties.PartyTask<long[]> SQUARE_TWICE =
      p -> {
        ArithmeticShares x = input(p, 0, VALUES);
        ArithmeticShares square = p.multiply(x, x);
        return openAll(p, p.multiply(square, square));
      };

  private static UnaryOperator<Network> cheat(TamperingNetwork.Tamperer tamperer) {
    return network ->
        network.myId() == CHEATER ? new TamperingNetwork(network, tamperer) : network;
  }

  private static UnaryOperator<Network> sealed(String session, TamperingNetwork.Tamperer tamperer) {
    return network -> {
      Network below = cheat(tamperer).apply(network);
      SecretBytes[] keys = new SecretBytes[3];
      for (int peer = 0; peer < 3; peer++) {
        byte[] key = new byte[32];
        Drbg.seeded(10 * Math.min(network.myId(), peer) + Math.max(network.myId(), peer))
            .nextBytes(key);
        keys[peer] = SecretBytes.of(key);
      }
      byte[] context = (session + "/partition-0").getBytes(StandardCharsets.UTF_8);
      return new SealedNetwork(below, keys, context, Drbg.seeded(500 + network.myId()));
    };
  }

  private static final TamperingNetwork.Tamperer HONEST = (to, index, message) -> message;

  @Test
  void honestRunsOpenTheRightValuesWithAndWithoutSealing() {
    long[] expected = new long[VALUES.length];
    for (int k = 0; k < VALUES.length; k++) {
      expected[k] = VALUES[k] * VALUES[k] * VALUES[k] * VALUES[k];
    }
    assertArrayEquals(expected, ThreeParties.run(1, cheat(HONEST), SQUARE_TWICE).get(VICTIM));
    assertArrayEquals(
        expected, ThreeParties.run(1, sealed("s1", HONEST), SQUARE_TWICE).get(VICTIM));
  }

  @Test
  void aReplayedMessageIsRejectedBySequenceNumber() {
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () -> ThreeParties.run(2, cheat(TamperingNetwork.replay(VICTIM, 2)), SQUARE_TWICE));
    assertEquals(
        "message from party 0 to party 2 has sequence number 2 but 3 was expected: a replayed,"
            + " reordered or lost message; aborting",
        e.getMessage());
  }

  @Test
  void aTruncatedMessageIsRejectedByLength() {
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () ->
                ThreeParties.run(
                    3, cheat(TamperingNetwork.truncate(VICTIM, 2, 8)), SQUARE_TWICE));
    assertEquals(
        "message from party 0 to party 2 (MULTIPLY #2) declares a 40-byte payload but carries 32"
            + " bytes",
        e.getMessage());
  }

  @Test
  void anAlteredPayloadFailsAuthentication() {
    // The envelope alone cannot see a flipped payload bit (semi-honest: nothing to check it
    // against); the end-to-end seal can, and the altered share is never used.
    int payloadByte = 12 + Envelope.HEADER_BYTES + 3; // after the GCM nonce and the header
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () ->
                ThreeParties.run(
                    4,
                    sealed("s4", TamperingNetwork.flipBit(VICTIM, 2, payloadByte, 5)),
                    SQUARE_TWICE));
    assertEquals(
        "message 2 from party 0 to party 2 failed authentication: it was altered, replayed,"
            + " reordered or belongs to another session; aborting without using it",
        e.getMessage());
  }

  @Test
  void aReplayedSealedMessageFailsAuthentication() {
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () -> ThreeParties.run(5, sealed("s5", TamperingNetwork.replay(VICTIM, 2)), SQUARE_TWICE));
    assertTrue(
        e.getMessage().startsWith("message 3 from party 0 to party 2 failed authentication"),
        e.getMessage());
  }

  @Test
  void aMessageFromAnotherSessionFailsAuthentication() {
    UnaryOperator<Network> mixed =
        network ->
            sealed(network.myId() == CHEATER ? "other-session" : "s6", HONEST).apply(network);
    ParleyException e =
        assertThrows(ParleyException.class, () -> ThreeParties.run(6, mixed, SQUARE_TWICE));
    assertTrue(e.getMessage().contains("failed authentication"), e.getMessage());
  }
}
