package io.parley.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SecretBytesTest {
  @Test
  void copiesInAndOut() {
    byte[] input = {1, 2, 3};
    SecretBytes secret = SecretBytes.of(input);
    input[0] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, secret.bytes());
    secret.bytes()[1] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, secret.bytes());
    assertEquals(3, secret.length());
  }

  @Test
  void equalsComparesContents() {
    assertEquals(SecretBytes.of(new byte[] {1, 2}), SecretBytes.of(new byte[] {1, 2}));
    assertEquals(SecretBytes.of(new byte[] {1, 2}).hashCode(), SecretBytes.of(new byte[] {1, 2}).hashCode());
    assertNotEquals(SecretBytes.of(new byte[] {1, 2}), SecretBytes.of(new byte[] {1, 3}));
    assertNotEquals(SecretBytes.of(new byte[] {1, 2}), SecretBytes.of(new byte[] {1, 2, 0}));
    assertFalse(SecretBytes.of(new byte[] {1}).equals(new byte[] {1}));
  }

  @Test
  void toStringIsRedacted() {
    byte[] key = HexFormat.of().parseHex("deadbeefcafe");
    String shown = SecretBytes.of(key).toString();
    assertEquals("SecretBytes[6 bytes, redacted]", shown);
    assertFalse(shown.toLowerCase().contains("dead"));
  }

  @Test
  void destroyZeroes() {
    SecretBytes secret = SecretBytes.of(new byte[] {5, 6, 7});
    secret.destroy();
    assertArrayEquals(new byte[3], secret.bytes());
  }

  @Test
  void survivesJavaSerializationWithinTheParty() throws Exception {
    SecretBytes secret = SecretBytes.of(new byte[] {4, 5, 6});
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(buffer)) {
      out.writeObject(secret);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(buffer.toByteArray()))) {
      Object copy = in.readObject();
      assertTrue(copy instanceof SecretBytes);
      assertEquals(secret, copy);
    }
  }
}
