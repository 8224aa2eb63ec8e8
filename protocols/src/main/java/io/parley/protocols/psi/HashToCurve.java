package io.parley.protocols.psi;

import io.parley.protocols.ParleyException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * Hashing byte strings to Curve25519 per RFC 9380, suite {@value #SUITE}: expand_message_xmd with
 * SHA-512, hash_to_field with m = 1, L = 48 and count = 2, the Elligator 2 map of Appendix G.2.1
 * (straight-line, Z = 2) applied to both field elements, the sum of the two points on the
 * Montgomery curve, and cofactor clearing by h_eff = 8. The result is the point's u-coordinate in
 * the 32-byte little-endian encoding of RFC 7748, ready for X25519.
 *
 * <p><b>Why the random-oracle suite.</b> The security argument for ECDH-PSI (and for the
 * Diffie-Hellman OPRF of RFC 9497, which uses the same suites) models H as a random oracle into the
 * prime-order group: the simulator programs H(x) to group elements derived from a DDH challenge.
 * {@code hash_to_curve} (RO) is indifferentiable from such an oracle. The cheaper non-uniform
 * {@code encode_to_curve} (one map, {@link #encodeToCurve}) hits only about half of the curve's
 * points, unevenly after cofactor clearing, and RFC 9380 (Section 3) rules it out where a random
 * oracle is required; a proof could be rescued with preimage sampling, but the second map costs
 * only a tenth of an X25519 scalar multiplication, so Parley pays it. The NU variant stays here,
 * unused by PSI, because its RFC vectors pin down the map on its own.
 *
 * <p><b>Cost.</b> Each map takes one exponentiation (x^((p-5)/8)); the sum and the three x-only
 * doublings are projective, and the one inversion left is shared by a whole batch in {@link
 * #hashToCurveAll} (Montgomery's trick). Not constant time in the (negligible-probability) special
 * cases of point addition. Thread-safe: all state is local.
 */
public final class HashToCurve {
  /** The RFC 9380 suite identifier. */
  public static final String SUITE = "curve25519_XMD:SHA-512_ELL2_RO_";

  /** The non-uniform sibling, used only for its known-answer tests. */
  public static final String SUITE_NU = "curve25519_XMD:SHA-512_ELL2_NU_";

  /** Length of the output u-coordinate. */
  public static final int POINT_BYTES = 32;

  private static final int FIELD_ELEMENT_BYTES = 48; // L = ceil((255 + 128) / 8)
  private static final int SHA512_BLOCK_BYTES = 128; // s_in_bytes
  private static final int SHA512_BYTES = 64; // b_in_bytes
  private static final int MAX_DST_BYTES = 255;
  private static final byte[] OVERSIZE_PREFIX =
      "H2C-OVERSIZE-DST-".getBytes(StandardCharsets.US_ASCII);

  private HashToCurve() {}

  /** {@code hash_to_curve(message)} under {@code dst}: the u-coordinate, little-endian. */
  public static byte[] hashToCurve(byte[] message, byte[] dst) {
    return hashToCurveAll(new byte[][] {message}, dst)[0];
  }

  /** {@link #hashToCurve} for every message, sharing one field inversion across the batch. */
  public static byte[][] hashToCurveAll(byte[][] messages, byte[] dst) {
    MessageDigest sha512 = sha512();
    byte[] dstPrime = dstPrime(dst, sha512);
    int count = messages.length;
    int[][] numerators = new int[count][];
    int[][] denominators = new int[count][];
    for (int i = 0; i < count; i++) {
      int[][] u = hashToField(messages[i], dstPrime, 2, sha512);
      int[][] projective = sumOfMaps(u[0], u[1]);
      clearCofactor(projective[0], projective[1]);
      numerators[i] = projective[0];
      denominators[i] = projective[1];
    }
    return affineU(numerators, denominators);
  }

  /** {@code encode_to_curve(message)} of the NU suite: one map, then clear_cofactor. */
  public static byte[] encodeToCurve(byte[] message, byte[] dst) {
    MessageDigest sha512 = sha512();
    int[][] u = hashToField(message, dstPrime(dst, sha512), 1, sha512);
    int[][] point = mapToCurve(u[0]);
    int[] numerator = point[0];
    int[] denominator = point[1];
    clearCofactor(numerator, denominator);
    return affineU(new int[][] {numerator}, new int[][] {denominator})[0];
  }

  /** RFC 9380 Section 5.3.1 with SHA-512; {@code dst} as given (oversize handling applied). */
  static byte[] expandMessageXmd(byte[] message, byte[] dst, int lengthInBytes) {
    MessageDigest sha512 = sha512();
    return expandMessageXmd(message, dstPrime(dst, sha512), lengthInBytes, sha512);
  }

  /** The field elements of {@code hash_to_field(message, count)}, as canonical integers. */
  static int[][] hashToField(byte[] message, byte[] dst, int count) {
    MessageDigest sha512 = sha512();
    return hashToField(message, dstPrime(dst, sha512), count, sha512);
  }

  /**
   * The affine Elligator 2 image of {@code u}: {x, y} as canonical 32-byte little-endian values.
   * Test hook for the Q0/Q1 vectors.
   */
  static byte[][] mapToCurveAffine(int[] u) {
    int[][] point = mapToCurve(u);
    int[] inverse = Field25519.create();
    X25519Field.inv(point[1], inverse);
    int[] x = Field25519.create();
    X25519Field.mul(point[0], inverse, x);
    return new byte[][] {Field25519.encode(x), Field25519.encode(point[2])};
  }

  private static int[][] hashToField(
      byte[] message, byte[] dstPrime, int count, MessageDigest sha512) {
    byte[] uniform = expandMessageXmd(message, dstPrime, count * FIELD_ELEMENT_BYTES, sha512);
    int[][] elements = new int[count][];
    for (int i = 0; i < count; i++) {
      elements[i] = Field25519.create();
      Field25519.reduceWideBigEndian(uniform, i * FIELD_ELEMENT_BYTES, elements[i]);
    }
    return elements;
  }

  /** DST_prime = DST || I2OSP(len(DST), 1), after the oversize rule of Section 5.3.3. */
  private static byte[] dstPrime(byte[] dst, MessageDigest sha512) {
    byte[] tag = dst;
    if (tag.length > MAX_DST_BYTES) {
      sha512.reset();
      sha512.update(OVERSIZE_PREFIX);
      sha512.update(dst);
      tag = sha512.digest();
    }
    byte[] prime = new byte[tag.length + 1];
    System.arraycopy(tag, 0, prime, 0, tag.length);
    prime[tag.length] = (byte) tag.length;
    return prime;
  }

  private static byte[] expandMessageXmd(
      byte[] message, byte[] dstPrime, int lengthInBytes, MessageDigest sha512) {
    int blocks = (lengthInBytes + SHA512_BYTES - 1) / SHA512_BYTES;
    if (blocks > 255 || lengthInBytes > 65535) {
      throw new IllegalArgumentException("expand_message_xmd: output too long: " + lengthInBytes);
    }
    sha512.reset();
    sha512.update(new byte[SHA512_BLOCK_BYTES]); // Z_pad
    sha512.update(message);
    sha512.update((byte) (lengthInBytes >>> 8));
    sha512.update((byte) lengthInBytes);
    sha512.update((byte) 0);
    sha512.update(dstPrime);
    byte[] b0 = sha512.digest();
    byte[] out = new byte[lengthInBytes];
    byte[] previous = new byte[SHA512_BYTES];
    for (int i = 1; i <= blocks; i++) {
      for (int k = 0; k < SHA512_BYTES; k++) {
        previous[k] ^= b0[k]; // b_1 = H(b0 || ...): previous starts as zeros
      }
      sha512.update(previous);
      sha512.update((byte) i);
      sha512.update(dstPrime);
      previous = sha512.digest();
      int offset = (i - 1) * SHA512_BYTES;
      System.arraycopy(previous, 0, out, offset, Math.min(SHA512_BYTES, lengthInBytes - offset));
    }
    return out;
  }

  /**
   * map_to_curve_elligator2_curve25519 of RFC 9380 Appendix G.2.1, step by step: returns {xn, xd,
   * y} with x = xn / xd (the map's yd is 1).
   */
  static int[][] mapToCurve(int[] u) {
    int[] tv1 = Field25519.create();
    int[] tv2 = Field25519.create();
    int[] tv3 = Field25519.create();
    int[] xd = Field25519.create();
    int[] x1n = Field25519.create();
    int[] gxd = Field25519.create();
    int[] gx1 = Field25519.create();
    X25519Field.sqr(u, tv1); // 1. tv1 = u^2
    X25519Field.add(tv1, tv1, tv1); // 2. tv1 = 2 * tv1
    X25519Field.one(xd);
    X25519Field.add(tv1, xd, xd); // 3. xd = tv1 + 1, non-zero: -1 is a square, 2 u^2 is not
    int[] j = Field25519.create();
    j[0] = Field25519.A;
    X25519Field.negate(j, x1n); // 4. x1n = -J
    X25519Field.sqr(xd, tv2); // 5. tv2 = xd^2
    X25519Field.mul(tv2, xd, gxd); // 6. gxd = xd^3
    X25519Field.mul(tv1, Field25519.A, gx1); // 7. gx1 = J * tv1
    X25519Field.mul(gx1, x1n, gx1); // 8. gx1 = gx1 * x1n
    X25519Field.add(gx1, tv2, gx1); // 9. gx1 = gx1 + tv2
    X25519Field.mul(gx1, x1n, gx1); // 10. gx1 = gx1 * x1n
    X25519Field.sqr(gxd, tv3); // 11. tv3 = gxd^2
    X25519Field.sqr(tv3, tv2); // 12. tv2 = gxd^4
    X25519Field.mul(tv3, gxd, tv3); // 13. tv3 = gxd^3
    X25519Field.mul(tv3, gx1, tv3); // 14. tv3 = gx1 * gxd^3
    X25519Field.mul(tv2, tv3, tv2); // 15. tv2 = gx1 * gxd^7
    int[] y11 = Field25519.create();
    Field25519.pow22523(tv2, y11); // 16. y11 = tv2^c4
    X25519Field.mul(y11, tv3, y11); // 17. y11 = y11 * tv3
    int[] y12 = Field25519.create();
    X25519Field.mul(y11, Field25519.sqrtMinusOne(), y12); // 18. y12 = y11 * c3
    X25519Field.sqr(y11, tv2); // 19. tv2 = y11^2
    X25519Field.mul(tv2, gxd, tv2); // 20. tv2 = tv2 * gxd
    int e1 = Field25519.equalMask(tv2, gx1); // 21. e1 = tv2 == gx1
    int[] y1 = y12;
    X25519Field.cmov(e1, y11, 0, y1, 0); // 22. y1 = CMOV(y12, y11, e1)
    int[] x2n = Field25519.create();
    X25519Field.mul(x1n, tv1, x2n); // 23. x2n = x1n * tv1
    int[] y21 = Field25519.create();
    X25519Field.mul(y11, u, y21); // 24. y21 = y11 * u
    X25519Field.mul(y21, Field25519.twoPowC1(), y21); // 25. y21 = y21 * c2
    int[] y22 = Field25519.create();
    X25519Field.mul(y21, Field25519.sqrtMinusOne(), y22); // 26. y22 = y21 * c3
    int[] gx2 = Field25519.create();
    X25519Field.mul(gx1, tv1, gx2); // 27. gx2 = gx1 * tv1
    X25519Field.sqr(y21, tv2); // 28. tv2 = y21^2
    X25519Field.mul(tv2, gxd, tv2); // 29. tv2 = tv2 * gxd
    int e2 = Field25519.equalMask(tv2, gx2); // 30. e2 = tv2 == gx2
    int[] y2 = y22;
    X25519Field.cmov(e2, y21, 0, y2, 0); // 31. y2 = CMOV(y22, y21, e2)
    X25519Field.sqr(y1, tv2); // 32. tv2 = y1^2
    X25519Field.mul(tv2, gxd, tv2); // 33. tv2 = tv2 * gxd
    int e3 = Field25519.equalMask(tv2, gx1); // 34. e3 = tv2 == gx1
    int[] xn = x2n;
    X25519Field.cmov(e3, x1n, 0, xn, 0); // 35. xn = CMOV(x2n, x1n, e3)
    int[] y = y2;
    X25519Field.cmov(e3, y1, 0, y, 0); // 36. y = CMOV(y2, y1, e3)
    int e4 = -Field25519.sgn0(y); // 37. e4 = sgn0(y) == 1, as a mask
    int[] minusY = Field25519.create();
    X25519Field.negate(y, minusY);
    X25519Field.cmov(e3 ^ e4, minusY, 0, y, 0); // 38. y = CMOV(y, -y, e3 XOR e4)
    return new int[][] {xn, xd, y};
  }

  /**
   * The x-coordinate of map(u0) + map(u1) on v^2 = u^3 + A u^2 + u, projectively {X, Z}. With
   * lambda = (y1 - y0) / (x1 - x0) = ln / ld, x3 = lambda^2 - A - x0 - x1; only x3 is needed
   * because cofactor clearing works on x alone.
   */
  private static int[][] sumOfMaps(int[] u0, int[] u1) {
    int[][] q0 = mapToCurve(u0);
    int[][] q1 = mapToCurve(u1);
    int[] x0n = q0[0];
    int[] x0d = q0[1];
    int[] y0 = q0[2];
    int[] x1n = q1[0];
    int[] x1d = q1[1];
    int[] y1 = q1[2];
    int[] denominators = Field25519.create();
    X25519Field.mul(x0d, x1d, denominators);
    int[] cross0 = Field25519.create(); // x0n * x1d
    X25519Field.mul(x0n, x1d, cross0);
    int[] cross1 = Field25519.create(); // x1n * x0d
    X25519Field.mul(x1n, x0d, cross1);
    int[] lambdaDenominator = Field25519.create();
    X25519Field.sub(cross1, cross0, lambdaDenominator);
    if (Field25519.isZero(lambdaDenominator)) {
      // Equal x: Q0 = Q1 (double it) or Q0 = -Q1 (the sum is the point at infinity, Z = 0).
      // Reaching here needs SHA-512 outputs with u1 = +-u0 or alike: probability about 2^-250.
      int[] x = Field25519.create();
      int[] z = Field25519.create();
      if (Field25519.equalMask(y0, y1) != 0) {
        X25519Field.copy(x0n, 0, x, 0);
        X25519Field.copy(x0d, 0, z, 0);
        doubleX(x, z);
      } else {
        X25519Field.one(x);
      }
      return new int[][] {x, z};
    }
    int[] lambdaNumerator = Field25519.create();
    X25519Field.sub(y1, y0, lambdaNumerator);
    X25519Field.mul(lambdaNumerator, denominators, lambdaNumerator);
    int[] lambdaDenominatorSquared = Field25519.create();
    X25519Field.sqr(lambdaDenominator, lambdaDenominatorSquared);
    // X = ln^2 * x0d * x1d - ld^2 * (A * x0d * x1d + x0n * x1d + x1n * x0d)
    int[] x = Field25519.create();
    X25519Field.sqr(lambdaNumerator, x);
    X25519Field.mul(x, denominators, x);
    int[] subtrahend = Field25519.create();
    X25519Field.mul(denominators, Field25519.A, subtrahend);
    X25519Field.add(subtrahend, cross0, subtrahend);
    X25519Field.add(subtrahend, cross1, subtrahend);
    X25519Field.mul(subtrahend, lambdaDenominatorSquared, subtrahend);
    X25519Field.sub(x, subtrahend, x);
    // Z = ld^2 * x0d * x1d
    int[] z = Field25519.create();
    X25519Field.mul(lambdaDenominatorSquared, denominators, z);
    return new int[][] {x, z};
  }

  /** clear_cofactor with h_eff = 8: three x-only doublings, in place on (X : Z). */
  private static void clearCofactor(int[] x, int[] z) {
    doubleX(x, z);
    doubleX(x, z);
    doubleX(x, z);
  }

  /** x(2P) = (x^2 - 1)^2 / (4 x (x^2 + A x + 1)), projectively; infinity stays (X : 0). */
  private static void doubleX(int[] x, int[] z) {
    int[] xx = Field25519.create();
    int[] zz = Field25519.create();
    int[] xz = Field25519.create();
    X25519Field.sqr(x, xx);
    X25519Field.sqr(z, zz);
    X25519Field.mul(x, z, xz);
    int[] difference = Field25519.create();
    X25519Field.sub(xx, zz, difference);
    X25519Field.sqr(difference, x);
    int[] inner = Field25519.create();
    X25519Field.mul(xz, Field25519.A, inner);
    X25519Field.add(inner, xx, inner);
    X25519Field.add(inner, zz, inner);
    X25519Field.mul(xz, inner, z);
    X25519Field.mul(z, 4, z);
  }

  /**
   * u = X / Z for every point with one inversion (Montgomery's trick). Z = 0, the point at
   * infinity, encodes as u = 0 like X25519 does; it is set aside so it cannot zero the product.
   */
  private static byte[][] affineU(int[][] numerators, int[][] denominators) {
    int count = numerators.length;
    byte[][] out = new byte[count][];
    boolean[] atInfinity = new boolean[count];
    int[][] prefix = new int[count][];
    int[] running = Field25519.create();
    X25519Field.one(running);
    for (int i = 0; i < count; i++) {
      atInfinity[i] = Field25519.isZero(denominators[i]);
      if (!atInfinity[i]) {
        X25519Field.mul(running, denominators[i], running);
      }
      prefix[i] = Field25519.create();
      X25519Field.copy(running, 0, prefix[i], 0);
    }
    int[] inverse = Field25519.create();
    X25519Field.inv(running, inverse); // 1 / (Z_0 * ... * Z_{n-1})
    int[] u = Field25519.create();
    for (int i = count - 1; i >= 0; i--) {
      if (atInfinity[i]) {
        out[i] = new byte[POINT_BYTES];
        continue;
      }
      int[] inverseOfThis = Field25519.create();
      if (i > 0) {
        X25519Field.mul(inverse, prefix[i - 1], inverseOfThis);
      } else {
        X25519Field.copy(inverse, 0, inverseOfThis, 0);
      }
      X25519Field.mul(inverse, denominators[i], inverse);
      X25519Field.mul(numerators[i], inverseOfThis, u);
      out[i] = Field25519.encode(u);
    }
    return out;
  }

  private static MessageDigest sha512() {
    try {
      return MessageDigest.getInstance("SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new ParleyException("SHA-512 is not available in this JVM", e);
    }
  }
}
