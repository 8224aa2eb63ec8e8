package io.parley.protocols.mpc;

import static io.parley.protocols.mpc.ThreeParties.agreed;
import static io.parley.protocols.mpc.ThreeParties.input;
import static io.parley.protocols.mpc.ThreeParties.openAll;

import io.parley.protocols.coordinator.CoordinatorFixture;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Multiplications and full-range comparisons per second through the coordinator on loopback: the
 * three compute parties, each on its own thread and TLS channel, and the coordinator in one JVM
 * (mutual TLS, every message sealed end to end and relayed, no transcript). Each operation runs
 * {@code rounds} times over a batch of {@code n} elements after one untimed warm-up; the rate is
 * elements per second of wall time for the federation and per core of the machine. Results are
 * opened once and checked against plaintext, so a wrong run fails instead of reporting a rate.
 *
 * <pre>
 * mvn -B -o -q -pl protocols test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -Xmx6g -cp $(cat protocols/target/cp.txt):protocols/target/classes:protocols/target/test-classes \
 *     io.parley.protocols.mpc.RelayedOperationsBenchmark 1048576 5
 * </pre>
 */
public final class RelayedOperationsBenchmark {
  private RelayedOperationsBenchmark() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1 << 20;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int cores = Runtime.getRuntime().availableProcessors();
    Random random = new Random(2026);
    long[] a = new long[n];
    long[] b = new long[n];
    for (int k = 0; k < n; k++) {
      a[k] = random.nextLong();
      b[k] = random.nextLong();
    }
    try (RelayedParties parties =
        new RelayedParties(CoordinatorFixture.startWithoutTranscript(11), Duration.ofMinutes(10))) {
      long[] seconds = new long[2];
      List<long[]> opened = parties.run(8, p -> {
        ArithmeticShares x = input(p, 0, a);
        ArithmeticShares y = input(p, 1, b);
        ArithmeticShares product = p.multiply(x, y);
        BooleanShares less = p.lessThan(x, y);
        long start = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
          product = p.multiply(x, y);
        }
        long multiplied = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
          less = p.lessThan(x, y);
        }
        long compared = System.nanoTime();
        if (p.partyId() == 0) {
          seconds[0] = multiplied - start;
          seconds[1] = compared - multiplied;
        }
        long[] products = openAll(p, product);
        long[] bits = openAll(p, less);
        long[] both = new long[2 * n];
        System.arraycopy(products, 0, both, 0, n);
        for (int k = 0; k < n; k++) {
          both[n + k] = bits[k] & 1;
        }
        return both;
      });
      long[] result = agreed(opened);
      for (int k = 0; k < n; k++) {
        if (result[k] != a[k] * b[k] || result[n + k] != (a[k] < b[k] ? 1 : 0)) {
          throw new AssertionError("element " + k + " differs from plaintext");
        }
      }
      double multiply = (double) n * rounds / (seconds[0] / 1e9);
      double compare = (double) n * rounds / (seconds[1] / 1e9);
      System.out.printf("through the coordinator on loopback, %,d elements x %d rounds, %d cores (correct):%n", n, rounds,
          cores);
      System.out.printf("  multiplication: %,.0f /s for the federation, %,.0f /s per core%n", multiply, multiply / cores);
      System.out.printf("  lessThan (full 64-bit range): %,.0f /s for the federation, %,.0f /s per core%n", compare,
          compare / cores);
    }
  }
}
