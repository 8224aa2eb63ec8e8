package io.parley.connector.auction;

import io.parley.protocols.ParleyException;
import io.parley.protocols.mpc.ArithmeticShares;
import io.parley.protocols.mpc.Extremum;
import io.parley.protocols.mpc.ReplicatedParty;
import io.parley.protocols.wire.AuctionRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The share part of a sealed-bid auction: what each of the three compute parties' drivers runs on
 * one sealed network, the same calls in the same order at all three, over the candidates of every
 * bidder of the session: the compute parties and the input parties (parties of the federation
 * that hold bids but do not compute). Bidders are ordered by name ({@link #bidders}).
 *
 * <ol>
 *   <li>Each compute party shares its top two amounts ({@link TopBids}; {@code -1} for an absent
 *       bid). Each input party has already sent the compute parties replicated shares of its
 *       {@link #inputWords}: its top two amounts and its top bid's id ({@link BidIdCodec}).
 *   <li>Arg-max over {@code [-1 (public), top of each bidder in name order]}. Ties go to the
 *       lowest position, so equal amounts go to the bidder whose name sorts first, and position 0
 *       (no winner) wins only when nobody bid. Within a party, its own top bid already is its best
 *       under the tie rule.
 *   <li>The position is opened to the three compute parties: position 0 means no bids (the
 *       protocol ends), else bidder {@code position - 1} won.
 *   <li>The price: first-price, the arg-max's value; second-price, the maximum of {@code [0
 *       (public), for each bidder: its second amount if it won, else its top amount]}, i.e. the
 *       highest other bid, or 0 when the winning bid is the only bid.
 *   <li>The winning id on shares: an input party's are the id words it sent, selected by the
 *       opened position; a compute party that won shares its top bid's id now, unless it is the
 *       initiator. Price and id are opened to the initiator only.
 * </ol>
 *
 * Every compute party receives only uniform shares and the opened position; the initiator in
 * addition the price and the winning id. Input parties receive nothing. About 55 rounds (two
 * arg-max trees of two levels for three bidders; one more level per doubling of the bidders).
 */
final class AuctionProtocol {
  /** What this party learns: the winner's position among the {@link #bidders} (or {@link #NO_WINNER}), and at the initiator the price and winning id. */
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

  /** What an input party sends the compute parties, as replicated shares: top two amounts, top id's words. */
  static final int INPUT_WORDS = 2 + BidIdCodec.WORDS;

  /** {@code mine} as an input party shares it: its two amounts, then its top id (empty without bids). */
  static long[] inputWords(TopBids mine) {
    long[] words = new long[INPUT_WORDS];
    words[0] = mine.first();
    words[1] = mine.second();
    long[] id = BidIdCodec.encode(mine.firstId() == null ? new byte[0] : mine.firstId());
    System.arraycopy(id, 0, words, 2, BidIdCodec.WORDS);
    return words;
  }

  /** The bidders, compute and input parties, sorted by name: a {@link Result#winner()} indexes this list. */
  static List<String> bidders(List<String> computeParties, List<String> inputParties) {
    List<String> all = new ArrayList<>(computeParties);
    all.addAll(inputParties);
    all.sort(null);
    return List.copyOf(all);
  }

  /** {@link #run(ReplicatedParty, int, AuctionRule, TopBids, List, List, List)} among the three compute parties only. */
  static Result run(ReplicatedParty engine, int initiator, AuctionRule rule, TopBids mine) {
    List<String> engines = List.of("0", "1", "2");
    return run(engine, initiator, rule, mine, engines, List.of(), List.of());
  }

  /**
   * Runs the auction as {@code engine}'s party.
   *
   * @param initiator the engine id of the party that learns price and winning id
   * @param mine this party's top two bids
   * @param computeParties the compute parties' names, sorted (position = engine id)
   * @param inputParties the input parties' names, sorted
   * @param inputs each input party's {@link #INPUT_WORDS} shares as received, in {@code inputParties}' order
   */
  static Result run(ReplicatedParty engine, int initiator, AuctionRule rule, TopBids mine, List<String> computeParties,
      List<String> inputParties, List<ArithmeticShares> inputs) {
    if (rule != AuctionRule.AUCTION_RULE_FIRST_PRICE && rule != AuctionRule.AUCTION_RULE_SECOND_PRICE) {
      throw new ParleyException("an auction needs a rule: first-price or second-price, not " + rule);
    }
    int self = engine.partyId();
    int parties = ReplicatedParty.PARTIES;
    if (computeParties.size() != parties || inputs.size() != inputParties.size()) {
      throw new IllegalArgumentException("an auction has three compute parties and one input per input party");
    }
    ArithmeticShares[] tops = new ArithmeticShares[parties];
    for (int owner = 0; owner < parties; owner++) {
      tops[owner] = engine.shareInput(owner, owner == self ? new long[] {mine.first(), mine.second()} : null, 2);
    }
    List<String> bidders = bidders(computeParties, inputParties);
    int count = bidders.size();
    // Each bidder's two amounts, in name order; an input party's id words stay with its shares.
    ArithmeticShares[] amounts = new ArithmeticShares[count];
    for (int bidder = 0; bidder < count; bidder++) {
      String name = bidders.get(bidder);
      int engineId = computeParties.indexOf(name);
      amounts[bidder] = engineId >= 0 ? tops[engineId] : inputs.get(inputParties.indexOf(name)).slice(0, 2);
    }
    ArithmeticShares[] candidates = new ArithmeticShares[count + 1];
    candidates[0] = engine.publicValues(new long[] {TopBids.NO_BID});
    for (int bidder = 0; bidder < count; bidder++) {
      candidates[bidder + 1] = amounts[bidder].slice(0, 1);
    }
    Extremum best = engine.argMax(ArithmeticShares.concat(candidates));
    long position = engine.reveal(best.index(), 0, 1, 2).orElseThrow()[0];
    if (position < 0 || position > count) {
      throw new ParleyException("the auction's winner opened to position " + position + ", outside 0.." + count);
    }
    if (position == 0) {
      return new Result(Result.NO_WINNER, Optional.empty(), Optional.empty());
    }
    int winner = (int) position - 1;
    String winnerName = bidders.get(winner);
    int winnerEngine = computeParties.indexOf(winnerName);

    ArithmeticShares price;
    if (rule == AuctionRule.AUCTION_RULE_FIRST_PRICE) {
      price = best.value();
    } else {
      ArithmeticShares[] others = new ArithmeticShares[count + 1];
      others[0] = engine.publicValues(new long[] {0});
      for (int bidder = 0; bidder < count; bidder++) {
        others[bidder + 1] = amounts[bidder].slice(bidder == winner ? 1 : 0, 1);
      }
      price = engine.maximum(ArithmeticShares.concat(others));
    }
    ArithmeticShares toOpen = price;
    if (winnerEngine < 0) {
      toOpen = ArithmeticShares.concat(price, inputs.get(inputParties.indexOf(winnerName)).slice(2, BidIdCodec.WORDS));
    } else if (winnerEngine != initiator) {
      long[] idWords = self == winnerEngine ? BidIdCodec.encode(mine.firstId()) : null;
      toOpen = ArithmeticShares.concat(price, engine.shareInput(winnerEngine, idWords, BidIdCodec.WORDS));
    }
    Optional<long[]> opened = engine.reveal(toOpen, initiator);
    if (opened.isEmpty()) {
      return new Result(winner, Optional.empty(), Optional.empty());
    }
    long[] words = opened.get();
    if (words[0] < 0) {
      throw new ParleyException("the auction's price opened to a negative amount");
    }
    byte[] id = winnerEngine == initiator ? mine.firstId() : BidIdCodec.decode(words, 1);
    if (id == null) {
      throw new ParleyException("the auction's winner is this party, which has no bid");
    }
    return new Result(winner, Optional.of(words[0]), Optional.of(id));
  }
}
