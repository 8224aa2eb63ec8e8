package io.parley.protocols.mpc;

import static io.parley.protocols.mpc.ThreeParties.agreed;
import static io.parley.protocols.mpc.ThreeParties.input;
import static io.parley.protocols.mpc.ThreeParties.openAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.coordinator.CoordinatorFixture;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine through a real coordinator (mutual TLS on loopback), sealed end to end: results
 * against plaintext, the coordinator's transcript free of inputs, shares and results, and
 * tampered or replayed envelopes rejected.
 */
class RelayedEngineTest {
  private static RelayedParties parties;

  @BeforeAll
  static void start() {
    parties = new RelayedParties(301, Duration.ofMinutes(2));
  }

  @AfterAll
  static void stop() {
    parties.close();
  }

  @Test
  void multiplyCompareMinMaxMatchPlaintext() {
    Random random = new Random(11);
    int n = 500;
    long[] a = random.longs(n).toArray();
    long[] b = random.longs(n).toArray();
    a[0] = 0;
    b[0] = -1;
    a[1] = Long.MIN_VALUE;
    b[1] = Long.MAX_VALUE;
    b[2] = a[2];
    List<long[][]> opened = parties.run(12, p -> {
      ArithmeticShares x = input(p, 0, a);
      ArithmeticShares y = input(p, 1, b);
      return new long[][] {
        openAll(p, p.multiply(x, y)),
        openAll(p, p.lessThan(x, y)),
        openAll(p, p.min(x, y)),
        openAll(p, p.max(x, y)),
        openAll(p, p.minimum(x)),
        openAll(p, p.maximum(y)),
      };
    });
    for (int result = 0; result < 6; result++) {
      int r = result;
      agreed(opened.stream().map(o -> o[r]).toList());
    }
    long[][] at0 = opened.get(0);
    for (int k = 0; k < n; k++) {
      assertEquals(a[k] * b[k], at0[0][k], "product " + k);
      assertEquals(a[k] < b[k] ? 1 : 0, at0[1][k] & 1, "a < b at " + k);
      assertEquals(Math.min(a[k], b[k]), at0[2][k], "min " + k);
      assertEquals(Math.max(a[k], b[k]), at0[3][k], "max " + k);
    }
    assertArrayEquals(new long[] {Arrays.stream(a).min().getAsLong()}, at0[4]);
    assertArrayEquals(new long[] {Arrays.stream(b).max().getAsLong()}, at0[5]);
  }

  @Test
  void medianOfThreeThousandValuesLeavesNothingInTheClearAtTheCoordinator() {
    Random random = new Random(21);
    long[][] columns = new long[3][1000];
    for (long[] column : columns) {
      for (int k = 0; k < column.length; k++) {
        column[k] = random.nextLong() >> 8;
      }
    }
    columns[1][5] = columns[0][5];
    int n = 3000;
    int[] ranks = {0, n / 2 - 1, n / 2, n - 1};
    Map<Integer, long[]> shares = new ConcurrentHashMap<>();
    List<long[]> opened = parties.run(22, p -> {
      ArithmeticShares all = ArithmeticShares.concat(
          input(p, 0, columns[0]), input(p, 1, columns[1]), input(p, 2, columns[2]));
      shares.put(p.partyId(), all.own().clone());
      return openAll(p, p.orderStatistics(all, ranks));
    });
    long[] result = agreed(opened);
    long[] pooled = new long[n];
    for (int c = 0; c < 3; c++) {
      System.arraycopy(columns[c], 0, pooled, c * 1000, 1000);
    }
    long[] sorted = pooled.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < ranks.length; i++) {
      assertEquals(sorted[ranks[i]], result[i], "rank " + ranks[i]);
    }

    Set<Long> secret = new HashSet<>();
    Arrays.stream(pooled).forEach(secret::add);
    Arrays.stream(result).forEach(secret::add);
    shares.values().forEach(s -> Arrays.stream(s).forEach(secret::add));
    assertEquals(3, shares.size());
    List<CoordinatorFixture.Record> relayed =
        parties.fixture.transcript.stream().filter(r -> r.rpc().equals("Relay")).toList();
    long relayedBytes = relayed.stream().mapToLong(r -> r.message().length).sum();
    assertTrue(relayedBytes > 3 * 16 * 1000, "the shares travelled through the coordinator: " + relayedBytes);
    for (CoordinatorFixture.Record record : parties.fixture.transcript) {
      ByteBuffer bytes = ByteBuffer.wrap(record.message()).order(ByteOrder.LITTLE_ENDIAN);
      for (int offset = 0; offset + Long.BYTES <= record.message().length; offset++) {
        long word = bytes.getLong(offset);
        assertFalse(secret.contains(word),
            record.rpc() + " from " + record.party() + " carries a secret value in the clear at byte " + offset);
      }
    }
  }

  @Test
  void aTamperedEnvelopeFailsTheComputation() {
    AtomicInteger relays = new AtomicInteger();
    ParleyException failure = assertThrows(ParleyException.class, () -> parties.run(31,
        (party, relay) -> !party.equals("beta") ? relay : new RelayNetwork.Relay() {
          @Override
          public void relay(String toParty, String tag, byte[] ciphertext) {
            if (relays.incrementAndGet() == 3) {
              ciphertext[ciphertext.length - 1] ^= 1;
            }
            relay.relay(toParty, tag, ciphertext);
          }

          @Override
          public byte[] fetch(String fromParty, String tag) {
            return relay.fetch(fromParty, tag);
          }
        },
        p -> openAll(p, p.multiply(input(p, 0, new long[100]), input(p, 1, new long[100])))));
    assertTrue(failure.getMessage().contains("failed authentication"), failure.getMessage());
    assertTrue(relays.get() >= 3, "the tampered envelope was sent");
  }

  @Test
  void aReplayedEnvelopeFailsTheComputation() {
    Map<String, byte[]> lastTo = new ConcurrentHashMap<>();
    AtomicInteger replays = new AtomicInteger();
    ParleyException failure = assertThrows(ParleyException.class, () -> parties.run(41,
        (party, relay) -> !party.equals("beta") ? relay : new RelayNetwork.Relay() {
          @Override
          public void relay(String toParty, String tag, byte[] ciphertext) {
            byte[] previous = lastTo.put(toParty, ciphertext.clone());
            if (previous != null && previous.length == ciphertext.length && replays.get() == 0) {
              // The coordinator (or anyone on the way) hands over an earlier envelope under the new tag.
              replays.incrementAndGet();
              relay.relay(toParty, tag, previous);
            } else {
              relay.relay(toParty, tag, ciphertext);
            }
          }

          @Override
          public byte[] fetch(String fromParty, String tag) {
            return relay.fetch(fromParty, tag);
          }
        },
        p -> {
          ArithmeticShares x = input(p, 0, new long[64]);
          return openAll(p, p.multiply(p.multiply(x, x), x));
        }));
    assertEquals(1, replays.get());
    assertTrue(failure.getMessage().contains("failed authentication"), failure.getMessage());
  }

  @Test
  void anEnvelopeFromAnotherSessionIsRejected() {
    Map<String, byte[]> recorded = new ConcurrentHashMap<>();
    AtomicInteger substituted = new AtomicInteger();
    ThreeParties.PartyTask<long[]> square = p -> {
      ArithmeticShares x = input(p, 0, new long[32]);
      return openAll(p, p.multiply(x, x));
    };
    parties.run(51, (party, relay) -> !party.equals("beta") ? relay : new ForwardingRelay(relay) {
      @Override
      public void relay(String toParty, String tag, byte[] ciphertext) {
        recorded.putIfAbsent(toParty, ciphertext.clone());
        super.relay(toParty, tag, ciphertext);
      }
    }, square);
    ParleyException failure = assertThrows(ParleyException.class, () -> parties.run(52,
        (party, relay) -> !party.equals("beta") ? relay : new ForwardingRelay(relay) {
          @Override
          public void relay(String toParty, String tag, byte[] ciphertext) {
            boolean first = toParty.equals("alpha") && substituted.compareAndSet(0, 1);
            super.relay(toParty, tag, first ? recorded.get("alpha") : ciphertext);
          }
        }, square));
    assertEquals(1, substituted.get());
    assertTrue(failure.getMessage().contains("failed authentication"), failure.getMessage());
  }

  /** Passes everything on; tests override what they tamper with. */
  private static class ForwardingRelay implements RelayNetwork.Relay {
    private final RelayNetwork.Relay inner;

    ForwardingRelay(RelayNetwork.Relay inner) {
      this.inner = inner;
    }

    @Override
    public void relay(String toParty, String tag, byte[] ciphertext) {
      inner.relay(toParty, tag, ciphertext);
    }

    @Override
    public byte[] fetch(String fromParty, String tag) {
      return inner.fetch(fromParty, tag);
    }
  }

  @Test
  void relayNetworkSplitsAndReassemblesMessages() {
    Map<String, byte[]> mailbox = new ConcurrentHashMap<>();
    List<String> names = List.of("alpha", "beta", "gamma");
    RelayNetwork alpha = new RelayNetwork(mailbox(mailbox, "alpha"), names, "alpha", "op", 3, 8);
    RelayNetwork beta = new RelayNetwork(mailbox(mailbox, "beta"), names, "beta", "op", 3, 8);
    Random random = new Random(5);
    for (int length : new int[] {0, 1, 4, 5, 12, 100}) {
      byte[] message = new byte[length];
      random.nextBytes(message);
      alpha.send(1, message.clone());
      assertArrayEquals(message, beta.receive(0), "message of " + length + " bytes");
    }
    assertTrue(mailbox.containsKey("alpha>beta:op/3/5/12"), "100 bytes + 4 travel as 13 envelopes of 8");
    alpha.send(1, new byte[20]);
    mailbox.put("alpha>beta:op/3/6/1", new byte[7]);
    ParleyException malformed = assertThrows(ParleyException.class, () -> beta.receive(0));
    assertTrue(malformed.getMessage().contains("envelope 1 has 7 bytes, not 8"), malformed.getMessage());
  }

  private static RelayNetwork.Relay mailbox(Map<String, byte[]> mailbox, String self) {
    return new RelayNetwork.Relay() {
      @Override
      public void relay(String toParty, String tag, byte[] ciphertext) {
        mailbox.put(self + ">" + toParty + ":" + tag, ciphertext);
      }

      @Override
      public byte[] fetch(String fromParty, String tag) {
        byte[] envelope = mailbox.get(fromParty + ">" + self + ":" + tag);
        if (envelope == null) {
          throw new AssertionError("no envelope " + tag + " from " + fromParty);
        }
        return envelope;
      }
    };
  }
}
