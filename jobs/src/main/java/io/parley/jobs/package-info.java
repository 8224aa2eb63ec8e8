/**
 * Entry points only: the parley command line and the classes spark-submit runs.
 * Each command parses its flags and hands the work to the connector or the protocols.
 */
package io.parley.jobs;
