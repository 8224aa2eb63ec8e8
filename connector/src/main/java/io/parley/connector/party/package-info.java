/**
 * The party runtime on driver and executors: settings, TLS and the coordinator client per session,
 * local parts of federated tables, the secure aggregation a party runs, and the always-on responder.
 */
package io.parley.connector.party;
