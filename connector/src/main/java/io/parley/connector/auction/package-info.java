/**
 * Sealed-bid auctions over a federated table of bids: each compute party's top two bids from one
 * Spark job, then the winner and the price decided on replicated shares, revealed only as stated.
 */
package io.parley.connector.auction;
