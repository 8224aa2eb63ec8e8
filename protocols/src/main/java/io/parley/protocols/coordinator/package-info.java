/**
 * The coordinator service: gRPC over mutual TLS, the session state machine for secure aggregation,
 * the relay of end-to-end encrypted party messages, and the transcript of what it received.
 */
package io.parley.protocols.coordinator;
