/**
 * Serialization for Spark: the Kryo registrator for the values Parley's tasks exchange inside one
 * party's cluster (never for anything another party sent: that is protobuf).
 */
package io.parley.connector.serde;
