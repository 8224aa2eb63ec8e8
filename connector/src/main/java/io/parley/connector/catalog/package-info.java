/**
 * The read-only {@code parley} catalog ({@code spark.sql.catalog.parley}), listing the federation's tables.
 * It hands out the same federated relation as the {@code parley} data source, so {@code FROM parley.sales} works.
 */
package io.parley.connector.catalog;
