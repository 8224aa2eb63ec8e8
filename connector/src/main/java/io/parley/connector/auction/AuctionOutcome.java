package io.parley.connector.auction;

import io.parley.protocols.wire.AuctionRule;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * What the initiator of a sealed-bid auction learns: the winning party and bid id and the price
 * under {@code rule}, or that nobody bid ({@link #noBids()}: winner, bid id and price are then
 * {@code null}). The price has the amount column's scale (0 for integral amounts).
 */
public record AuctionOutcome(String winnerParty, String winnerBidId, BigDecimal price, AuctionRule rule) {
  public AuctionOutcome {
    Objects.requireNonNull(rule, "rule");
    if ((winnerParty == null) != (winnerBidId == null) || (winnerParty == null) != (price == null)) {
      throw new IllegalArgumentException("an auction outcome has a winner, a bid id and a price, or none of them");
    }
  }

  /** The outcome of an auction nobody bid in. */
  public static AuctionOutcome nobodyBid(AuctionRule rule) {
    return new AuctionOutcome(null, null, null, rule);
  }

  /** Whether nobody bid (no winner, no price). */
  public boolean noBids() {
    return winnerParty == null;
  }

  @Override
  public String toString() {
    String ruleName = SealedBidAuctions.ruleName(rule);
    return noBids()
        ? "no bids (" + ruleName + ")"
        : "winner " + winnerParty + ", bid " + winnerBidId + ", price " + price.toPlainString() + " (" + ruleName + ")";
  }
}
