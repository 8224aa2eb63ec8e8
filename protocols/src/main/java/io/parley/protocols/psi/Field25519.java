package io.parley.protocols.psi;

import java.math.BigInteger;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * Arithmetic in GF(2^255 - 19) on top of BouncyCastle's {@link X25519Field} (ten 25.5-bit limbs),
 * plus what that class lacks: the exponentiations behind square roots and the Legendre symbol, the
 * wide reduction of hash output, and canonical comparisons.
 */
final class Field25519 {
  static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));

  /** The Montgomery coefficient A of Curve25519 (v^2 = u^3 + A u^2 + u), also J in RFC 9380. */
  static final int A = 486662;

  /** sqrt(-1) = 2^((p - 1) / 4), the root RFC 9380's {@code sqrt} picks is irrelevant here. */
  private static final int[] SQRT_MINUS_ONE =
      fromBigInteger(BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P));

  /** c2 = 2^((p + 3) / 8) of RFC 9380 G.2.1 (Z = 2). */
  private static final int[] TWO_POW_C1 =
      fromBigInteger(BigInteger.TWO.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P));

  private Field25519() {}

  static int[] create() {
    return X25519Field.create();
  }

  static int[] sqrtMinusOne() {
    return SQRT_MINUS_ONE;
  }

  static int[] twoPowC1() {
    return TWO_POW_C1;
  }

  static int[] fromBigInteger(BigInteger value) {
    byte[] bigEndian = value.mod(P).toByteArray(); // below 2^255: at most 32 bytes
    byte[] littleEndian = new byte[32];
    for (int i = 0; i < bigEndian.length; i++) {
      littleEndian[i] = bigEndian[bigEndian.length - 1 - i];
    }
    int[] z = create();
    X25519Field.decode(littleEndian, 0, z);
    return z;
  }

  static BigInteger toBigInteger(int[] x) {
    byte[] littleEndian = encode(x);
    byte[] bigEndian = new byte[33];
    for (int i = 0; i < 32; i++) {
      bigEndian[32 - i] = littleEndian[i];
    }
    return new BigInteger(bigEndian);
  }

  /** The canonical 32-byte little-endian encoding (RFC 7748), without changing {@code x}. */
  static byte[] encode(int[] x) {
    byte[] out = new byte[32];
    encode(x, out, 0);
    return out;
  }

  static void encode(int[] x, byte[] out, int offset) {
    int[] copy = create();
    X25519Field.copy(x, 0, copy, 0);
    canonicalize(copy);
    X25519Field.encode(copy, out, offset);
  }

  /**
   * {@code os2ip(bytes[offset .. offset + 48)) mod p}: RFC 9380 hash_to_field with L = 48. Splits
   * the big-endian integer as {@code high * 2^256 + low} and folds with 2^255 = 19 (mod p).
   */
  static void reduceWideBigEndian(byte[] bytes, int offset, int[] z) {
    byte[] low = new byte[32];
    byte[] high = new byte[32];
    for (int i = 0; i < 32; i++) {
      low[i] = bytes[offset + 47 - i];
    }
    for (int i = 0; i < 16; i++) {
      high[i] = bytes[offset + 15 - i];
    }
    int bit255 = (low[31] >>> 7) & 1;
    X25519Field.decode(low, 0, z); // drops bit 255
    int[] highPart = create();
    X25519Field.decode(high, 0, highPart);
    X25519Field.mul(highPart, 38, highPart); // 2^256 = 38 (mod p)
    X25519Field.add(z, highPart, z);
    int[] fold = create();
    fold[0] = 19 * bit255;
    X25519Field.add(z, fold, z);
    canonicalize(z);
  }

  /** z = x^((p - 5) / 8) = x^(2^252 - 3), the chain of ref10's fe_pow22523. */
  static void pow22523(int[] x, int[] z) {
    int[] t0 = create();
    int[] t1 = create();
    int[] t2 = create();
    X25519Field.sqr(x, t0); // 2
    X25519Field.sqr(t0, 2, t1); // 8
    X25519Field.mul(x, t1, t1); // 9
    X25519Field.mul(t0, t1, t0); // 11
    X25519Field.sqr(t0, t0); // 22
    X25519Field.mul(t1, t0, t0); // 2^5 - 1
    X25519Field.sqr(t0, 5, t1);
    X25519Field.mul(t1, t0, t0); // 2^10 - 1
    X25519Field.sqr(t0, 10, t1);
    X25519Field.mul(t1, t0, t1); // 2^20 - 1
    X25519Field.sqr(t1, 20, t2);
    X25519Field.mul(t2, t1, t1); // 2^40 - 1
    X25519Field.sqr(t1, 10, t1);
    X25519Field.mul(t1, t0, t0); // 2^50 - 1
    X25519Field.sqr(t0, 50, t1);
    X25519Field.mul(t1, t0, t1); // 2^100 - 1
    X25519Field.sqr(t1, 100, t2);
    X25519Field.mul(t2, t1, t1); // 2^200 - 1
    X25519Field.sqr(t1, 50, t1);
    X25519Field.mul(t1, t0, t0); // 2^250 - 1
    X25519Field.sqr(t0, 2, t0); // 2^252 - 4
    X25519Field.mul(t0, x, z); // 2^252 - 3
  }

  /**
   * The Legendre symbol as {@code x^((p - 1) / 2)}: 1 for a non-zero square, 0 for zero, -1 for a
   * non-square. (p - 1) / 2 = 4 (p - 5) / 8 + 2.
   */
  static int legendre(int[] x) {
    int[] t = create();
    pow22523(x, t);
    X25519Field.sqr(t, 2, t);
    int[] xSquared = create();
    X25519Field.sqr(x, xSquared);
    X25519Field.mul(t, xSquared, t);
    X25519Field.normalize(t);
    if (X25519Field.isZeroVar(t)) {
      return 0;
    }
    return X25519Field.isOneVar(t) ? 1 : -1;
  }

  /**
   * Reduces {@code z} in place to the canonical representative. Sums and differences of limbs are
   * not carried by {@link X25519Field#add}/{@link X25519Field#sub}, so carry first.
   */
  static void canonicalize(int[] z) {
    X25519Field.carry(z);
    X25519Field.normalize(z);
  }

  /** -1 if {@code x == y} in the field, else 0; neither argument changes. */
  static int equalMask(int[] x, int[] y) {
    int[] a = create();
    int[] b = create();
    X25519Field.copy(x, 0, a, 0);
    X25519Field.copy(y, 0, b, 0);
    canonicalize(a);
    canonicalize(b);
    return X25519Field.areEqual(a, b);
  }

  static boolean isZero(int[] x) {
    int[] a = create();
    X25519Field.copy(x, 0, a, 0);
    canonicalize(a);
    return X25519Field.isZeroVar(a);
  }

  /** sgn0 of RFC 9380 for m = 1: the parity of the canonical representative, as 0 or 1. */
  static int sgn0(int[] x) {
    int[] a = create();
    X25519Field.copy(x, 0, a, 0);
    canonicalize(a);
    return a[0] & 1;
  }
}
