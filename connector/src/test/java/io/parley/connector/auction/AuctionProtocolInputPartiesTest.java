package io.parley.connector.auction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.auction.PlainAuction.Bid;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.mpc.ArithmeticShares;
import io.parley.protocols.mpc.InMemoryNetwork;
import io.parley.protocols.mpc.ReplicatedParty;
import io.parley.protocols.wire.AuctionRule;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
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
 * The share part of the auction with input parties, over an in-memory network: compute parties
 * alpha, gamma and helper, input parties beta and delta (so bidders interleave by name), their
 * inputs split with {@link ReplicatedParty#externalInputMessages}; against {@link PlainAuction}
 * over every bidder's pooled bids, bidders in name order.
 */
class AuctionProtocolInputPartiesTest {
  private static final List<String> COMPUTE = List.of("alpha", "gamma", "helper");
  private static final List<String> INPUTS = List.of("beta", "delta");
  private static final List<String> BIDDERS = List.of("alpha", "beta", "delta", "gamma", "helper");

  /** Every compute party's result; {@code bids} per bidder in name order. */
  private static List<AuctionProtocol.Result> run(long seed, int initiator, AuctionRule rule, List<List<Bid>> bids)
      throws Exception {
    SecureRandom inputRandom = Drbg.seeded(seed * 7 + 5);
    // received.get(computeParty).get(input): what the compute party got from the input party.
    List<List<byte[]>> received = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (String input : INPUTS) {
      long[] words = AuctionProtocol.inputWords(PlainAuction.topBids(bids.get(BIDDERS.indexOf(input))));
      byte[][] messages = ReplicatedParty.externalInputMessages(words, inputRandom);
      for (int party = 0; party < 3; party++) {
        received.get(party).add(messages[party]);
      }
    }
    InMemoryNetwork[] endpoints = InMemoryNetwork.create(3, 4, Duration.ofSeconds(20));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<AuctionProtocol.Result>> futures = new ArrayList<>();
      for (int party = 0; party < 3; party++) {
        int id = party;
        TopBids mine = PlainAuction.topBids(bids.get(BIDDERS.indexOf(COMPUTE.get(id))));
        List<ArithmeticShares> inputs = new ArrayList<>();
        for (byte[] message : received.get(id)) {
          inputs.add(ReplicatedParty.receiveExternalInput(message, AuctionProtocol.INPUT_WORDS));
        }
        futures.add(pool.submit(() -> AuctionProtocol.run(
            ReplicatedParty.connect(endpoints[id], Drbg.seeded(seed * 31 + id)), initiator, rule, mine, COMPUTE, INPUTS,
            inputs)));
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

  private static void assertMatchesPlain(long seed, int initiator, AuctionRule rule, List<List<Bid>> bids) throws Exception {
    PlainAuction.Outcome expected = PlainAuction.run(bids, rule);
    List<AuctionProtocol.Result> results = run(seed, initiator, rule, bids);
    for (int party = 0; party < 3; party++) {
      AuctionProtocol.Result result = results.get(party);
      String where = "compute party " + COMPUTE.get(party) + " (initiator " + initiator + ", " + rule + ", bids " + bids + ")";
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

  private static List<List<Bid>> randomBids(Random random, int spread) {
    List<List<Bid>> bids = new ArrayList<>();
    for (String bidder : BIDDERS) {
      List<Bid> own = new ArrayList<>();
      int count = random.nextInt(4);
      for (int b = 0; b < count; b++) {
        own.add(new Bid(bidder + "-" + random.nextInt(1000), 1_000 + random.nextInt(spread)));
      }
      bids.add(own.stream().distinct().toList());
    }
    return bids;
  }

  @Test
  void randomBidsWithTiesMatchThePlainAuction() throws Exception {
    Random random = new Random(8080);
    for (int round = 0; round < 12; round++) {
      AuctionRule rule = round % 2 == 0 ? AuctionRule.AUCTION_RULE_SECOND_PRICE : AuctionRule.AUCTION_RULE_FIRST_PRICE;
      // Amounts within 3 of each other, so ties across compute and input parties are frequent.
      assertMatchesPlain(100 + round, round % 3, rule, randomBids(random, round < 6 ? 3 : 1_000_000));
    }
  }

  @Test
  void anInputPartyWinsATieWithAComputePartyWhoseNameSortsAfterIt() throws Exception {
    List<List<Bid>> bids = List.of(List.of(new Bid("a1", 50)), List.of(), List.of(new Bid("d2", 70), new Bid("d1", 70)),
        List.of(new Bid("g1", 70)), List.of());
    assertMatchesPlain(201, 1, AuctionRule.AUCTION_RULE_SECOND_PRICE, bids);
    List<AuctionProtocol.Result> results = run(202, 0, AuctionRule.AUCTION_RULE_SECOND_PRICE, bids);
    assertEquals(BIDDERS.indexOf("delta"), results.get(0).winner());
    assertArrayEquals("d1".getBytes(StandardCharsets.UTF_8), results.get(0).winnerId().orElseThrow());
    assertEquals(70L, results.get(0).price().orElseThrow());
  }

  @Test
  void aSingleBidAtAnInputPartyPaysZeroAndNoBidsHasNoWinner() throws Exception {
    List<List<Bid>> single = List.of(List.of(), List.of(new Bid("only", 900)), List.of(), List.of(), List.of());
    assertMatchesPlain(301, 2, AuctionRule.AUCTION_RULE_SECOND_PRICE, single);
    assertEquals(0L, run(302, 2, AuctionRule.AUCTION_RULE_SECOND_PRICE, single).get(2).price().orElseThrow());
    List<List<Bid>> none = List.of(List.of(), List.of(), List.of(), List.of(), List.of());
    for (AuctionProtocol.Result result : run(303, 0, AuctionRule.AUCTION_RULE_FIRST_PRICE, none)) {
      assertTrue(result.noBids(), result::toString);
    }
  }
}
