package io.parley.protocols.mpc;

import io.parley.protocols.crypto.Drbg;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of the three-party engine over the {@link InMemoryNetwork}: multiplications,
 * 64-bit comparisons ({@link ReplicatedParty#lessThan}, exact over the whole range, and {@link
 * ReplicatedParty#lessThanZero}) on batches of 2^20 elements, and the time of one median
 * ({@link ReplicatedParty#orderStatistics}) of 3 x 2^20 values. Each invocation runs one
 * batch operation at all three parties, each on its own thread; JMH's score is elements per
 * second of wall time for the whole federation, which on this 2-core machine runs three parties
 * on two cores. At tear-down each benchmark also prints elements per CPU-second of the busiest
 * party thread: what one core does for one party, the per-core figure (in production every
 * party has its own cores).
 *
 * <p>Run from the repository root:
 *
 * <pre>
 * mvn -B -o -q -pl protocols test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -Xmx8g -cp $(cat protocols/target/cp.txt):protocols/target/classes:protocols/target/test-classes \
 *     org.openjdk.jmh.Main MpcBenchmark -wi 4 -w 4s -i 3 -r 4s -f 1 -prof gc
 * </pre>
 *
 * <p>Measured with that command on the 2-core development machine (shared, load about 2), batches
 * of 2^20, elements per second for the three-party federation (wall) and per CPU-second of the
 * busiest party thread:
 *
 * <pre>
 * multiply       136 million/s wall (68 million per core)   226 million per party CPU-second
 * lessThanZero   8.9 million/s wall (4.4 million per core)   15.6 million per party CPU-second
 * lessThan       3.1 million/s wall (1.6 million per core)   4.7 million per party CPU-second
 * median         2.7 to 4.9 s per median of 3 x 2^20 values, warm (7 s cold), load 3 to 6
 * </pre>
 *
 * <p>A median of 3 x 2^20 values sends 679 MB per party (2.10 comparisons of 95 bytes per value,
 * plus the 16-byte-per-value shuffle) in about 1,700 rounds: what the coordinator relay will carry.
 *
 * <p>What bounds them is memory traffic, not AES or messaging: every operation allocates its
 * result and message arrays, 72 bytes per multiplication and 2,657 bytes per full-range
 * comparison for the three parties together ({@code -prof gc}), at 7 to 9 GB/s of allocation.
 * If another JMH run holds {@code /tmp/jmh.lock}, add {@code -Djmh.ignoreLock=true} (and expect
 * noisier figures).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
public class MpcBenchmark {
  private static final int BATCH = 1 << 20;

  private ExecutorService partyThreads;
  private ReplicatedParty[] parties;
  private ArithmeticShares[] left;
  private ArithmeticShares[] right;
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private long invocations;
  private long busiestPartyCpuNanos;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    partyThreads = Executors.newFixedThreadPool(3);
    InMemoryNetwork[] network = InMemoryNetwork.create(3, 4, Duration.ofMinutes(5));
    List<Future<ReplicatedParty>> connecting = new ArrayList<>();
    for (int id = 0; id < 3; id++) {
      int party = id;
      connecting.add(
          partyThreads.submit(
              () -> ReplicatedParty.connect(network[party], Drbg.seeded(1000 + party))));
    }
    parties = new ReplicatedParty[3];
    for (int id = 0; id < 3; id++) {
      parties[id] = connecting.get(id).get();
    }
    left = ReplicatedParty.splitForComputeParties(randomValues(1, BATCH), Drbg.seeded(2));
    right = ReplicatedParty.splitForComputeParties(randomValues(3, BATCH), Drbg.seeded(4));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    partyThreads.shutdownNow();
    if (invocations > 0) {
      double perCpuSecond = invocations * (double) BATCH / (busiestPartyCpuNanos / 1e9);
      System.out.printf(
          "%n%,.0f elements per CPU-second of the busiest party thread (%d invocations)%n",
          perCpuSecond, invocations);
    }
  }

  private static long[] randomValues(long seed, int n) {
    java.util.Random random = new java.util.Random(seed);
    long[] values = new long[n];
    for (int k = 0; k < n; k++) {
      values[k] = random.nextLong();
    }
    return values;
  }

  private Object runAtAllParties(BiFunction<ReplicatedParty, Integer, Object> operation)
      throws Exception {
    List<Future<long[]>> running = new ArrayList<>();
    for (int id = 0; id < 3; id++) {
      int party = id;
      running.add(
          partyThreads.submit(
              () -> {
                long start = threads.getCurrentThreadCpuTime();
                Object result = operation.apply(parties[party], party);
                return new long[] {threads.getCurrentThreadCpuTime() - start, result.hashCode()};
              }));
    }
    long busiest = 0;
    long sink = 0;
    for (Future<long[]> future : running) {
      long[] outcome = future.get();
      busiest = Math.max(busiest, outcome[0]);
      sink += outcome[1];
    }
    invocations++;
    busiestPartyCpuNanos += busiest;
    return sink;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object multiply() throws Exception {
    return runAtAllParties((p, id) -> p.multiply(left[id], right[id]));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object lessThan() throws Exception {
    return runAtAllParties((p, id) -> p.lessThan(left[id], right[id]));
  }

  /**
   * The median of 3 x 2^20 values (shuffle, then quickselect with opened comparisons): seconds per
   * median, the in-memory part of the "median of 3 x 1,000,000 values in 60 s" target.
   */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Object median() throws Exception {
    return runAtAllParties(
        (p, id) -> {
          ArithmeticShares pooled = ArithmeticShares.concat(left[id], right[id], left[id]);
          return p.orderStatistics(pooled, pooled.length() / 2);
        });
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object lessThanZero() throws Exception {
    return runAtAllParties((p, id) -> p.lessThanZero(left[id]));
  }
}
