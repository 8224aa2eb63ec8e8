/**
 * Parley's configuration: every {@code spark.parley.*} key with its default, and the one typed
 * reader (read option, then session conf, then default) the rest of the connector uses.
 */
package io.parley.connector.config;
