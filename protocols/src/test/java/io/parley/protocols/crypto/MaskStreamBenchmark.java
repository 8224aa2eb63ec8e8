package io.parley.protocols.crypto;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of {@link MaskStream#addTo} (keystream generation plus the ring addition) over slices
 * of 64 KiB and 1 MiB of ring words, warm. Each call seeks to a fresh odd word, as an executor
 * masking its own slice does. Bytes per second = ops/s times {@code sliceBytes}.
 *
 * <p>Run from the repository root:
 *
 * <pre>
 * mvn -B -o -q -pl protocols test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp $(cat protocols/target/cp.txt):protocols/target/classes:protocols/target/test-classes \
 *     org.openjdk.jmh.Main MaskStreamBenchmark -wi 3 -i 3 -f 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MaskStreamBenchmark {
  @Param({"65536", "1048576"})
  public int sliceBytes;

  private MaskStream stream;
  private long[] target;
  private long nextFirstWord;

  @Setup
  public void setUp() {
    byte[] key = new byte[16];
    Drbg.seeded(1).nextBytes(key);
    stream = new MaskStream(SecretBytes.of(key));
    target = new long[sliceBytes / Long.BYTES];
    nextFirstWord = 1;
  }

  @Benchmark
  public void addTo(Blackhole blackhole) {
    stream.addTo(nextFirstWord, target, 0, target.length);
    // Skip one word so every call seeks (re-initialises the cipher) like a fresh executor slice.
    nextFirstWord += target.length + 1;
    blackhole.consume(target);
  }
}
