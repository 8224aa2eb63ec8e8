/**
 * Catalyst analyzer and optimizer rules: federated-table resolution, the secure-aggregate rewrite into
 * {@link io.parley.connector.plan.FederatedAggregateNode}, the checks that refuse unsafe queries, and the secure_* builders.
 */
package io.parley.connector.plan;
