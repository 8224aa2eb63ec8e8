/**
 * A party's role in secure aggregation (Tier 1): signed session keys, pairwise and group secrets,
 * group-key tokens, and the masks that cancel in the coordinator's sum.
 */
package io.parley.protocols.aggregation;
