package io.parley.protocols.mpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.SecretBytes;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * {@link SealedNetwork} seals a message in frames of {@link SealedNetwork#FRAME_BYTES}: messages of
 * every size around the frame boundaries arrive intact, and frames dropped, swapped or cut off
 * make the receive fail.
 */
class SealedFramesTest {
  private static final int FRAME = SealedNetwork.FRAME_BYTES;
  private static final int SEALED_FRAME = FRAME + 28;

  /** Party 0 sends {@code message} to party 1 through {@code below}, sealed; returns what 1 opened. */
  private static byte[] sendThrough(byte[] message, UnaryOperator<byte[]> tamper) {
    InMemoryNetwork[] endpoints = InMemoryNetwork.create(2, 4, Duration.ofSeconds(5));
    SecretBytes key = SecretBytes.of(new byte[32]);
    byte[] context = "session|op|0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Network tampering = new TamperingNetwork(endpoints[0], (to, index, sealed) -> tamper.apply(sealed));
    SealedNetwork sender = new SealedNetwork(tampering, new SecretBytes[] {null, key}, context, Drbg.seeded(1));
    SealedNetwork receiver = new SealedNetwork(endpoints[1], new SecretBytes[] {key, null}, context, Drbg.seeded(2));
    sender.send(1, message.clone());
    return receiver.receive(0);
  }

  @Test
  void messagesOfEverySizeAroundTheFramesArriveIntact() {
    for (int length : new int[] {0, 1, FRAME - 1, FRAME, FRAME + 1, 3 * FRAME, 3 * FRAME + 5}) {
      byte[] message = new byte[length];
      Drbg.seeded(length).nextBytes(message);
      assertArrayEquals(message, sendThrough(message, UnaryOperator.identity()), length + " bytes");
    }
  }

  @Test
  void framesDroppedSwappedOrCutFailAuthentication() {
    byte[] message = new byte[3 * FRAME + 100];
    String expected = "message 0 from party 0 to party 1 failed authentication: it was altered, replayed, reordered"
        + " or belongs to another session; aborting without using it";
    UnaryOperator<byte[]> dropLast = sealed -> Arrays.copyOf(sealed, 3 * SEALED_FRAME);
    UnaryOperator<byte[]> swapFirstTwo = sealed -> {
      byte[] swapped = sealed.clone();
      System.arraycopy(sealed, 0, swapped, SEALED_FRAME, SEALED_FRAME);
      System.arraycopy(sealed, SEALED_FRAME, swapped, 0, SEALED_FRAME);
      return swapped;
    };
    UnaryOperator<byte[]> cutTail = sealed -> Arrays.copyOf(sealed, sealed.length - 1);
    UnaryOperator<byte[]> leaveHeaderOnly = sealed -> Arrays.copyOf(sealed, 3 * SEALED_FRAME + 28);
    for (UnaryOperator<byte[]> tamper : java.util.List.of(dropLast, swapFirstTwo, cutTail, leaveHeaderOnly)) {
      ParleyException e = assertThrows(ParleyException.class, () -> sendThrough(message, tamper));
      assertEquals(expected, e.getMessage());
    }
  }
}
