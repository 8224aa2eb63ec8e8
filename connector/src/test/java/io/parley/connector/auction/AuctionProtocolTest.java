package io.parley.connector.auction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.auction.PlainAuction.Bid;
import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.mpc.InMemoryNetwork;
import io.parley.protocols.mpc.ReplicatedParty;
import io.parley.protocols.wire.AuctionRule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The share part of the auction at three parties over an in-memory network, against {@link
 * PlainAuction} on the pooled bids: random bids, and the edge cases of the tie rule and the price.
 */
class AuctionProtocolTest {
  private static final AuctionRule FIRST = AuctionRule.AUCTION_RULE_FIRST_PRICE;
  private static final AuctionRule SECOND = AuctionRule.AUCTION_RULE_SECOND_PRICE;

  /** Every party's result. */
  private static List<AuctionProtocol.Result> run(long seed, int initiator, AuctionRule rule, List<List<Bid>> bids)
      throws Exception {
    InMemoryNetwork[] endpoints = InMemoryNetwork.create(3, 4, Duration.ofSeconds(20));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<AuctionProtocol.Result>> futures = new ArrayList<>();
      for (int party = 0; party < 3; party++) {
        int id = party;
        TopBids mine = PlainAuction.topBids(bids.get(id));
        futures.add(pool.submit(() -> AuctionProtocol.run(
            ReplicatedParty.connect(endpoints[id], Drbg.seeded(seed * 31 + id)), initiator, rule, mine)));
      }
      List<AuctionProtocol.Result> results = new ArrayList<>();
      for (Future<AuctionProtocol.Result> future : futures) {
        results.add(future.get(60, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Runs the auction and checks every party's view against the plaintext outcome. */
  private static void assertMatchesPlain(long seed, int initiator, AuctionRule rule, List<List<Bid>> bids) throws Exception {
    PlainAuction.Outcome expected = PlainAuction.run(bids, rule);
    List<AuctionProtocol.Result> results = run(seed, initiator, rule, bids);
    for (int party = 0; party < 3; party++) {
      AuctionProtocol.Result result = results.get(party);
      String where = "party " + party + " (initiator " + initiator + ", " + rule + ", bids " + bids + ")";
      assertEquals(expected.winner(), result.winner(), "winner at " + where);
      if (party == initiator && expected.winner() >= 0) {
        assertEquals(expected.price(), result.price().orElseThrow(), "price at " + where);
        assertArrayEquals(expected.winnerId().getBytes(StandardCharsets.UTF_8), result.winnerId().orElseThrow(),
            "winning id at " + where);
      } else {
        assertTrue(result.price().isEmpty() && result.winnerId().isEmpty(), "only the initiator learns price and id: " + where);
      }
    }
  }

  @Test
  void randomBidsMatchThePlainAuction() throws Exception {
    Random random = new Random(20_261_125L);
    for (int trial = 0; trial < 24; trial++) {
      List<List<Bid>> bids = new ArrayList<>();
      boolean narrow = trial % 2 == 0;
      for (int party = 0; party < 3; party++) {
        List<Bid> partyBids = new ArrayList<>();
        int count = random.nextInt(5);
        for (int b = 0; b < count; b++) {
          long amount = narrow ? random.nextInt(6) : random.nextLong() >>> 1;
          partyBids.add(new Bid("p" + party + "-" + b, amount));
        }
        bids.add(partyBids);
      }
      assertMatchesPlain(trial, random.nextInt(3), random.nextBoolean() ? FIRST : SECOND, bids);
    }
  }

  @Test
  void equalTopAmountsAtSeveralPartiesGoToThePartyThatSortsFirstAtTheTopPrice() throws Exception {
    List<List<Bid>> bids = List.of(List.of(new Bid("a1", 7)), List.of(new Bid("b1", 9), new Bid("b2", 3)),
        List.of(new Bid("c1", 9)));
    assertMatchesPlain(1, 0, SECOND, bids);
    List<AuctionProtocol.Result> results = run(2, 2, SECOND, bids);
    assertEquals(1, results.get(2).winner());
    assertEquals(9L, results.get(2).price().orElseThrow());
  }

  @Test
  void equalAmountsWithinThePartyPriceTheSecondBidAtTheTop() throws Exception {
    List<List<Bid>> bids = List.of(List.of(), List.of(new Bid("z", 40), new Bid("y", 40)), List.of(new Bid("c", 39)));
    List<AuctionProtocol.Result> results = run(3, 0, SECOND, bids);
    assertEquals(1, results.get(0).winner());
    assertEquals(40L, results.get(0).price().orElseThrow());
    assertArrayEquals("y".getBytes(StandardCharsets.UTF_8), results.get(0).winnerId().orElseThrow());
  }

  @Test
  void allEqualAmountsGoToPartyZeroAtThatAmount() throws Exception {
    List<List<Bid>> bids = List.of(List.of(new Bid("a", 5), new Bid("b", 5)), List.of(new Bid("c", 5)), List.of(new Bid("d", 5)));
    assertMatchesPlain(4, 1, FIRST, bids);
    assertMatchesPlain(5, 2, SECOND, bids);
  }

  @Test
  void aSingleBidWinsAndPaysZeroUnderSecondPriceAndItsAmountUnderFirstPrice() throws Exception {
    List<List<Bid>> bids = List.of(List.of(), List.of(), List.of(new Bid("only", 1234)));
    List<AuctionProtocol.Result> second = run(6, 0, SECOND, bids);
    assertEquals(2, second.get(0).winner());
    assertEquals(0L, second.get(0).price().orElseThrow());
    List<AuctionProtocol.Result> first = run(7, 0, FIRST, bids);
    assertEquals(1234L, first.get(0).price().orElseThrow());
  }

  @Test
  void noBidsAnywhereIsNoWinnerAtEveryParty() throws Exception {
    for (AuctionProtocol.Result result : run(8, 1, SECOND, List.of(List.of(), List.of(), List.of()))) {
      assertTrue(result.noBids());
      assertTrue(result.price().isEmpty());
    }
  }

  @Test
  void amountsUpToLongMaxCompareExactly() throws Exception {
    List<List<Bid>> bids = List.of(List.of(new Bid("a", Long.MAX_VALUE - 1)), List.of(new Bid("b", Long.MAX_VALUE)),
        List.of(new Bid("c", Long.MAX_VALUE - 1), new Bid("d", 0)));
    List<AuctionProtocol.Result> results = run(9, 2, SECOND, bids);
    assertEquals(1, results.get(2).winner());
    assertEquals(Long.MAX_VALUE - 1, results.get(2).price().orElseThrow());
    assertMatchesPlain(10, 0, FIRST, bids);
  }

  @Test
  void aZeroBidBeatsNoBidAndTheInitiatorsOwnWinningIdNeedsNoSharing() throws Exception {
    List<List<Bid>> bids = List.of(List.of(new Bid("zero", 0)), List.of(), List.of());
    List<AuctionProtocol.Result> results = run(11, 0, FIRST, bids);
    assertEquals(0, results.get(0).winner());
    assertEquals(0L, results.get(0).price().orElseThrow());
    assertArrayEquals("zero".getBytes(StandardCharsets.UTF_8), results.get(0).winnerId().orElseThrow());
  }

  @Test
  void longestBidIdsTravelWhole() throws Exception {
    String longest = "é".repeat(127);
    assertEquals(BidIdCodec.MAX_BYTES, longest.getBytes(StandardCharsets.UTF_8).length);
    assertMatchesPlain(12, 2, SECOND, List.of(List.of(new Bid(longest, 10)), List.of(new Bid("x", 3)), List.of()));
  }

  @Test
  void bidIdCodecRoundTripsAndRejectsMalformedWords() {
    byte[] id = "bid-42".getBytes(StandardCharsets.UTF_8);
    long[] words = BidIdCodec.encode(id);
    assertEquals(BidIdCodec.WORDS, words.length);
    assertArrayEquals(id, BidIdCodec.decode(words, 0));
    assertArrayEquals(new byte[0], BidIdCodec.decode(BidIdCodec.encode(new byte[0]), 0));
    long[] badPadding = words.clone();
    badPadding[BidIdCodec.WORDS - 1] = 1;
    assertEquals("the winning bid id arrived malformed (padding is not zero)",
        assertThrows(ParleyException.class, () -> BidIdCodec.decode(badPadding, 0)).getMessage());
    long[] badLength = words.clone();
    badLength[0] = (badLength[0] & ~0xFFL) | 0xFF;
    assertEquals("the winning bid id arrived malformed (length 255)",
        assertThrows(ParleyException.class, () -> BidIdCodec.decode(badLength, 0)).getMessage());
    assertThrows(ParleyException.class, () -> BidIdCodec.encode(new byte[BidIdCodec.MAX_BYTES + 1]));
  }
}
