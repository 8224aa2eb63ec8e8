package io.parley.protocols.mpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A compute party's view (every message it receives and the shares it holds) for two different
 * inputs of the same shape: all zeros, and random values with equal and close pairs. Both runs use
 * the same party randomness, so only the input differs. Each view must look uniform, and the two
 * must not be told apart, by simple tests whose false-positive rates are stated:
 *
 * <ul>
 *   <li>chi-square on byte frequencies (255 degrees of freedom), rejecting above 380: P = 6.1e-7
 *       per test for uniform bytes;
 *   <li>per-bit balance of 64-bit words: each bit position's count of ones within 6 standard
 *       deviations of half: P = 2.0e-9 per position, 1.3e-7 per 64-bit test;
 *   <li>chi-square homogeneity of the two views' byte frequencies (255 degrees of freedom), the
 *       same threshold.
 * </ul>
 *
 * With 3 parties and about 10 tests each, a correct engine fails this test with probability
 * below 2e-5; it is deterministic anyway (seeded), so it never flakes.
 */
class ViewIndistinguishabilityTest {
  private static final int N = 2048;
  private static final double CHI_SQUARE_LIMIT = 380;
  private static final double BALANCE_SIGMAS = 6;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** What one party saw: received payloads, their headers, and its shares. */
  private record View(byte[] payloads, List<String> headers, long[] shareWords, long[] shareBits) {}

  /** Records the messages its party receives. */
  private static final class RecordingNetwork implements Network {
    private final Network inner;
    final List<byte[]> received = new ArrayList<>();

    RecordingNetwork(Network inner) {
      this.inner = inner;
    }

    @Override
    public int myId() {
      return inner.myId();
    }

    @Override
    public int partyCount() {
      return inner.partyCount();
    }

    @Override
    public void send(int toParty, byte[] message) {
      inner.send(toParty, message);
    }

    @Override
    public byte[] receive(int fromParty) {
      byte[] message = inner.receive(fromParty);
      received.add(message.clone());
      return message;
    }
  }

  private static List<View> views(long[] x, long[] y) {
    return ThreeParties.runOnNetworks(
        network -> new RecordingNetwork(network),
        network -> {
          RecordingNetwork recording = (RecordingNetwork) network;
          ReplicatedParty p =
              ReplicatedParty.connect(network, io.parley.protocols.crypto.Drbg.seeded(77 + network.myId()));
          ArithmeticShares a = ThreeParties.input(p, 0, x);
          ArithmeticShares b = ThreeParties.input(p, 0, y);
          ArithmeticShares product = p.multiply(a, b);
          p.truncate(product, 16);
          BooleanShares less = p.lessThan(a, b);
          BooleanShares equal = p.equal(a, b);
          ArithmeticShares selected = p.select(less, a, b);
          ByteArrayBuilder payloads = new ByteArrayBuilder();
          List<String> headers = new ArrayList<>();
          for (byte[] message : recording.received) {
            headers.add(Arrays.toString(Arrays.copyOf(message, Envelope.HEADER_BYTES)));
            payloads.add(message, Envelope.HEADER_BYTES);
          }
          long[] shareWords =
              Batches.concat(
                  a.own(), a.next(), b.own(), b.next(), product.own(), product.next(),
                  selected.own(), selected.next());
          long[] shareBits = Batches.concat(less.own(), less.next(), equal.own(), equal.next());
          return new View(payloads.bytes(), headers, shareWords, shareBits);
        });
  }

  @Test
  void viewsOfDifferentInputsAreUniformAndAlike() {
    long[] zeros = new long[N];
    Random random = new Random(78);
    long[] x = new long[N];
    long[] y = new long[N];
    for (int k = 0; k < N; k++) {
      x[k] = random.nextLong();
      y[k] = k % 3 == 0 ? x[k] : k % 3 == 1 ? x[k] + 1 : random.nextLong();
    }
    List<View> first = views(zeros, zeros);
    List<View> second = views(x, y);
    for (int party = 0; party < 3; party++) {
      View a = first.get(party);
      View b = second.get(party);
      String who = "party " + party;
      assertEquals(a.headers(), b.headers(), who + ": message shapes differ between inputs");
      assertTrue(a.payloads().length > 100_000, who + " received too little to test");
      assertFalse(Arrays.equals(a.payloads(), b.payloads()), who + ": the views are identical");
      for (View view : List.of(a, b)) {
        assertUniformBytes(view.payloads(), who + " received payloads");
        assertBalancedBits(words(view.payloads()), 64, who + " received words");
        assertBalancedBits(view.shareWords(), 64, who + " arithmetic shares");
        assertBalancedBits(view.shareBits(), 1, who + " shares of comparison bits");
      }
      assertSameByteDistribution(a.payloads(), b.payloads(), who);
    }
  }

  private static void assertUniformBytes(byte[] bytes, String what) {
    long[] counts = histogram(bytes);
    double expected = bytes.length / 256.0;
    double chiSquare = 0;
    for (long count : counts) {
      chiSquare += (count - expected) * (count - expected) / expected;
    }
    assertTrue(chiSquare < CHI_SQUARE_LIMIT, what + ": byte chi-square " + chiSquare);
  }

  private static void assertSameByteDistribution(byte[] a, byte[] b, String who) {
    long[] countsA = histogram(a);
    long[] countsB = histogram(b);
    double total = a.length + (double) b.length;
    double chiSquare = 0;
    for (int value = 0; value < 256; value++) {
      double column = countsA[value] + countsB[value];
      double expectedA = column * a.length / total;
      double expectedB = column * b.length / total;
      chiSquare += sq(countsA[value] - expectedA) / expectedA + sq(countsB[value] - expectedB) / expectedB;
    }
    assertTrue(chiSquare < CHI_SQUARE_LIMIT, who + ": homogeneity chi-square " + chiSquare);
  }

  /** Bits {@code 0 .. bits-1} of the words each set in about half of them. */
  private static void assertBalancedBits(long[] words, int bits, String what) {
    double half = words.length / 2.0;
    double sigma = Math.sqrt(words.length / 4.0);
    for (int bit = 0; bit < bits; bit++) {
      long ones = 0;
      for (long word : words) {
        ones += (word >>> bit) & 1;
      }
      assertTrue(
          Math.abs(ones - half) <= BALANCE_SIGMAS * sigma,
          what + ": bit " + bit + " set in " + ones + " of " + words.length);
    }
  }

  private static long[] histogram(byte[] bytes) {
    long[] counts = new long[256];
    for (byte value : bytes) {
      counts[value & 0xff]++;
    }
    return counts;
  }

  private static long[] words(byte[] bytes) {
    long[] words = new long[bytes.length / 8];
    for (int k = 0; k < words.length; k++) {
      words[k] = (long) LONGS.get(bytes, 8 * k);
    }
    return words;
  }

  private static double sq(double value) {
    return value * value;
  }

  private static final class ByteArrayBuilder {
    private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

    void add(byte[] message, int from) {
      out.write(message, from, message.length - from);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
