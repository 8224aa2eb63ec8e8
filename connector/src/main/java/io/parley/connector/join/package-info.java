/**
 * Private joins (ECDH-PSI) on Spark: {@link io.parley.connector.join.PrivateJoins} runs a join's
 * intersection, its size or a sum over it between two parties, every step in the executors.
 */
package io.parley.connector.join;
