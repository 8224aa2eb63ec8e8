package io.parley.protocols.psi;

import org.bouncycastle.math.ec.rfc7748.X25519Field;

/** Checks on u-coordinates received from a peer before this party's key touches them. */
final class Curve25519Points {
  static final int POINT_BYTES = 32;

  private Curve25519Points() {}

  /**
   * True if {@code u} is the canonical encoding of a field element: bit 255 clear and the value
   * below p. Honest X25519 outputs always are; X25519 itself would silently reduce the rest.
   */
  static boolean isCanonical(byte[] u) {
    if ((u[31] & 0x80) != 0) {
      return false;
    }
    // u >= p only for 2^255 - 19 .. 2^255 - 1: top byte 0x7f, bytes 30..1 all 0xff, low byte >=
    // 0xed
    if ((u[31] & 0xff) != 0x7f || (u[0] & 0xff) < 0xed) {
      return true;
    }
    for (int i = 1; i < 31; i++) {
      if ((u[i] & 0xff) != 0xff) {
        return true;
      }
    }
    return false;
  }

  /**
   * The Legendre symbol of u^3 + A u^2 + u: 1 if u is the x-coordinate of a point of Curve25519
   * with v != 0, -1 if it is on the quadratic twist, 0 only for u = 0 (u^2 + A u + 1 has no root in
   * GF(p): A^2 - 4 is not a square).
   */
  static int curveEquationLegendre(byte[] u) {
    int[] x = Field25519.create();
    X25519Field.decode(u, 0, x);
    int[] rhs = Field25519.create();
    X25519Field.add(x, fromInt(Field25519.A), rhs); // u + A
    X25519Field.mul(rhs, x, rhs); // u^2 + A u
    X25519Field.addOne(rhs); // u^2 + A u + 1
    X25519Field.mul(rhs, x, rhs); // u^3 + A u^2 + u
    return Field25519.legendre(rhs);
  }

  private static int[] fromInt(int value) {
    int[] z = Field25519.create();
    z[0] = value;
    return z;
  }
}
