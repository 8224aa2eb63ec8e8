package io.parley.protocols.psi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** libsodium and BouncyCastle compute the same X25519, so PSI parties may use either. */
class X25519ImplementationTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final PsiDomain DOMAIN =
      PsiDomain.of("fed", "session-1", "customers.email", IdentifierNormalizer.all());

  private static byte[] multiply(X25519Implementation implementation, byte[] scalar, byte[] u) {
    try (X25519Implementation.ScalarMultiplier k = implementation.multiplier(scalar)) {
      byte[] out = new byte[32];
      return k.multiply(u, out) ? out : null;
    }
  }

  @Test
  void libsodiumLoadsOnThisPlatform() {
    // lazysodium bundles libsodium for Linux, macOS and Windows on x86-64 and ARM: a build machine
    // where it does not load would silently benchmark the slower path.
    assertTrue(Libsodium.available(), Libsodium.failure());
    assertTrue(
        X25519Implementation.LIBSODIUM.describeResolved().startsWith("libsodium 1."),
        X25519Implementation.LIBSODIUM.describeResolved());
    assertEquals("BouncyCastle", X25519Implementation.BOUNCYCASTLE.describeResolved());
    assertEquals(
        X25519Implementation.LIBSODIUM.describeResolved(),
        X25519Implementation.AUTO.describeResolved());
  }

  @ParameterizedTest
  @ValueSource(strings = {"bundled", "system", "unknown"})
  void eachCopyOfLibsodiumLoadsOrIsNamedUnavailable(String source) throws Exception {
    Process probe =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + Libsodium.SOURCE_PROPERTY + "=" + source,
                "-cp",
                System.getProperty("java.class.path"),
                LibsodiumSourceProbe.class.getName())
            .redirectErrorStream(true)
            .start();
    String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, probe.waitFor(), output);
    String line = output.lines().reduce((first, second) -> second).orElse("");
    switch (source) {
      case "bundled":
        assertEquals("libsodium 1.0.18 (bundled with lazysodium-java)", line, output);
        break;
      case "system":
        // Debian's libsodium23 where it is installed; a machine without one says so.
        assertTrue(
            line.matches("libsodium 1\\.0\\.\\d+ \\(system library\\)")
                || line.startsWith("unavailable: "),
            output);
        break;
      default:
        assertEquals(
            "unavailable: IllegalArgumentException: JVM property parley.libsodium is 'unknown';"
                + " expected system or bundled",
            line,
            output);
    }
  }

  @ParameterizedTest
  @EnumSource(X25519Implementation.class)
  void rfc7748Vectors(X25519Implementation implementation) {
    assertEquals(
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
        HEX.formatHex(
            multiply(
                implementation,
                HEX.parseHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                HEX.parseHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))));
    // Section 5.2's iteration: k, u = X25519(k, u), k; 1 and 1,000 times from k = u = 9.
    byte[] k = new byte[32];
    byte[] u = new byte[32];
    k[0] = 9;
    u[0] = 9;
    for (int i = 1; i <= 1000; i++) {
      byte[] next = multiply(implementation, k, u);
      u = k;
      k = next;
      if (i == 1) {
        assertEquals(
            "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", HEX.formatHex(k));
      }
    }
    assertEquals(
        "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", HEX.formatHex(k));
  }

  @Test
  void bothAgreeOnRandomCurveAndTwistPoints() {
    SecureRandom random = Drbg.seeded(11);
    for (int i = 0; i < 2000; i++) {
      byte[] scalar = new byte[32];
      byte[] u = new byte[32];
      random.nextBytes(scalar);
      random.nextBytes(u);
      u[31] &= 0x7f; // canonical below 2^255; the few values >= p are reduced alike by both
      byte[] fromLibsodium = multiply(X25519Implementation.LIBSODIUM, scalar, u);
      byte[] fromBouncyCastle = multiply(X25519Implementation.BOUNCYCASTLE, scalar, u);
      assertArrayEquals(fromBouncyCastle, fromLibsodium, "point " + i + ": " + HEX.formatHex(u));
    }
  }

  @ParameterizedTest
  @EnumSource(value = X25519Implementation.class, names = {"LIBSODIUM", "BOUNCYCASTLE"})
  void smallOrderInputsGiveNoResult(X25519Implementation implementation) {
    byte[] scalar = new byte[32];
    Drbg.seeded(12).nextBytes(scalar);
    String[] smallOrder = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };
    for (String hex : smallOrder) {
      assertEquals(null, multiply(implementation, scalar, HEX.parseHex(hex)), hex);
    }
  }

  @Test
  void partiesOnDifferentImplementationsMatch() {
    SecureRandom random = Drbg.seeded(13);
    PsiKey alpha = PsiKey.generate(DOMAIN, random, X25519Implementation.LIBSODIUM);
    PsiKey beta = PsiKey.generate(DOMAIN, random, X25519Implementation.BOUNCYCASTLE);
    byte[][] ids = new byte[40][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ("person-" + i).getBytes(StandardCharsets.UTF_8);
    }
    byte[][] alphaThenBeta = beta.reblindAll(alpha.blindAll(ids), "alpha");
    byte[][] betaThenAlpha = alpha.reblindAll(beta.blindAll(ids), "beta");
    byte[][] alphaOnJava = alpha.withImplementation(X25519Implementation.BOUNCYCASTLE).blindAll(ids);
    byte[][] alphaNative = alpha.blindAll(ids);
    for (int i = 0; i < ids.length; i++) {
      assertArrayEquals(alphaThenBeta[i], betaThenAlpha[i], "identifier " + i);
      assertArrayEquals(alphaOnJava[i], alphaNative[i], "identifier " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(value = X25519Implementation.class, names = {"LIBSODIUM", "BOUNCYCASTLE"})
  void keyRefusesTheSamePointsEitherWay(X25519Implementation implementation) {
    PsiKey key = PsiKey.generate(DOMAIN, Drbg.seeded(14), implementation);
    byte[] twist = new byte[32];
    twist[0] = 2;
    byte[] order8 =
        HEX.parseHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
    ParleyException onTwist =
        assertThrows(ParleyException.class, () -> key.reblindAll(new byte[][] {twist}, "beta"));
    assertEquals(
        "PSI: point 0 from party 'beta' lies on the twist of Curve25519, not on the curve;"
            + " refusing to apply this party's key to it (a misbehaving or incompatible peer)",
        onTwist.getMessage());
    ParleyException smallOrder =
        assertThrows(
            ParleyException.class, () -> key.reblindAll(new byte[][] {order8}, "beta"));
    assertEquals(
        "PSI: point 0 from party 'beta' is a point of small order (X25519 output all zeros);"
            + " refusing to apply this party's key to it (a misbehaving or incompatible peer)",
        smallOrder.getMessage());
  }

  @Test
  void settingIsParsedOrRefused() {
    assertEquals(X25519Implementation.AUTO, X25519Implementation.parse("k", "auto"));
    assertEquals(X25519Implementation.LIBSODIUM, X25519Implementation.parse("k", " LibSodium "));
    assertEquals(X25519Implementation.BOUNCYCASTLE, X25519Implementation.parse("k", "bouncycastle"));
    ParleyException refused =
        assertThrows(
            ParleyException.class,
            () -> X25519Implementation.parse("spark.parley.psi.x25519", "openssl"));
    assertEquals(
        "spark.parley.psi.x25519 is 'openssl'; expected auto, libsodium or bouncycastle",
        refused.getMessage());
  }

  @Test
  void nothingPrintsTheScalar() {
    byte[] scalar = new byte[32];
    Drbg.seeded(15).nextBytes(scalar);
    try (Libsodium.NativeScalar copy = new Libsodium.NativeScalar(scalar)) {
      assertEquals("NativeScalar[redacted]", copy.toString());
    }
    PsiKey key = PsiKey.generate(DOMAIN, Drbg.seeded(16), X25519Implementation.LIBSODIUM);
    assertTrue(key.toString().startsWith("PsiKey[X25519 (LIBSODIUM), "), key.toString());
    assertFalse(key.toString().matches(".*[0-9a-f]{16}.*"), key.toString());
  }
}
