/**
 * Physical planning of federated aggregates: {@link io.parley.connector.exec.FederatedAggregateExec} runs one
 * secure aggregation as the initiator on the driver; {@link io.parley.connector.exec.FederatedAggregateStrategy} plans it.
 */
package io.parley.connector.exec;
