/**
 * Tests across real processes: a coordinator and party JVMs started through {@code jobs/bin/parley},
 * a Spark standalone cluster, an HDFS mini-cluster, spark-submit and a Zeppelin note.
 */
package io.parley.it;
