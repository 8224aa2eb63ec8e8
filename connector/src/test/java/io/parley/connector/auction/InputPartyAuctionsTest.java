package io.parley.connector.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.wire.AuctionRule;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auctions in a federation of four: compute parties alpha, beta and gamma, and delta, which holds
 * bids but does not compute (an input party). Outcomes equal the plain auction over the pooled
 * bids of all four, with the winner at delta, a tie between delta and gamma, a single bid, none.
 */
class InputPartyAuctionsTest {
  private static final AuctionRule FIRST = AuctionRule.AUCTION_RULE_FIRST_PRICE;
  private static final AuctionRule SECOND = AuctionRule.AUCTION_RULE_SECOND_PRICE;
  private static final List<String> PARTIES = List.of("alpha", "beta", "delta", "gamma");
  private static final List<String> COMPUTE = List.of("alpha", "beta", "gamma");

  @TempDir static Path dir;
  private static InputPartyAuctions federation;

  @BeforeAll
  static void start() throws IOException {
    federation = InputPartyAuctions.start(dir, PARTIES, COMPUTE, PARTIES, List.of("gamma"));
  }

  @AfterAll
  static void stop() {
    if (federation != null) {
      federation.close();
    }
  }

  @Test
  void theInputPartysTopBidWinsAndItsIdReachesTheInitiator() {
    AuctionOutcome second = federation.assertMatchesPlain("alpha", "bids", SECOND, 1);
    assertEquals("delta", second.winnerParty());
    assertEquals("bids-delta-top", second.winnerBidId());
    assertTrue(second.price().compareTo(BigDecimal.valueOf(InputPartyAuctions.TOP_AT_INPUT, 2)) < 0, second::toString);
    AuctionOutcome first = federation.assertMatchesPlain("gamma", "bids", FIRST, 2);
    assertEquals(BigDecimal.valueOf(InputPartyAuctions.TOP_AT_INPUT, 2), first.price());
  }

  @Test
  void aTieBetweenAnInputAndAComputePartyGoesToTheNameThatSortsFirst() {
    // delta (input) and gamma (compute) bid the same top amount; delta bids it twice, "a" before "z".
    AuctionOutcome outcome = federation.assertMatchesPlain("beta", "ties", SECOND, 3);
    assertEquals("delta", outcome.winnerParty());
    assertEquals("ties-delta-a-tied", outcome.winnerBidId());
    assertEquals(BigDecimal.valueOf(InputPartyAuctions.TIED, 2), outcome.price());
    federation.assertMatchesPlain("gamma", "ties", FIRST, 4);
  }

  @Test
  void aSingleBidAtTheInputPartyPaysNothingSecondPriceAndNoBidsIsSaid() {
    AuctionOutcome single = federation.assertMatchesPlain("alpha", "single", SECOND, 5);
    assertEquals("delta", single.winnerParty());
    assertEquals(0, single.price().signum());
    federation.assertMatchesPlain("beta", "single", FIRST, 6);
    assertTrue(federation.assertMatchesPlain("alpha", "empty", SECOND, 7).noBids());
  }

  @Test
  void theCoordinatorSeesNoAmountNoBidIdAndNoPrice() {
    federation.harness.clearTranscript();
    AuctionOutcome outcome = SealedBidAuctions.runAsInitiator(federation.harness.session("beta"),
        SealedBidAuctions.auction("bids", "bid_id", "amount", SECOND, "scanned auction"), Drbg.seeded(8));
    assertEquals(federation.expected("bids", SECOND), outcome);
    federation.assertTranscriptHoldsNoBid("bids", outcome.price());
  }

  @Test
  void anInputPartyWithDuplicateBidIdsDeclinesWithoutNamingThem() {
    ParleyException failed = assertThrows(ParleyException.class, () -> SealedBidAuctions.runAsInitiator(
        federation.harness.session("alpha"),
        SealedBidAuctions.auction("dupes", "bid_id", "amount", SECOND, "dupes"), Drbg.seeded(9)));
    assertTrue(failed.getMessage().contains("party delta cannot take part in the second-price auction over table dupes:"
        + " its bids fail its checks (see its log)"), failed.getMessage());
    assertFalse(failed.getMessage().contains("dupes-delta-"), failed.getMessage());
    federation.assertMatchesPlain("alpha", "bids", SECOND, 10);
  }

  @Test
  void anInputPartyCannotInitiate() {
    assertEquals("party delta cannot run the first-price auction over table bids: it is not one of"
            + " federation.computeParties [alpha, beta, gamma]",
        assertThrows(ParleyException.class, () -> SealedBidAuctions.runAsInitiator(federation.harness.session("delta"),
            SealedBidAuctions.auction("bids", "bid_id", "amount", FIRST, "from delta"))).getMessage());
  }
}
