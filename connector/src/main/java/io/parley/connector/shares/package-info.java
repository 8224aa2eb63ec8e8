/**
 * Federated aggregates on three-party replicated secret shares (Tier 2): comparisons, extremes,
 * percentiles and small-group suppression, run by each compute party's driver over sealed relay networks.
 */
package io.parley.connector.shares;
