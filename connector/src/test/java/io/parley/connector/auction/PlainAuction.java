package io.parley.connector.auction;

import io.parley.protocols.wire.AuctionRule;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The auction computed in the clear over the pooled bids, written independently of the code under
 * test: every bid sorted by amount (highest first), then party index, then bid id (UTF-8 bytes);
 * the first wins; first-price pays its amount, second-price the next bid's amount, or 0 alone.
 */
final class PlainAuction {
  record Bid(String id, long amount) {}

  record Outcome(int winner, String winnerId, long price) {
    static final Outcome NONE = new Outcome(-1, null, -1);
  }

  private record Placed(int party, Bid bid) {}

  private PlainAuction() {}

  static final Comparator<Bid> PARTY_ORDER =
      Comparator.comparingLong((Bid bid) -> -bid.amount())
          .thenComparing((a, b) -> Arrays.compareUnsigned(a.id().getBytes(StandardCharsets.UTF_8), b.id().getBytes(StandardCharsets.UTF_8)));

  static Outcome run(List<List<Bid>> bidsByParty, AuctionRule rule) {
    List<Placed> all = new ArrayList<>();
    for (int party = 0; party < bidsByParty.size(); party++) {
      for (Bid bid : bidsByParty.get(party)) {
        all.add(new Placed(party, bid));
      }
    }
    if (all.isEmpty()) {
      return Outcome.NONE;
    }
    all.sort(Comparator.comparingLong((Placed p) -> -p.bid().amount()).thenComparingInt(Placed::party)
        .thenComparing(Placed::bid, PARTY_ORDER));
    Placed winner = all.get(0);
    long price = rule == AuctionRule.AUCTION_RULE_FIRST_PRICE ? winner.bid().amount()
        : all.size() > 1 ? all.get(1).bid().amount() : 0;
    return new Outcome(winner.party(), winner.bid().id(), price);
  }

  /** A party's top two in its own order, as its input to the protocol. */
  static TopBids topBids(List<Bid> bids) {
    List<Bid> sorted = new ArrayList<>(bids);
    sorted.sort(PARTY_ORDER);
    if (sorted.isEmpty()) {
      return TopBids.NONE;
    }
    return new TopBids(sorted.get(0).amount(), sorted.size() > 1 ? sorted.get(1).amount() : TopBids.NO_BID,
        sorted.get(0).id().getBytes(StandardCharsets.UTF_8));
  }
}
