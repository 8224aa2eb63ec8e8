/**
 * Seeded data for the demo and the benchmark: each party's rows, written as CSV or Parquet, and
 * the pooled view plain Spark answers from.
 */
package io.parley.jobs.data;
