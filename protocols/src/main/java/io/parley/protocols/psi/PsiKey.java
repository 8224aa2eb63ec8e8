package io.parley.protocols.psi;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.SecretBytes;
import java.io.Serializable;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * A party's secret ECDH-PSI exponent for one session and one {@link PsiDomain}: an X25519 scalar.
 * {@link #blind} maps an identifier to {@code X25519(k, H(id))} with H = {@link HashToCurve};
 * {@link #reblind} applies k to a point a peer blinded with its own key. Immutable, so one instance
 * serves every task of an executor; every method is batch in, batch out, with no shared state.
 *
 * <p><b>Why the two orders agree.</b> X25519(k, u) is the u-coordinate of [clamp(k)] P for either
 * point P with that u-coordinate, computed by the Montgomery ladder on u alone (RFC 7748). Scalar
 * multiplication commutes, so X25519(a, X25519(b, u)) = u([a][b] P) = u([b][a] P) = X25519(b,
 * X25519(a, u)): (H^a)^b = (H^b)^a. The sign of y never matters because u(P) = u(-P). Clamped
 * scalars are 2^254 plus a multiple of 8 below 2^254: a multiple of the cofactor 8, so any
 * small-order component of an input is annihilated and the output lies in the prime-order subgroup
 * of order l = 2^252 + 27742317777372353535851937790883648493 (RFC 9380's cofactor clearing of H
 * already put H(id) there). Within that cyclic group, a and b act as exponents a mod l and b mod l,
 * which is the ECDH-PSI of Meadows (1986) and Huberman, Franklin and Hogg (1999): hiding the
 * identifiers reduces to the decisional Diffie-Hellman problem in that group, with H a random
 * oracle.
 *
 * <p><b>Points a peer sends.</b> {@link #reblind} refuses, with a {@link ParleyException} naming
 * the peer: a wrong length; a non-canonical encoding (bit 255 set or u >= p: honest X25519 output
 * never is, and X25519 would silently reduce it to another point); a u-coordinate on the quadratic
 * twist (u^3 + 486662 u^2 + u not a square: see below); and any input whose result is the all-zero
 * string, which is what X25519 returns for the curve's small-order points (u = 0 of order 2, u = 1
 * of order 4, and the two points of order 8), since a multiple of 8 kills them. (u = -1, of order
 * 4, lies on the twist.)
 *
 * <p><b>The twist.</b> The ladder runs just as well on u-coordinates of the twist curve, whose
 * group has order 4 l' with l' a 253-bit prime, so a hostile peer can ask us to compute [k] T for a
 * twist point T of its choice. What that could leak is k modulo the orders of the twist's small
 * subgroups (the Lim-Lee / invalid-curve attack); Curve25519 is twist-secure (l' is prime and the
 * small part, order 4, is killed by the multiple of 8), so the answer leaks nothing feasible to
 * extract. It also cannot fake a match, because twist outputs are twist points and no honest
 * doubly-blinded value is one. We still reject twist inputs, for two reasons: they are proof of a
 * misbehaving peer, who should be named rather than served, and the check keeps the security
 * argument to the one group in which DDH is assumed. An honest peer only ever sends outputs of
 * X25519 on curve points, which are curve points, so the check never fires in a correct run. It
 * costs one exponentiation (the Legendre symbol), about a tenth of a scalar multiplication.
 *
 * <p><b>Which code multiplies.</b> {@link X25519Implementation}: libsodium's {@code
 * crypto_scalarmult} where it loads (about 28 µs a multiplication on the benchmark machine, against
 * 57 µs), else BouncyCastle's. Both compute RFC 7748's X25519, so the choice never changes a
 * result; the checks above run in Java before either sees a peer's point.
 *
 * <p>Serializable so the key reaches this party's own executors in a task closure; never
 * Java-deserialize one from elsewhere, and enable Spark's RPC encryption on a shared cluster.
 */
public final class PsiKey implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Length of identifiers' blinded forms and of every point exchanged. */
  public static final int POINT_BYTES = Curve25519Points.POINT_BYTES;

  private final PsiDomain domain;
  private final SecretBytes scalar;
  private final X25519Implementation implementation;

  private PsiKey(PsiDomain domain, SecretBytes scalar, X25519Implementation implementation) {
    this.domain = domain;
    this.scalar = scalar;
    this.implementation = implementation;
  }

  /** A fresh clamped X25519 scalar drawn from {@code random}, multiplied by {@link X25519Implementation#AUTO}. */
  public static PsiKey generate(PsiDomain domain, SecureRandom random) {
    return generate(domain, random, X25519Implementation.AUTO);
  }

  /**
   * A fresh clamped X25519 scalar drawn from {@code random}; {@code implementation} picks the code
   * that multiplies, wherever the key is used (it travels with the key to executors).
   */
  public static PsiKey generate(
      PsiDomain domain, SecureRandom random, X25519Implementation implementation) {
    byte[] scalar = new byte[X25519.SCALAR_SIZE];
    X25519.generatePrivateKey(random, scalar);
    try {
      return new PsiKey(
          Objects.requireNonNull(domain, "domain"),
          SecretBytes.of(scalar),
          Objects.requireNonNull(implementation, "implementation"));
    } finally {
      Arrays.fill(scalar, (byte) 0);
    }
  }

  /** The same scalar multiplied by another implementation (for tests and benchmarks). */
  PsiKey withImplementation(X25519Implementation other) {
    return new PsiKey(domain, scalar, Objects.requireNonNull(other, "implementation"));
  }

  public PsiDomain domain() {
    return domain;
  }

  /** {@code X25519(k, H(identifier))} for one identifier's canonical bytes. */
  public byte[] blind(byte[] canonicalIdentifier) {
    return blindAll(new byte[][] {canonicalIdentifier})[0];
  }

  /** {@link #blind} for a batch, in the same order (hashing shares one inversion per batch). */
  public byte[][] blindAll(byte[][] canonicalIdentifiers) {
    byte[][] hashed = HashToCurve.hashToCurveAll(canonicalIdentifiers, domain.dst());
    try (X25519Implementation.ScalarMultiplier k = multiplier()) {
      for (int i = 0; i < hashed.length; i++) {
        byte[] blinded = new byte[POINT_BYTES];
        if (!k.multiply(hashed[i], blinded)) {
          // H(id) at infinity or of small order: probability about 2^-250 per identifier.
          throw new ParleyException(
              "an identifier hashed to a point of small order in PSI domain "
                  + domain
                  + "; change the session to rehash");
        }
        hashed[i] = blinded;
      }
      return hashed;
    }
  }

  /** {@code X25519(k, point)} for one point a peer sent; see the class comment for refusals. */
  public byte[] reblind(byte[] peerPoint) {
    return reblindAll(new byte[][] {peerPoint}, "the peer")[0];
  }

  /**
   * {@link #reblind} for a batch, in the same order.
   *
   * @param peer the party that sent the points, named in the error if one is refused
   */
  public byte[][] reblindAll(byte[][] peerPoints, String peer) {
    byte[][] out = new byte[peerPoints.length][];
    try (X25519Implementation.ScalarMultiplier k = multiplier()) {
      for (int i = 0; i < peerPoints.length; i++) {
        byte[] point = peerPoints[i];
        checkPeerPoint(point, peer, i);
        byte[] reblinded = new byte[POINT_BYTES];
        if (!k.multiply(point, reblinded)) {
          throw refused(peer, i, "is a point of small order (X25519 output all zeros)");
        }
        out[i] = reblinded;
      }
      return out;
    }
  }

  private X25519Implementation.ScalarMultiplier multiplier() {
    byte[] k = scalar.bytes();
    try {
      return implementation.multiplier(k);
    } finally {
      Arrays.fill(k, (byte) 0);
    }
  }

  /** Zeroes the scalar at the end of the session; the key is unusable afterwards. */
  public void destroy() {
    scalar.destroy();
  }

  private static void checkPeerPoint(byte[] point, String peer, int index) {
    if (point == null || point.length != POINT_BYTES) {
      throw refused(
          peer,
          index,
          "has "
              + (point == null ? "no bytes" : point.length + " bytes")
              + "; X25519 u-coordinates are 32 bytes");
    }
    if (!Curve25519Points.isCanonical(point)) {
      throw refused(peer, index, "is not a canonical u-coordinate (bit 255 set or u >= 2^255-19)");
    }
    if (Curve25519Points.curveEquationLegendre(point) < 0) {
      throw refused(peer, index, "lies on the twist of Curve25519, not on the curve");
    }
  }

  private static ParleyException refused(String peer, int index, String what) {
    return new ParleyException(
        "PSI: point "
            + index
            + " from party '"
            + peer
            + "' "
            + what
            + "; refusing to apply this party's key to it (a misbehaving or incompatible peer)");
  }

  @Override
  public String toString() {
    return "PsiKey[X25519 (" + implementation + "), " + domain + ", scalar redacted]";
  }
}
