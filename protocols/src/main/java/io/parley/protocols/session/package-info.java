/**
 * Joining a coordinator session with a signed X25519 key and checking every member's signed key:
 * the pairwise secrets that aggregation and the three-party engine derive their keys from.
 */
package io.parley.protocols.session;
