package io.parley.protocols.mpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EnvelopeAndNetworkTest {
  private static final long[] WORDS = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 42};

  @Test
  void envelopeHasTheDocumentedLayout() {
    byte[] message = Envelope.sealWords(Operation.MULTIPLY, 0x0102030405060708L, WORDS, 1, 2);
    assertEquals(Envelope.HEADER_BYTES + 16, message.length);
    assertEquals(1, message[0]);
    assertEquals(Operation.MULTIPLY.id(), message[1]);
    assertEquals(0x08, message[2]);
    assertEquals(0x01, message[9]);
    assertEquals(16, message[10]);
    assertEquals((byte) 0xff, message[14]);
    assertEquals((byte) 0x80, message[Envelope.HEADER_BYTES + 15]);
    long[] out = new long[4];
    Envelope.openWords(message, 1, 0, Operation.MULTIPLY, 0x0102030405060708L, out, 1, 2);
    assertArrayEquals(new long[] {0, -1, Long.MIN_VALUE, 0}, out);
  }

  @Test
  void decoderRejectsAnythingOffTheExpectedShape() {
    byte[] good = Envelope.sealWords(Operation.AND, 5, WORDS, 0, WORDS.length);
    long[] out = new long[WORDS.length];

    byte[] wrongVersion = good.clone();
    wrongVersion[0] = 2;
    assertRejected(wrongVersion, Operation.AND, 5, "wire version 2");

    byte[] wrongOperation = good.clone();
    wrongOperation[1] = Operation.MULTIPLY.id();
    assertRejected(wrongOperation, Operation.AND, 5, "belongs to operation MULTIPLY but AND");

    byte[] unknownOperation = good.clone();
    unknownOperation[1] = 99;
    assertRejected(unknownOperation, Operation.AND, 5, "id 99 (unknown)");

    assertRejected(good, Operation.AND, 6, "sequence number 5 but 6 was expected");
    assertRejected(Arrays.copyOf(good, good.length - 1), Operation.AND, 5, "declares a 40-byte");
    assertRejected(Arrays.copyOf(good, 9), Operation.AND, 5, "shorter than the 14-byte header");

    ParleyException wrongLength =
        assertThrows(
            ParleyException.class,
            () -> Envelope.openWords(good, 2, 1, Operation.AND, 5, out, 0, WORDS.length - 1));
    assertTrue(wrongLength.getMessage().contains("disagree on the batch size"));

    Envelope.openWords(good, 2, 1, Operation.AND, 5, out, 0, WORDS.length);
    assertArrayEquals(WORDS, out);
  }

  private static void assertRejected(byte[] message, Operation expected, long sequence, String why) {
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () -> Envelope.openWords(message, 2, 1, expected, sequence, new long[5], 0, 5));
    assertTrue(e.getMessage().startsWith("message from party 2 to party 1"), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  @Test
  void inMemoryNetworkHandsOverTheSentArray() {
    InMemoryNetwork[] network = InMemoryNetwork.create(3, 2, Duration.ofSeconds(5));
    byte[] message = {1, 2, 3};
    network[0].send(2, message);
    assertSame(message, network[2].receive(0));
    network[1].broadcast(message);
    byte[] atZero = network[0].receive(1);
    byte[] atTwo = network[2].receive(1);
    assertArrayEquals(message, atZero);
    assertArrayEquals(message, atTwo);
    assertNotSame(atZero, atTwo);
  }

  @Test
  void aReceiveWithNoSenderFailsNamingTheParty() {
    InMemoryNetwork[] network = InMemoryNetwork.create(3, 2, Duration.ofMillis(20));
    ParleyException e = assertThrows(ParleyException.class, () -> network[1].receive(2));
    assertTrue(
        e.getMessage().startsWith("party 1 timed out after PT0.02S waiting for a message from party 2"),
        e.getMessage());
    network[0].send(1, new byte[1]);
    network[0].send(1, new byte[1]);
    ParleyException full = assertThrows(ParleyException.class, () -> network[0].send(1, new byte[1]));
    assertTrue(full.getMessage().contains("party 1 stopped receiving"), full.getMessage());
    assertThrows(IllegalArgumentException.class, () -> network[0].send(0, new byte[1]));
  }

  @Test
  void countingNetworkCountsBytesMessagesAndRounds() {
    InMemoryNetwork[] network = InMemoryNetwork.create(3, 4, Duration.ofSeconds(5));
    CountingNetwork counted = new CountingNetwork(network[0]);
    counted.send(1, new byte[10]);
    counted.send(2, new byte[5]);
    network[1].send(0, new byte[7]);
    counted.receive(1);
    counted.send(1, new byte[1]);
    assertEquals(3, counted.messagesSent());
    assertEquals(16, counted.bytesSent());
    assertEquals(1, counted.messagesReceived());
    assertEquals(7, counted.bytesReceived());
    assertEquals(2, counted.rounds());
    counted.reset();
    assertEquals(0, counted.rounds());
    assertEquals(0, counted.bytesSent());
  }
}
