/**
 * Arithmetic in the ring Z/2^64 on {@code long}: vectors of ring elements and their wire form.
 * Wrap-around is the reduction; nothing here allocates per element.
 */
package io.parley.protocols.ring;
