package io.parley.connector.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Auctions where a compute party holds no bids (helper) and two bidders (delta, epsilon) do not
 * compute: compute parties alpha, beta and helper; bids at alpha, beta, delta and epsilon.
 * Outcomes equal the plain auction over the pooled bids.
 */
class HelperAndInputPartyAuctionsTest {
  private static final AuctionRule FIRST = AuctionRule.AUCTION_RULE_FIRST_PRICE;
  private static final AuctionRule SECOND = AuctionRule.AUCTION_RULE_SECOND_PRICE;
  private static final List<String> PARTIES = List.of("alpha", "beta", "delta", "epsilon", "helper");
  private static final List<String> COMPUTE = List.of("alpha", "beta", "helper");
  private static final List<String> DATA = List.of("alpha", "beta", "delta", "epsilon");

  @TempDir static Path dir;
  private static InputPartyAuctions federation;

  @BeforeAll
  static void start() throws IOException {
    federation = InputPartyAuctions.start(dir, PARTIES, COMPUTE, DATA, List.of("beta", "epsilon"));
  }

  @AfterAll
  static void stop() {
    if (federation != null) {
      federation.close();
    }
  }

  @Test
  void theWinnerAtAnInputPartyWhoeverInitiates() {
    AuctionOutcome outcome = federation.assertMatchesPlain("helper", "bids", SECOND, 21);
    assertEquals("delta", outcome.winnerParty());
    assertEquals("bids-delta-top", outcome.winnerBidId());
    federation.assertMatchesPlain("alpha", "bids", FIRST, 22);
  }

  @Test
  void aTieBetweenAComputePartyAndTwoInputPartiesGoesToTheComputePartyThatSortsFirst() {
    // beta (compute), delta and epsilon (input) bid the same top amount.
    AuctionOutcome outcome = federation.assertMatchesPlain("alpha", "ties", SECOND, 23);
    assertEquals("beta", outcome.winnerParty());
    assertEquals("ties-beta-tied", outcome.winnerBidId());
    assertEquals(BigDecimal.valueOf(InputPartyAuctions.TIED, 2), outcome.price());
  }

  @Test
  void noBidsAndASingleBid() {
    assertTrue(federation.assertMatchesPlain("helper", "empty", FIRST, 24).noBids());
    assertEquals(0, federation.assertMatchesPlain("beta", "single", SECOND, 25).price().signum());
  }

  @Test
  void theCoordinatorSeesNoAmountNoBidIdAndNoPrice() {
    federation.harness.clearTranscript();
    AuctionOutcome outcome = SealedBidAuctions.runAsInitiator(federation.harness.session("alpha"),
        SealedBidAuctions.auction("bids", "bid_id", "amount", SECOND, "scanned auction"), Drbg.seeded(26));
    assertEquals(federation.expected("bids", SECOND), outcome);
    federation.assertTranscriptHoldsNoBid("bids", outcome.price());
  }
}
