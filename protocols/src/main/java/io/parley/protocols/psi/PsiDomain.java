package io.parley.protocols.psi;

import io.parley.protocols.crypto.Hkdf;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The public context that separates one private join's hashing from every other: the RFC 9380
 * domain separation tag {@code "PARLEY-V01-CS01-with-curve25519_XMD:SHA-512_ELL2_RO_"} followed by
 * {@code Hkdf.info("parley/v1/psi", federation, session, purpose, normalizer spec)} (each part
 * length-prefixed, so the encoding is injective). Tags longer than 255 bytes are hashed as RFC 9380
 * Section 5.3.3 says. Binding the session makes hashed identifiers unlinkable across sessions even
 * if a key were reused; binding the normalizer makes parties that disagree on it match nothing
 * rather than a confusing part of the intersection.
 */
public final class PsiDomain implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The tag prefix: application, version, ciphersuite (RFC 9380 Section 3.1 format). */
  public static final String TAG_PREFIX = "PARLEY-V01-CS01-with-" + HashToCurve.SUITE;

  private final String federation;
  private final String session;
  private final String purpose;
  private final String normalizerSpec;

  private PsiDomain(String federation, String session, String purpose, String normalizerSpec) {
    this.federation = federation;
    this.session = session;
    this.purpose = purpose;
    this.normalizerSpec = normalizerSpec;
  }

  /**
   * @param purpose what is being joined, e.g. the federated table pair and key column, so two joins
   *     in one session hash differently
   */
  public static PsiDomain of(
      String federation, String session, String purpose, IdentifierNormalizer normalizer) {
    return new PsiDomain(
        Objects.requireNonNull(federation, "federation"),
        Objects.requireNonNull(session, "session"),
        Objects.requireNonNull(purpose, "purpose"),
        normalizer.spec());
  }

  /** The domain separation tag handed to {@link HashToCurve}. */
  public byte[] dst() {
    byte[] prefix = TAG_PREFIX.getBytes(StandardCharsets.US_ASCII);
    byte[] context = Hkdf.info("parley/v1/psi", federation, session, purpose, normalizerSpec);
    byte[] tag = new byte[prefix.length + context.length];
    System.arraycopy(prefix, 0, tag, 0, prefix.length);
    System.arraycopy(context, 0, tag, prefix.length, context.length);
    return tag;
  }

  public String federation() {
    return federation;
  }

  public String session() {
    return session;
  }

  public String purpose() {
    return purpose;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PsiDomain
        && federation.equals(((PsiDomain) other).federation)
        && session.equals(((PsiDomain) other).session)
        && purpose.equals(((PsiDomain) other).purpose)
        && normalizerSpec.equals(((PsiDomain) other).normalizerSpec);
  }

  @Override
  public int hashCode() {
    return Objects.hash(federation, session, purpose, normalizerSpec);
  }

  @Override
  public String toString() {
    return "PsiDomain[" + federation + "/" + session + "/" + purpose + "/" + normalizerSpec + "]";
  }
}
