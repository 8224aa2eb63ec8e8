/**
 * The federation definition every party and the coordinator read: the federation's name, its
 * parties and its federated tables with their Spark DDL schemas.
 */
package io.parley.protocols.federation;
