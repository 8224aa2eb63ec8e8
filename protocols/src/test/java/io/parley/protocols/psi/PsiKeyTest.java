package io.parley.protocols.psi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;

class PsiKeyTest {
  private static final PsiDomain DOMAIN =
      PsiDomain.of("fed", "session-1", "customers.email", IdentifierNormalizer.all());

  private static byte[] id(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void blindingCommutes() {
    SecureRandom random = Drbg.seeded(1);
    PsiKey a = PsiKey.generate(DOMAIN, random);
    PsiKey b = PsiKey.generate(DOMAIN, random);
    byte[][] ids = new byte[25][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = id("person-" + i);
    }
    byte[][] ab = b.reblindAll(a.blindAll(ids), "alpha");
    byte[][] ba = a.reblindAll(b.blindAll(ids), "beta");
    for (int i = 0; i < ids.length; i++) {
      assertArrayEquals(ab[i], ba[i], "identifier " + i);
      assertArrayEquals(ab[i], b.reblind(a.blind(ids[i])), "single and batch agree " + i);
      assertEquals(1, Curve25519Points.curveEquationLegendre(ab[i]));
      assertTrue(Curve25519Points.isCanonical(ab[i]));
    }
    assertEquals(ids.length, Arrays.stream(ab).map(HexFormat.of()::formatHex).distinct().count());
  }

  @Test
  void blindedValuesDependOnKeyAndDomain() {
    SecureRandom random = Drbg.seeded(2);
    PsiKey a = PsiKey.generate(DOMAIN, random);
    PsiKey other = PsiKey.generate(DOMAIN, random);
    PsiDomain otherSession =
        PsiDomain.of("fed", "session-2", "customers.email", IdentifierNormalizer.all());
    assertFalse(Arrays.equals(a.blind(id("x")), other.blind(id("x"))));
    assertFalse(Arrays.equals(DOMAIN.dst(), otherSession.dst()));
    assertFalse(
        Arrays.equals(
            HashToCurve.hashToCurve(id("x"), DOMAIN.dst()),
            HashToCurve.hashToCurve(id("x"), otherSession.dst())));
  }

  @Test
  void twistPointIsRefusedThoughX25519WouldTakeIt() {
    byte[] twistPoint = new byte[32];
    twistPoint[0] = 2; // u = 2: 8 + 4 * 486662 + 2 is not a square mod p
    BigInteger p = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    BigInteger rhs = BigInteger.valueOf(8 + 4 * 486662 + 2);
    assertEquals(
        p.subtract(BigInteger.ONE), rhs.modPow(p.shiftRight(1), p), "u = 2 is on the twist");
    assertEquals(-1, Curve25519Points.curveEquationLegendre(twistPoint));

    PsiKey key = PsiKey.generate(DOMAIN, Drbg.seeded(3));
    byte[] scalar = new byte[32];
    X25519.generatePrivateKey(Drbg.seeded(4), scalar);
    byte[] raw = new byte[32];
    X25519.scalarMult(scalar, 0, twistPoint, 0, raw, 0);
    assertFalse(Arrays.equals(raw, new byte[32]), "plain X25519 computes on the twist");

    ParleyException refused =
        assertThrows(
            ParleyException.class, () -> key.reblindAll(new byte[][] {twistPoint}, "beta"));
    assertTrue(refused.getMessage().contains("twist"), refused.getMessage());
    assertTrue(refused.getMessage().contains("'beta'"), refused.getMessage());
  }

  @Test
  void smallOrderPointsAreRefused() {
    PsiKey key = PsiKey.generate(DOMAIN, Drbg.seeded(5));
    String[] smallOrder = {
      "0000000000000000000000000000000000000000000000000000000000000000", // u = 0, order 2
      "0100000000000000000000000000000000000000000000000000000000000000", // u = 1, order 4
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // u = -1: twist, order 4
    };
    for (String hex : smallOrder) {
      byte[] point = HexFormat.of().parseHex(hex);
      assertThrows(ParleyException.class, () -> key.reblind(point), hex);
    }
  }

  @Test
  void malformedPointsAreRefused() {
    PsiKey key = PsiKey.generate(DOMAIN, Drbg.seeded(6));
    byte[] valid = key.blind(id("someone"));
    byte[] highBit = valid.clone();
    highBit[31] |= (byte) 0x80;
    byte[] pItself =
        HexFormat.of().parseHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    assertThrows(ParleyException.class, () -> key.reblind(new byte[31]));
    assertThrows(ParleyException.class, () -> key.reblind(null));
    assertThrows(ParleyException.class, () -> key.reblind(highBit));
    assertThrows(ParleyException.class, () -> key.reblind(pItself));
    assertFalse(Curve25519Points.isCanonical(pItself));
    assertEquals(32, key.reblind(valid).length);
  }

  @Test
  void toStringHidesTheScalar() {
    PsiKey key = PsiKey.generate(DOMAIN, Drbg.seeded(7));
    assertTrue(key.toString().contains("redacted"));
    assertFalse(key.toString().matches(".*[0-9a-f]{16}.*"));
  }
}
