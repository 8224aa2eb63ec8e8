/**
 * Parley's Spark connector: extensions, secure_* functions, federated tables and operators.
 * Everything Spark-specific lives below this package; the mathematics stays in protocols.
 */
package io.parley.connector;
