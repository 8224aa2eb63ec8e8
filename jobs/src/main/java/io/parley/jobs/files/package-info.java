/**
 * Files the commands read and write (confs, keys, certificates, results), all through Hadoop's
 * FileSystem, so a path may be local or any Hadoop URI such as {@code hdfs://}.
 */
package io.parley.jobs.files;
