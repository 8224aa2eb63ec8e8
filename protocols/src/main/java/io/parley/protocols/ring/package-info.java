/**
 * Arithmetic in the ring Z/2^64 on {@code long}: signed integers as 32-bit limbs in ring words, and
 * doubles as fixed-point integers, so masked sums decode exactly.
 */
package io.parley.protocols.ring;
