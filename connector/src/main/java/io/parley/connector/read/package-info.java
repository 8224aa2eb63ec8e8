/**
 * DataSource V2 entry to federated tables: {@code spark.read.format("parley").option("table", t)}.
 * The relation it yields is a marker that Parley's rules turn into secure aggregates or the party's local part.
 */
package io.parley.connector.read;
