package io.parley.protocols.psi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.parley.protocols.crypto.Drbg;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HashToCurveTest {
  private static final HexFormat HEX = HexFormat.of();

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static String hex(byte[] littleEndian) {
    return HEX.formatHex(littleEndian);
  }

  private static int[] fieldElement(String bigEndianHex) {
    return Field25519.fromBigInteger(new BigInteger(bigEndianHex, 16));
  }

  @Test
  void randomOracleSuiteMatchesRfc9380AppendixJ41() {
    List<Map<String, String>> vectors = Rfc9380Vectors.load(HashToCurve.SUITE);
    assertEquals(5, vectors.size());
    for (Map<String, String> vector : vectors) {
      byte[] message = ascii(vector.get("msg"));
      byte[] dst = ascii(vector.get("dst"));
      String label = "msg '" + vector.get("msg") + "'";

      int[][] u = HashToCurve.hashToField(message, dst, 2);
      assertEquals(new BigInteger(vector.get("u[0]"), 16), Field25519.toBigInteger(u[0]), label);
      assertEquals(new BigInteger(vector.get("u[1]"), 16), Field25519.toBigInteger(u[1]), label);

      byte[][] q0 = HashToCurve.mapToCurveAffine(u[0]);
      assertEquals(hex(Rfc9380Vectors.littleEndian(vector.get("Q0.x"))), hex(q0[0]), label);
      assertEquals(hex(Rfc9380Vectors.littleEndian(vector.get("Q0.y"))), hex(q0[1]), label);
      byte[][] q1 = HashToCurve.mapToCurveAffine(u[1]);
      assertEquals(hex(Rfc9380Vectors.littleEndian(vector.get("Q1.x"))), hex(q1[0]), label);
      assertEquals(hex(Rfc9380Vectors.littleEndian(vector.get("Q1.y"))), hex(q1[1]), label);

      assertEquals(
          hex(Rfc9380Vectors.littleEndian(vector.get("P.x"))),
          hex(HashToCurve.hashToCurve(message, dst)),
          label);
    }
  }

  @Test
  void nonUniformSuiteMatchesRfc9380AppendixJ42() {
    List<Map<String, String>> vectors = Rfc9380Vectors.load(HashToCurve.SUITE_NU);
    assertEquals(5, vectors.size());
    for (Map<String, String> vector : vectors) {
      byte[] message = ascii(vector.get("msg"));
      byte[] dst = ascii(vector.get("dst"));
      String label = "msg '" + vector.get("msg") + "'";
      int[][] u = HashToCurve.hashToField(message, dst, 1);
      assertEquals(new BigInteger(vector.get("u[0]"), 16), Field25519.toBigInteger(u[0]), label);
      byte[][] q = HashToCurve.mapToCurveAffine(u[0]);
      assertEquals(hex(Rfc9380Vectors.littleEndian(vector.get("Q.x"))), hex(q[0]), label);
      assertEquals(hex(Rfc9380Vectors.littleEndian(vector.get("Q.y"))), hex(q[1]), label);
      assertEquals(
          hex(Rfc9380Vectors.littleEndian(vector.get("P.x"))),
          hex(HashToCurve.encodeToCurve(message, dst)),
          label);
    }
  }

  @Test
  void batchEqualsOneByOneAndLandsOnTheCurve() {
    byte[] dst = ascii("PARLEY-TEST-batch");
    byte[][] messages = new byte[40][];
    for (int i = 0; i < messages.length; i++) {
      messages[i] = ascii("customer-" + i);
    }
    byte[][] batch = HashToCurve.hashToCurveAll(messages, dst);
    for (int i = 0; i < messages.length; i++) {
      assertArrayEquals(HashToCurve.hashToCurve(messages[i], dst), batch[i], "message " + i);
      assertEquals(1, Curve25519Points.curveEquationLegendre(batch[i]), "on the curve " + i);
    }
    assertEquals(0, HashToCurve.hashToCurveAll(new byte[0][], dst).length);
  }

  @Test
  void domainSeparationTagChangesThePoint() {
    byte[] message = ascii("alice@example.org");
    assertFalse(
        MessageDigest.isEqual(
            HashToCurve.hashToCurve(message, ascii("PARLEY-A")),
            HashToCurve.hashToCurve(message, ascii("PARLEY-B"))));
  }

  @Test
  void oversizeTagIsHashedAsSection533Says() throws Exception {
    byte[] longTag = new byte[300];
    java.util.Arrays.fill(longTag, (byte) 'x');
    MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
    sha512.update(ascii("H2C-OVERSIZE-DST-"));
    byte[] reduced = sha512.digest(longTag);
    byte[] message = ascii("abc");
    assertArrayEquals(
        HashToCurve.hashToCurve(message, reduced), HashToCurve.hashToCurve(message, longTag));
  }

  @Test
  void wideReductionAndLegendreAgreeWithBigInteger() {
    SecureRandom random = Drbg.seeded(9380);
    BigInteger p = Field25519.P;
    for (int trial = 0; trial < 200; trial++) {
      byte[] wide = new byte[48];
      random.nextBytes(wide);
      if (trial == 0) {
        java.util.Arrays.fill(wide, (byte) 0xff); // the largest input, many carries
      }
      int[] reduced = Field25519.create();
      Field25519.reduceWideBigEndian(wide, 0, reduced);
      assertEquals(new BigInteger(1, wide).mod(p), Field25519.toBigInteger(reduced));

      BigInteger value = new BigInteger(1, wide).mod(p);
      int expected =
          value.signum() == 0
              ? 0
              : value.modPow(p.shiftRight(1), p).equals(BigInteger.ONE) ? 1 : -1;
      assertEquals(expected, Field25519.legendre(Field25519.fromBigInteger(value)));
    }
    assertEquals(0, Field25519.legendre(Field25519.create()));
  }
}
