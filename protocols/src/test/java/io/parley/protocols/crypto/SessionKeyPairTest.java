package io.parley.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SessionKeyPairTest {
  private static final HexFormat HEX = HexFormat.of();

  /** RFC 7748 section 6.1. */
  @Test
  void rfc7748DiffieHellmanVector() {
    SessionKeyPair alice =
        SessionKeyPair.fromPrivateKey(
            HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    SessionKeyPair bob =
        SessionKeyPair.fromPrivateKey(
            HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    assertEquals(
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        HEX.formatHex(alice.publicKey()));
    assertEquals(
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
        HEX.formatHex(bob.publicKey()));
    String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    assertEquals(shared, HEX.formatHex(alice.agree(bob.publicKey()).bytes()));
    assertEquals(shared, HEX.formatHex(bob.agree(alice.publicKey()).bytes()));
  }

  @Test
  void generatedPairsAgree() {
    SecureRandom random = Drbg.seeded(1);
    SessionKeyPair alpha = SessionKeyPair.generate(random);
    SessionKeyPair beta = SessionKeyPair.generate(random);
    SessionKeyPair gamma = SessionKeyPair.generate(random);
    SecretBytes alphaBeta = alpha.agree(beta.publicKey());
    assertEquals(alphaBeta, beta.agree(alpha.publicKey()));
    assertEquals(32, alphaBeta.length());
    assertNotEquals(alphaBeta, alpha.agree(gamma.publicKey()));
  }

  @Test
  void generationIsReproducibleFromTheSeed() {
    assertArrayEquals(
        SessionKeyPair.generate(Drbg.seeded(7)).publicKey(),
        SessionKeyPair.generate(Drbg.seeded(7)).publicKey());
  }

  @Test
  void rejectsPeerKeysOfWrongLength() {
    SessionKeyPair pair = SessionKeyPair.generate(Drbg.seeded(2));
    for (int length : new int[] {0, 31, 33, 65}) {
      ParleyException e = assertThrows(ParleyException.class, () -> pair.agree(new byte[length]));
      assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
    }
    assertThrows(ParleyException.class, () -> pair.agree(null));
  }

  @Test
  void rejectsSmallOrderPeerKeys() {
    SessionKeyPair pair = SessionKeyPair.generate(Drbg.seeded(3));
    byte[] one = new byte[32];
    one[0] = 1;
    String[] smallOrder = {
      HEX.formatHex(new byte[32]),
      HEX.formatHex(one),
      // order-8 points (RFC 7748 security considerations; libsodium's blocklist)
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    };
    for (String point : smallOrder) {
      ParleyException e =
          assertThrows(ParleyException.class, () -> pair.agree(HEX.parseHex(point)));
      assertTrue(e.getMessage().contains("small-order"), e.getMessage());
    }
  }

  @Test
  void toStringIsRedacted() {
    SessionKeyPair pair = SessionKeyPair.generate(Drbg.seeded(4));
    assertEquals("SessionKeyPair[X25519, private key redacted]", pair.toString());
    assertFalse(pair.toString().contains(HEX.formatHex(pair.publicKey()).substring(0, 8)));
  }
}
