package io.parley.protocols.crypto;

import io.parley.protocols.ParleyException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;

/**
 * The signature that binds a party's X25519 session key to its certificate, so the coordinator
 * cannot substitute keys: ECDSA P-256 with SHA-256 (the federation CA issues P-256 keys) over
 * {@link #message}.
 */
public final class KeyBinding {
  /** The label of the signed message; part of the wire contract. */
  public static final String LABEL = "parley/v1/session-key";

  private static final String ALGORITHM = "SHA256withECDSA";

  private KeyBinding() {}

  /**
   * The canonical message {@code "parley/v1/session-key" | federation | session | party | key |
   * layout digest | participants}, encoded as {@link Hkdf#info(String, byte[]...)} does
   * (length-prefixed, so injective); the participants are sorted and length-prefixed too. Signing
   * the layout and the participants means a party's key is valid only for the computation and the
   * company it agreed to: the coordinator can neither mix layouts nor add or drop a party unseen.
   */
  public static byte[] message(
      String federation,
      String sessionId,
      String party,
      byte[] sessionPublicKey,
      byte[] layoutDigest,
      java.util.List<String> participants) {
    java.util.List<String> sorted = new java.util.ArrayList<>(participants);
    sorted.sort(null);
    return Hkdf.info(
        LABEL,
        federation.getBytes(StandardCharsets.UTF_8),
        sessionId.getBytes(StandardCharsets.UTF_8),
        party.getBytes(StandardCharsets.UTF_8),
        sessionPublicKey,
        layoutDigest,
        Hkdf.info("participants", sorted.toArray(String[]::new)));
  }

  /** A DER-encoded SHA256withECDSA signature of {@code message}. */
  public static byte[] sign(PrivateKey key, byte[] message, SecureRandom random) {
    if (!"EC".equals(key.getAlgorithm())) {
      throw new ParleyException(
          "a party's certificate key must be ECDSA P-256 to sign its session key, got a "
              + key.getAlgorithm() + " key");
    }
    try {
      Signature signature = Signature.getInstance(ALGORITHM);
      signature.initSign(key, random);
      signature.update(message);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new ParleyException(
          "signing the session key with the certificate key failed: " + e.getMessage(), e);
    }
  }

  /**
   * Whether {@code signature} is a valid SHA256withECDSA signature of {@code message} under
   * {@code key}. False for any malformed key, message or signature; never throws for them.
   */
  public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    if (key == null || message == null || signature == null) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance(ALGORITHM);
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }
}
