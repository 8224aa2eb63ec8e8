package io.parley.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.protocols.ParleyException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RelayCipherTest {
  private static final byte[] AD = "parley/v1/relay|session-1|alpha|beta".getBytes(StandardCharsets.UTF_8);

  private static SecretBytes key(long seed) {
    byte[] key = new byte[32];
    Drbg.seeded(seed).nextBytes(key);
    return SecretBytes.of(key);
  }

  @Test
  void sealThenOpenRoundTrips() {
    SecureRandom random = Drbg.seeded(1);
    RelayCipher cipher = new RelayCipher(key(1));
    for (int length : new int[] {0, 1, 32, 1000}) {
      byte[] plaintext = new byte[length];
      random.nextBytes(plaintext);
      byte[] sealed = cipher.seal(plaintext, AD, random);
      assertEquals(12 + length + 16, sealed.length);
      assertArrayEquals(plaintext, new RelayCipher(key(1)).open(sealed, AD));
    }
  }

  @Test
  void freshNoncePerMessage() {
    SecureRandom random = Drbg.seeded(2);
    RelayCipher cipher = new RelayCipher(key(1));
    byte[] first = cipher.seal(new byte[] {1, 2, 3}, AD, random);
    byte[] second = cipher.seal(new byte[] {1, 2, 3}, AD, random);
    assertFalse(Arrays.equals(Arrays.copyOf(first, 12), Arrays.copyOf(second, 12)));
    assertFalse(Arrays.equals(first, second));
  }

  @Test
  void rejectsWrongAssociatedData() {
    RelayCipher cipher = new RelayCipher(key(1));
    byte[] sealed = cipher.seal(new byte[] {4, 5}, AD, Drbg.seeded(3));
    assertFails(() -> cipher.open(sealed, "parley/v1/relay|session-1|alpha|gamma".getBytes(StandardCharsets.UTF_8)));
    assertFails(() -> cipher.open(sealed, new byte[0]));
  }

  @Test
  void rejectsEveryAlteredByte() {
    RelayCipher cipher = new RelayCipher(key(1));
    byte[] sealed = cipher.seal(new byte[] {4, 5, 6, 7, 8}, AD, Drbg.seeded(4));
    for (int i = 0; i < sealed.length; i++) {
      byte[] altered = sealed.clone();
      altered[i] ^= 0x01;
      assertFails(() -> cipher.open(altered, AD));
    }
  }

  @Test
  void rejectsTruncation() {
    RelayCipher cipher = new RelayCipher(key(1));
    byte[] sealed = cipher.seal(new byte[] {4, 5, 6}, AD, Drbg.seeded(5));
    for (int length : new int[] {0, 11, 12, 27, sealed.length - 1}) {
      assertFails(() -> cipher.open(Arrays.copyOf(sealed, length), AD));
    }
    assertFails(() -> cipher.open(null, AD));
  }

  @Test
  void rejectsWrongKey() {
    byte[] sealed = new RelayCipher(key(1)).seal(new byte[] {4, 5, 6}, AD, Drbg.seeded(6));
    assertFails(() -> new RelayCipher(key(2)).open(sealed, AD));
  }

  @Test
  void rejectsKeysThatAreNot32Bytes() {
    assertThrows(ParleyException.class, () -> new RelayCipher(SecretBytes.of(new byte[16])));
  }

  private static void assertFails(org.junit.jupiter.api.function.Executable open) {
    ParleyException e = assertThrows(ParleyException.class, open);
    assertEquals("relayed message failed authentication", e.getMessage());
  }
}
