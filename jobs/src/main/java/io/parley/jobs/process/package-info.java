/**
 * Child JVMs the demo and the benchmark start (coordinator, responders): launch with Spark's JVM
 * flags, wait for ready lines with hard timeouts, stop on exit, and read their peak memory.
 */
package io.parley.jobs.process;
