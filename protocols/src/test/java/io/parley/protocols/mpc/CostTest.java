package io.parley.protocols.mpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.parley.protocols.crypto.Drbg;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** Rounds and payload bytes per element of each operation, as its Javadoc states them. */
class CostTest {
  private static final int N = 64;

  /** Per party: {rounds, payload bytes sent}. */
  private static long[][] measure(BiConsumer<ReplicatedParty, ArithmeticShares[]> operation) {
    long[] values = ArithmeticSharingTest.random(90, N);
    List<long[]> perParty =
        ThreeParties.runOnNetworks(
            CountingNetwork::new,
            network -> {
              CountingNetwork counted = (CountingNetwork) network;
              ReplicatedParty p = ReplicatedParty.connect(network, Drbg.seeded(91 + network.myId()));
              ArithmeticShares a = ThreeParties.input(p, 0, values);
              ArithmeticShares b = ThreeParties.input(p, 1, values);
              counted.reset();
              operation.accept(p, new ArithmeticShares[] {a, b});
              long payload = counted.bytesSent() - Envelope.HEADER_BYTES * counted.messagesSent();
              return new long[] {counted.rounds(), payload};
            });
    return perParty.toArray(new long[0][]);
  }

  private static void assertSymmetricCost(
      String name, int rounds, double bytesPerElement,
      BiConsumer<ReplicatedParty, ArithmeticShares[]> operation) {
    long[][] costs = measure(operation);
    for (int party = 0; party < 3; party++) {
      assertEquals(rounds, costs[party][0], name + " rounds at party " + party);
      assertEquals(
          (long) (bytesPerElement * N), costs[party][1], name + " bytes sent by party " + party);
    }
  }

  @Test
  void operationsCostWhatTheirJavadocSays() {
    assertSymmetricCost("multiply", 1, 8, (p, x) -> p.multiply(x[0], x[1]));
    assertSymmetricCost("toBoolean", 8, 104, (p, x) -> p.toBoolean(x[0]));
    assertSymmetricCost("lessThanZero", 8, 253 / 8.0, (p, x) -> p.lessThanZero(x[0]));
    assertSymmetricCost("lessThan", 9, 760 / 8.0, (p, x) -> p.lessThan(x[0], x[1]));
    assertSymmetricCost(
        "bitToArithmetic", 2, 16,
        (p, x) -> p.bitToArithmetic(new BooleanShares(x[0].own(), x[0].next())));
    assertSymmetricCost("min", 12, 760 / 8.0 + 24, (p, x) -> p.min(x[0], x[1]));
  }

  @Test
  void aMedianCostsAboutTwoComparisonsPerValue() {
    int n = 16384;
    long[] values = ArithmeticSharingTest.random(92, n);
    List<long[]> perParty =
        ThreeParties.runOnNetworks(
            CountingNetwork::new,
            network -> {
              CountingNetwork counted = (CountingNetwork) network;
              ReplicatedParty p = ReplicatedParty.connect(network, Drbg.seeded(93 + network.myId()));
              ArithmeticShares x = ThreeParties.input(p, 0, values);
              counted.reset();
              p.orderStatistics(x, n / 2);
              return new long[] {counted.bytesSent(), counted.rounds()};
            });
    long shuffleBytes = 16L * n;
    double comparisonsPerValue = (perParty.get(1)[0] - shuffleBytes) / (95.0 * n);
    System.out.printf(
        "median of %d: %.2f comparisons' bytes per value, %d rounds%n",
        n, comparisonsPerValue, perParty.get(1)[1]);
    // 2 per value for large n; at 16K the sample selections, the leftover quickselect, padding
    // of small batches to 64 and envelope headers add about 0.9 (plain quickselect: 3.4 and up).
    org.junit.jupiter.api.Assertions.assertTrue(
        comparisonsPerValue < 3.1, comparisonsPerValue + " comparisons per value");
  }

  @Test
  void asymmetricOperationsCostWhatTheirJavadocSays() {
    long[][] truncate = measure((p, x) -> p.truncate(x[0], 16));
    assertEquals(8L * N, truncate[0][1]);
    assertEquals(0, truncate[1][1]);
    assertEquals(0, truncate[2][1]);

    long[][] reveal = measure((p, x) -> p.reveal(x[0], 0, 2));
    assertEquals(8L * N, reveal[0][1], "party 0 sends to recipient 2");
    assertEquals(8L * N, reveal[1][1], "party 1 sends to recipient 0");
    assertEquals(0, reveal[2][1]);

    long[][] input = measure((p, x) -> ThreeParties.input(p, 1, new long[N]));
    assertEquals(0, input[0][1]);
    assertEquals(16L * N, input[1][1]);
    assertEquals(0, input[2][1]);

    long[][] shuffle = measure((p, x) -> p.shuffle(x[0], x[1]));
    // Three message delays (pass 0 reaches party 2, whose pass 1 reaches party 0, whose pass 2
    // reaches party 1); a party that sends in two passes in a row counts them as one round.
    for (int party = 0; party < 3; party++) {
      assertEquals(16L * N * 2, shuffle[party][1], "shuffle bytes of party " + party);
    }

    long[][] equal = measure((p, x) -> p.equal(x[0], x[1]));
    // Seven message delays: party 0's input, then six AND levels. Party 0 needs no input to start
    // its first AND, so its input and that AND fall in one counted round; the others only receive
    // in the first delay.
    for (int party = 0; party < 3; party++) {
      assertEquals(6, equal[party][0], "equality rounds counted at party " + party);
    }
    assertEquals(16L * N + 63 * N / 8, equal[0][1]);
    assertEquals(63 * N / 8, equal[1][1]);
    assertEquals(63 * N / 8, equal[2][1]);

    // A tree over N = 64 values: levels of 32, 16, ..., 1 pairs, each comparison batch padded to
    // 64 (95 bytes each), then 24 bytes of selection per pair; arg-max adds 8 bytes per pair.
    long[][] maximum = measure((p, x) -> p.maximum(x[0]));
    assertEquals(6L * 12, maximum[0][0], "log2(64) levels of 12 rounds");
    assertEquals(6 * 64 * 95 + 24 * (N - 1), maximum[0][1]);
    long[][] argMax = measure((p, x) -> p.argMax(x[0]));
    assertEquals(6 * 64 * 95 + 32 * (N - 1), argMax[0][1]);
  }
}
