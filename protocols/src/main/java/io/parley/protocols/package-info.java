/**
 * Parley's protocols: arithmetic, cryptography, the wire format and the coordinator.
 * Nothing here imports Spark; the connector maps Spark onto these roles.
 */
package io.parley.protocols;
