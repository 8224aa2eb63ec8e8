package io.parley.connector.auction;

import io.parley.protocols.ParleyException;
import io.parley.protocols.mpc.ArithmeticShares;
import io.parley.protocols.mpc.Extremum;
import io.parley.protocols.mpc.ReplicatedParty;
import io.parley.protocols.wire.AuctionRule;
import java.util.Optional;

/**
 * The share part of a sealed-bid auction: what each of the three compute parties' drivers runs on
 * one sealed network, the same calls in the same order at all three.
 *
 * <ol>
 *   <li>Each party shares its top two amounts ({@link TopBids}; {@code -1} for an absent bid).
 *   <li>Arg-max over {@code [-1 (public), top_0, top_1, top_2]}, the parties' top amounts by
 *       engine id (sorted party names). Ties go to the lowest position, so equal amounts go to the
 *       party whose name sorts first, and position 0 (no winner) wins only when nobody bid. Within
 *       a party, its own top bid already is its best under the tie rule.
 *   <li>The position is opened to all three: position 0 means no bids (the protocol ends), else
 *       party {@code position - 1} won.
 *   <li>The price: first-price, the arg-max's value; second-price, the maximum of {@code [0
 *       (public), for each party: its second amount if it won, else its top amount]}, i.e. the
 *       highest other bid, or 0 when the winning bid is the only bid.
 *   <li>Unless the initiator itself won, the winner shares its top bid's id ({@link BidIdCodec});
 *       price and id are opened to the initiator only.
 * </ol>
 *
 * Every party receives only uniform shares and the opened position; the initiator in addition
 * the price and the winning id. About 55 rounds (two arg-max trees of two levels).
 */
final class AuctionProtocol {
  /** What this party learns: the winner's engine id (or {@link #NO_WINNER}), and at the initiator the price and winning id. */
  record Result(int winner, Optional<Long> price, Optional<byte[]> winnerId) {
    static final int NO_WINNER = -1;

    boolean noBids() {
      return winner == NO_WINNER;
    }

    @Override
    public String toString() {
      return "AuctionProtocol.Result[winner " + winner + (price.isPresent() ? ", price and id known" : "") + "]";
    }
  }

  private AuctionProtocol() {}

  /**
   * Runs the auction as {@code engine}'s party.
   *
   * @param initiator the engine id of the party that learns price and winning id
   * @param mine this party's top two bids
   */
  static Result run(ReplicatedParty engine, int initiator, AuctionRule rule, TopBids mine) {
    if (rule != AuctionRule.AUCTION_RULE_FIRST_PRICE && rule != AuctionRule.AUCTION_RULE_SECOND_PRICE) {
      throw new ParleyException("an auction needs a rule: first-price or second-price, not " + rule);
    }
    int self = engine.partyId();
    int parties = ReplicatedParty.PARTIES;
    ArithmeticShares[] tops = new ArithmeticShares[parties];
    for (int owner = 0; owner < parties; owner++) {
      tops[owner] = engine.shareInput(owner, owner == self ? new long[] {mine.first(), mine.second()} : null, 2);
    }
    ArithmeticShares candidates =
        ArithmeticShares.concat(
            engine.publicValues(new long[] {TopBids.NO_BID}),
            tops[0].slice(0, 1), tops[1].slice(0, 1), tops[2].slice(0, 1));
    Extremum best = engine.argMax(candidates);
    long position = engine.reveal(best.index(), 0, 1, 2).orElseThrow()[0];
    if (position < 0 || position > parties) {
      throw new ParleyException("the auction's winner opened to position " + position + ", outside 0.." + parties);
    }
    if (position == 0) {
      return new Result(Result.NO_WINNER, Optional.empty(), Optional.empty());
    }
    int winner = (int) position - 1;

    ArithmeticShares price;
    if (rule == AuctionRule.AUCTION_RULE_FIRST_PRICE) {
      price = best.value();
    } else {
      ArithmeticShares[] others = new ArithmeticShares[parties + 1];
      others[0] = engine.publicValues(new long[] {0});
      for (int party = 0; party < parties; party++) {
        others[party + 1] = tops[party].slice(party == winner ? 1 : 0, 1);
      }
      price = engine.maximum(ArithmeticShares.concat(others));
    }
    ArithmeticShares toOpen = price;
    if (winner != initiator) {
      long[] idWords = self == winner ? BidIdCodec.encode(mine.firstId()) : null;
      toOpen = ArithmeticShares.concat(price, engine.shareInput(winner, idWords, BidIdCodec.WORDS));
    }
    Optional<long[]> opened = engine.reveal(toOpen, initiator);
    if (opened.isEmpty()) {
      return new Result(winner, Optional.empty(), Optional.empty());
    }
    long[] words = opened.get();
    if (words[0] < 0) {
      throw new ParleyException("the auction's price opened to a negative amount");
    }
    byte[] id = winner == initiator ? mine.firstId() : BidIdCodec.decode(words, 1);
    if (id == null) {
      throw new ParleyException("the auction's winner is this party, which has no bid");
    }
    return new Result(winner, Optional.of(words[0]), Optional.of(id));
  }
}
