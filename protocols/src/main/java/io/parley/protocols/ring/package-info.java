/**
 * Arithmetic in the ring Z/2^64 on {@code long}: signed integers as 32-bit limbs in ring words,
 * doubles as fixed-point integers, and vectors of ring elements with their wire form.
 */
package io.parley.protocols.ring;
