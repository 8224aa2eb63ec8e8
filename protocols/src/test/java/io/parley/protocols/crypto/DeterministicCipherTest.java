package io.parley.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.protocols.ParleyException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DeterministicCipherTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final SecretBytes RFC_KEY =
      SecretBytes.of(HEX.parseHex("0100000000000000000000000000000000000000000000000000000000000000"));
  private static final byte[] RFC_NONCE = HEX.parseHex("030000000000000000000000");

  private static void assertRfcVector(String plaintext, String aad, String result) {
    DeterministicCipher cipher = new DeterministicCipher(RFC_KEY, HEX.parseHex(aad), RFC_NONCE);
    assertEquals(result, HEX.formatHex(cipher.encrypt(HEX.parseHex(plaintext))));
    assertArrayEquals(HEX.parseHex(plaintext), cipher.decrypt(HEX.parseHex(result)));
  }

  /** RFC 8452 appendix C.2 (AEAD_AES_256_GCM_SIV). */
  @Test
  void rfc8452Aes256Vectors() {
    assertRfcVector("", "", "07f5f4169bbf55a8400cd47ea6fd400f");
    assertRfcVector("0100000000000000", "", "c2ef328e5c71c83b843122130f7364b761e0b97427e3df28");
    assertRfcVector(
        "01000000000000000000000000000000",
        "",
        "85a01b63025ba19b7fd3ddfc033b3e76c9eac6fa700942702e90862383c6c366");
    assertRfcVector("0200000000000000", "01", "1de22967237a813291213f267e3b452f02d01ae33e4ec854");
  }

  private static SecretBytes key(long seed) {
    byte[] key = new byte[32];
    Drbg.seeded(seed).nextBytes(key);
    return SecretBytes.of(key);
  }

  @Test
  void equalPlaintextsGiveEqualTokens() {
    byte[] ad = "parley/v1/tokens|session-1".getBytes(StandardCharsets.UTF_8);
    DeterministicCipher alpha = new DeterministicCipher(key(1), ad);
    DeterministicCipher beta = new DeterministicCipher(key(1), ad);
    byte[] groupKey = "north|2024".getBytes(StandardCharsets.UTF_8);
    byte[] token = alpha.encrypt(groupKey);
    assertArrayEquals(token, beta.encrypt(groupKey));
    assertEquals(groupKey.length + 16, token.length);
    assertArrayEquals(groupKey, beta.decrypt(token));
    assertFalse(Arrays.equals(token, alpha.encrypt("south|2024".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void otherKeyOrAssociatedDataGivesUnlinkableTokens() {
    byte[] groupKey = {1, 2, 3};
    byte[] token = new DeterministicCipher(key(1), new byte[] {1}).encrypt(groupKey);
    assertFalse(Arrays.equals(token, new DeterministicCipher(key(2), new byte[] {1}).encrypt(groupKey)));
    assertFalse(Arrays.equals(token, new DeterministicCipher(key(1), new byte[] {2}).encrypt(groupKey)));
  }

  @Test
  void rejectsInauthenticTokensWithOneMessage() {
    DeterministicCipher cipher = new DeterministicCipher(key(3), new byte[] {7});
    byte[] token = cipher.encrypt(new byte[] {10, 20, 30, 40});
    SecureRandom random = Drbg.seeded(4);
    for (int i = 0; i < token.length; i++) {
      byte[] altered = token.clone();
      altered[i] ^= (byte) (1 + random.nextInt(255));
      assertNotAuthentic(cipher, altered);
    }
    assertNotAuthentic(cipher, Arrays.copyOf(token, token.length - 1));
    assertNotAuthentic(cipher, Arrays.copyOf(token, 15));
    assertNotAuthentic(cipher, new byte[0]);
    assertNotAuthentic(new DeterministicCipher(key(4), new byte[] {7}), token);
    assertNotAuthentic(new DeterministicCipher(key(3), new byte[] {8}), token);
  }

  private static void assertNotAuthentic(DeterministicCipher cipher, byte[] token) {
    ParleyException e = assertThrows(ParleyException.class, () -> cipher.decrypt(token));
    assertEquals("group token is not authentic", e.getMessage());
    assertEquals(null, e.getCause());
  }

  @Test
  void rejectsWrongKeyLength() {
    assertThrows(
        ParleyException.class, () -> new DeterministicCipher(SecretBytes.of(new byte[16]), new byte[0]));
  }

  @Test
  void travelsToExecutorsByJavaSerialization() throws Exception {
    DeterministicCipher cipher = new DeterministicCipher(key(5), new byte[] {9});
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(buffer)) {
      out.writeObject(cipher);
    }
    DeterministicCipher copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(buffer.toByteArray()))) {
      copy = (DeterministicCipher) in.readObject();
    }
    assertArrayEquals(cipher.encrypt(new byte[] {1, 2}), copy.encrypt(new byte[] {1, 2}));
    assertFalse(cipher.toString().contains(HEX.formatHex(key(5).bytes()).substring(0, 8)));
  }
}
