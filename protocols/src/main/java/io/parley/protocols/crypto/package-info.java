/**
 * Parley's cryptographic primitives: secret bytes, HKDF, the AES-CTR mask stream, deterministic and
 * relay ciphers, X25519 session keys, signatures binding them to certificates, and entropy.
 */
package io.parley.protocols.crypto;
