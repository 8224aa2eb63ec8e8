/**
 * A party's connection to the coordinator: mutual TLS material and a blocking gRPC client that
 * turns every failure into a ParleyException naming what went wrong.
 */
package io.parley.protocols.client;
