/**
 * The secure_* aggregate functions: names, usage text and Spark's result types ({@link
 * io.parley.connector.functions.SecureFunction}), each call's local statistics, ring encoding and
 * finishing ({@link io.parley.connector.functions.CallStatistics}), and canonical group-key bytes
 * ({@link io.parley.connector.functions.GroupKeyCodec}).
 */
package io.parley.connector.functions;
