/**
 * The federation's identities: its CA, each party's and the coordinator's certificate and key,
 * PEM encoding, and the check that turns a certificate into a party name.
 */
package io.parley.protocols.pki;
