package io.parley.protocols.psi;

import io.parley.protocols.crypto.Drbg;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-core throughput of the ECDH-PSI kernels, one thread, in elements per second: hash to curve
 * (RFC 9380 RO), blind (hash + X25519), reblind (curve check + X25519), the bare X25519 scalar
 * multiplication and curve check for scale (blind, reblind and the multiplication each with
 * libsodium and with BouncyCastle), and an in-process intersection-size run
 * of {@value #BATCH} x {@value #BATCH} identifiers where each element is hashed and blinded by its
 * owner and checked and reblinded by the peer (the end-to-end unit: all identifiers of both
 * parties per second per core, without Spark or the network).
 *
 * <p>Run from the repository root:
 *
 * <pre>
 * mvn -B -o -q -pl protocols test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp $(cat protocols/target/cp.txt):protocols/target/classes:protocols/target/test-classes \
 *     org.openjdk.jmh.Main PsiBenchmark -wi 3 -i 5 -f 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PsiBenchmark {
  static final int BATCH = 1024;

  private final PsiDomain domain =
      PsiDomain.of("bench", "session", "ids", IdentifierNormalizer.all());
  private byte[][] identifiers;
  private byte[][] otherIdentifiers;
  private byte[][] peerPoints;
  private PsiKey key;
  private byte[] scalar;
  private byte[] dst;
  private long runSeed;

  @Setup
  public void setUp() {
    SecureRandom random = Drbg.seeded(2024);
    identifiers = new byte[BATCH][];
    otherIdentifiers = new byte[BATCH][];
    for (int i = 0; i < BATCH; i++) {
      identifiers[i] = ("customer-" + i + "@example.org").getBytes(StandardCharsets.UTF_8);
      otherIdentifiers[i] =
          ("customer-" + (i % 10 == 0 ? i : BATCH + i) + "@example.org")
              .getBytes(StandardCharsets.UTF_8); // 10% overlap
    }
    key = PsiKey.generate(domain, random);
    peerPoints = PsiKey.generate(domain, random).blindAll(identifiers);
    scalar = new byte[32];
    X25519.generatePrivateKey(random, scalar);
    dst = domain.dst();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[][] hashToCurve() {
    return HashToCurve.hashToCurveAll(identifiers, dst);
  }

  /** The X25519 code of blind, reblind and the bare multiplication; the end-to-end run uses AUTO. */
  @State(Scope.Thread)
  public static class Implementation {
    @Param({"LIBSODIUM", "BOUNCYCASTLE"})
    public X25519Implementation x25519;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[][] blind(Implementation implementation) {
    return key.withImplementation(implementation.x25519).blindAll(identifiers);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[][] reblind(Implementation implementation) {
    return key.withImplementation(implementation.x25519).reblindAll(peerPoints, "peer");
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[] x25519ScalarMult(Implementation implementation) {
    byte[] out = new byte[32];
    try (X25519Implementation.ScalarMultiplier k = implementation.x25519.multiplier(scalar)) {
      for (byte[] point : peerPoints) {
        k.multiply(point, out);
      }
    }
    return out;
  }

  @Benchmark
  public int curveCheck() {
    return Curve25519Points.curveEquationLegendre(peerPoints[0]);
  }

  /** Elements = both parties' identifiers: 2 x BATCH per invocation. */
  @Benchmark
  @OperationsPerInvocation(2 * BATCH)
  public long endToEndIntersectionSize() {
    return new InProcessPsi(domain, runSeed++).cardinality(identifiers, otherIdentifiers);
  }
}
