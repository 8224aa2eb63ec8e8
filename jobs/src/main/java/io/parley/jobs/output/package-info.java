/**
 * How a query result leaves a command: a text table on the console (like Spark's show) and a CSV
 * file with a header row.
 */
package io.parley.jobs.output;
