/**
 * Private set intersection and private joins: hashing identifiers to Curve25519 (RFC 9380), the
 * ECDH-PSI blinding keys, and the party and coordinator roles of the intersection variants.
 */
package io.parley.protocols.psi;
