package io.parley.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HkdfTest {
  private static final HexFormat HEX = HexFormat.of();

  private static byte[] range(int from, int toInclusive) {
    byte[] bytes = new byte[toInclusive - from + 1];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (from + i);
    }
    return bytes;
  }

  @Test
  void rfc5869TestCase1() {
    byte[] ikm = new byte[22];
    Arrays.fill(ikm, (byte) 0x0b);
    SecretBytes okm =
        Hkdf.derive(
            SecretBytes.of(ikm),
            HEX.parseHex("000102030405060708090a0b0c"),
            HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"),
            42);
    assertEquals(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        HEX.formatHex(okm.bytes()));
  }

  @Test
  void rfc5869TestCase2() {
    SecretBytes okm =
        Hkdf.derive(SecretBytes.of(range(0x00, 0x4f)), range(0x60, 0xaf), range(0xb0, 0xff), 82);
    assertEquals(
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
            + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
            + "cc30c58179ec3e87c14c01d5c1f3434f1d87",
        HEX.formatHex(okm.bytes()));
  }

  @Test
  void rfc5869TestCase3EmptySaltAndInfo() {
    byte[] ikm = new byte[22];
    Arrays.fill(ikm, (byte) 0x0b);
    String expected =
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8";
    assertEquals(
        expected, HEX.formatHex(Hkdf.derive(SecretBytes.of(ikm), new byte[0], new byte[0], 42).bytes()));
    assertEquals(expected, HEX.formatHex(Hkdf.derive(SecretBytes.of(ikm), null, null, 42).bytes()));
  }

  @Test
  void shorterOutputIsPrefixOfLonger() {
    SecretBytes key = SecretBytes.of(range(1, 32));
    byte[] info = Hkdf.info("parley/test");
    byte[] longer = Hkdf.derive(key, null, info, 100).bytes();
    byte[] shorter = Hkdf.derive(key, null, info, 33).bytes();
    assertArrayEquals(Arrays.copyOf(longer, 33), shorter);
  }

  @Test
  void rejectsLengthsOutsideRfcRange() {
    SecretBytes key = SecretBytes.of(range(1, 32));
    assertThrows(IllegalArgumentException.class, () -> Hkdf.derive(key, null, null, 0));
    assertThrows(
        IllegalArgumentException.class, () -> Hkdf.derive(key, null, null, Hkdf.MAX_LENGTH + 1));
    assertEquals(Hkdf.MAX_LENGTH, Hkdf.derive(key, null, null, Hkdf.MAX_LENGTH).length());
  }

  @Test
  void infoIsLengthPrefixedAndInjective() {
    assertEquals("00000001" + "4c" + "00000001" + "61" + "00000002" + "6263",
        HEX.formatHex(Hkdf.info("L", "a", "bc")));
    assertFalse(Arrays.equals(Hkdf.info("L", "a", "bc"), Hkdf.info("L", "ab", "c")));
    assertFalse(Arrays.equals(Hkdf.info("La", "bc"), Hkdf.info("L", "abc")));
    assertFalse(Arrays.equals(Hkdf.info("L", "", "a"), Hkdf.info("L", "a", "")));
    assertFalse(Arrays.equals(Hkdf.info("L"), Hkdf.info("L", "")));
    assertArrayEquals(
        Hkdf.info("L", "\u00e9", "x"),
        Hkdf.info("L", "\u00e9".getBytes(StandardCharsets.UTF_8), new byte[] {'x'}));
    assertEquals("000000024c4c", HEX.formatHex(Hkdf.info("LL")));
  }

  @Test
  void differentInfoGivesIndependentKeys() {
    SecretBytes key = SecretBytes.of(range(1, 32));
    assertFalse(
        Hkdf.derive(key, null, Hkdf.info("parley/v1/pair", "s", "a", "b"), 32)
            .equals(Hkdf.derive(key, null, Hkdf.info("parley/v1/pair", "s", "ab", ""), 32)));
  }
}
