package io.parley.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KeyBindingTest {
  private static final byte[] DIGEST = new byte[32];
  private static final java.util.List<String> PARTIES = java.util.List.of("alpha", "beta");

  private static KeyPair alpha;
  private static KeyPair beta;
  private static byte[] sessionKey;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), Drbg.seeded(1));
    alpha = generator.generateKeyPair();
    beta = generator.generateKeyPair();
    sessionKey = SessionKeyPair.generate(Drbg.seeded(2)).publicKey();
  }

  @Test
  void messageIsTheCanonicalEncoding() {
    assertArrayEquals(
        Hkdf.info("parley/v1/session-key", "fed".getBytes(), "s1".getBytes(), "alpha".getBytes(), sessionKey, DIGEST,
            Hkdf.info("participants", "alpha", "beta")),
        KeyBinding.message("fed", "s1", "alpha", sessionKey, DIGEST, PARTIES));
    assertFalse(
        Arrays.equals(
            KeyBinding.message("fed", "s1", "alpha", sessionKey, DIGEST, PARTIES),
            KeyBinding.message("fe", "ds1", "alpha", sessionKey, DIGEST, PARTIES)));
  }

  @Test
  void signatureVerifies() {
    byte[] message = KeyBinding.message("fed", "s1", "alpha", sessionKey, DIGEST, PARTIES);
    byte[] signature = KeyBinding.sign(alpha.getPrivate(), message, Drbg.seeded(3));
    assertTrue(KeyBinding.verify(alpha.getPublic(), message, signature));
  }

  @Test
  void alteredMessageKeyOrSignatureFails() {
    byte[] message = KeyBinding.message("fed", "s1", "alpha", sessionKey, DIGEST, PARTIES);
    byte[] signature = KeyBinding.sign(alpha.getPrivate(), message, Drbg.seeded(4));

    assertFalse(KeyBinding.verify(alpha.getPublic(), KeyBinding.message("fed", "s1", "beta", sessionKey, DIGEST, PARTIES), signature));
    assertFalse(KeyBinding.verify(alpha.getPublic(), KeyBinding.message("fed", "s2", "alpha", sessionKey, DIGEST, PARTIES), signature));
    byte[] otherKey = sessionKey.clone();
    otherKey[31] ^= 1;
    assertFalse(KeyBinding.verify(alpha.getPublic(), KeyBinding.message("fed", "s1", "alpha", otherKey, DIGEST, PARTIES), signature));

    assertFalse(KeyBinding.verify(beta.getPublic(), message, signature));

    for (int i = 0; i < signature.length; i++) {
      byte[] altered = signature.clone();
      altered[i] ^= 0x10;
      assertFalse(KeyBinding.verify(alpha.getPublic(), message, altered), "byte " + i);
    }
  }

  @Test
  void malformedInputsAreFalseNotExceptions() {
    byte[] message = KeyBinding.message("fed", "s1", "alpha", sessionKey, DIGEST, PARTIES);
    byte[] signature = KeyBinding.sign(alpha.getPrivate(), message, Drbg.seeded(5));
    assertFalse(KeyBinding.verify(alpha.getPublic(), message, new byte[0]));
    assertFalse(KeyBinding.verify(alpha.getPublic(), message, new byte[] {0x30, 0x01}));
    assertFalse(KeyBinding.verify(alpha.getPublic(), message, Arrays.copyOf(signature, signature.length - 1)));
    assertFalse(KeyBinding.verify(alpha.getPublic(), message, null));
    assertFalse(KeyBinding.verify(null, message, signature));
    assertFalse(KeyBinding.verify(alpha.getPublic(), null, signature));
  }

  @Test
  void signingRejectsNonEcKeys() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024, Drbg.seeded(6));
    KeyPair pair = rsa.generateKeyPair();
    assertThrows(ParleyException.class, () -> KeyBinding.sign(pair.getPrivate(), new byte[] {1}, Drbg.seeded(7)));
    assertFalse(KeyBinding.verify(pair.getPublic(), new byte[] {1}, new byte[70]));
  }

  @Test
  void theLayoutAndTheParticipantsAreBound() throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
    generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    java.security.KeyPair alpha = generator.generateKeyPair();
    byte[] key = new byte[32];
    byte[] signature = KeyBinding.sign(alpha.getPrivate(),
        KeyBinding.message("fed", "s1", "alpha", key, DIGEST, PARTIES), io.parley.protocols.crypto.Drbg.seeded(5));
    assertTrue(KeyBinding.verify(alpha.getPublic(),
        KeyBinding.message("fed", "s1", "alpha", key, DIGEST, java.util.List.of("beta", "alpha")), signature));
    byte[] otherLayout = new byte[32];
    otherLayout[31] = 1;
    assertFalse(KeyBinding.verify(alpha.getPublic(), KeyBinding.message("fed", "s1", "alpha", key, otherLayout, PARTIES), signature));
    assertFalse(KeyBinding.verify(alpha.getPublic(),
        KeyBinding.message("fed", "s1", "alpha", key, DIGEST, java.util.List.of("alpha", "beta", "gamma")), signature));
  }
}
