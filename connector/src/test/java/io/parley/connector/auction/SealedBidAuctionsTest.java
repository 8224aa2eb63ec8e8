package io.parley.connector.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.auction.PlainAuction.Bid;
import io.parley.connector.testing.FederationHarness;
import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.wire.AuctionRule;
import io.parley.protocols.wire.SealedBidAuction;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auctions end to end in one JVM: a real coordinator (mutual TLS on loopback), three compute
 * parties with their responders, bids in CSV files; outcomes against {@link PlainAuction} over the
 * pooled bids, a party without the table, refusals, and the coordinator's transcript searched for
 * every amount and bid id.
 */
class SealedBidAuctionsTest {
  private static final List<String> PARTIES = List.of("alpha", "beta", "gamma");
  private static final String SCHEMA = "bid_id STRING, amount DECIMAL(12,2)";
  private static final AuctionRule FIRST = AuctionRule.AUCTION_RULE_FIRST_PRICE;
  private static final AuctionRule SECOND = AuctionRule.AUCTION_RULE_SECOND_PRICE;

  @TempDir static Path dir;
  private static FederationHarness harness;
  /** Per table, per party (engine order): its bids. */
  private static final Map<String, List<List<Bid>>> BIDS = new LinkedHashMap<>();

  @BeforeAll
  static void startFederation() throws IOException {
    Random random = new Random(424_242);
    Map<String, Map<String, Path>> data = new LinkedHashMap<>();
    for (String table : List.of("bids", "offers", "dupes")) {
      List<List<Bid>> byParty = new ArrayList<>();
      Map<String, Path> files = new LinkedHashMap<>();
      for (int p = 0; p < PARTIES.size(); p++) {
        String party = PARTIES.get(p);
        List<Bid> bids = new ArrayList<>();
        boolean holds = table.equals("bids") || p < 2;
        if (holds) {
          int count = 5 + random.nextInt(20);
          for (int b = 0; b < count; b++) {
            // Amounts from 100,000.00: unscaled values above 2^20, distinctive in the transcript scan.
            long cents = 10_000_000L + random.nextInt(table.equals("offers") ? 3 : 90_000_000);
            bids.add(new Bid(table + "-" + party + "-" + Integer.toString(random.nextInt(1 << 30), 36) + "-" + b, cents));
          }
          if (table.equals("dupes") && party.equals("beta")) {
            bids.add(new Bid(bids.get(0).id(), 10_000_001L));
          }
          Path csv = dir.resolve(table + "-" + party + ".csv");
          StringBuilder text = new StringBuilder("bid_id,amount\n");
          bids.forEach(bid -> text.append(bid.id()).append(',').append(BigDecimal.valueOf(bid.amount(), 2).toPlainString())
              .append('\n'));
          Files.writeString(csv, text);
          files.put(party, csv);
        }
        byParty.add(bids);
      }
      BIDS.put(table, byParty);
      data.put(table, files);
    }
    harness = FederationHarness.start(dir, Map.of("bids", SCHEMA, "offers", SCHEMA, "dupes", SCHEMA), data, PARTIES);
  }

  @AfterAll
  static void stopFederation() {
    if (harness != null) {
      harness.close();
    }
  }

  private static SealedBidAuction auction(String table, AuctionRule rule) {
    return SealedBidAuctions.auction(table, "bid_id", "amount", rule, "test auction over " + table);
  }

  private static void assertMatchesPlain(String initiator, String table, AuctionRule rule, long seed) {
    PlainAuction.Outcome expected = PlainAuction.run(BIDS.get(table), rule);
    AuctionOutcome outcome =
        SealedBidAuctions.runAsInitiator(harness.session(initiator), auction(table, rule), Drbg.seeded(seed));
    assertEquals(new AuctionOutcome(PARTIES.get(expected.winner()), expected.winnerId(), BigDecimal.valueOf(expected.price(), 2),
        rule), outcome, initiator + " runs " + rule + " over " + table);
  }

  @Test
  void secondAndFirstPriceMatchThePlainAuctionWhoeverInitiates() {
    assertMatchesPlain("alpha", "bids", SECOND, 1);
    assertMatchesPlain("alpha", "bids", FIRST, 2);
    assertMatchesPlain("gamma", "bids", SECOND, 3);
  }

  @Test
  void aComputePartyWithoutTheTableTakesPartWithNoBids() {
    // gamma has no local part of offers; amounts are within 3 cents, so ties across parties are likely.
    assertMatchesPlain("gamma", "offers", SECOND, 4);
    assertMatchesPlain("beta", "offers", FIRST, 5);
  }

  @Test
  void theCoordinatorSeesNoAmountNoBidIdAndNoPrice() {
    harness.clearTranscript();
    AuctionOutcome outcome = SealedBidAuctions.runAsInitiator(harness.session("beta"), auction("bids", SECOND), Drbg.seeded(6));
    Set<Long> words = new HashSet<>();
    List<byte[]> ids = new ArrayList<>();
    for (List<Bid> bids : BIDS.get("bids")) {
      for (Bid bid : bids) {
        words.add(bid.amount());
        ids.add(bid.id().getBytes(StandardCharsets.UTF_8));
      }
    }
    words.add(outcome.price().unscaledValue().longValueExact());
    List<FederationHarness.Received> transcript = harness.transcript();
    assertTrue(transcript.size() > 50, "the auction went through the coordinator: " + transcript.size() + " messages");
    for (FederationHarness.Received received : transcript) {
      java.util.Optional<String> leak = firstLeak(received.message(), words, ids);
      assertTrue(leak.isEmpty(), received.rpc() + " from " + received.party() + " holds " + leak.orElse(""));
    }
    // Control: the scan finds an amount or an id planted at any offset.
    byte[] planted = ByteBuffer.allocate(19).order(ByteOrder.LITTLE_ENDIAN).putLong(5, BIDS.get("bids").get(2).get(0).amount())
        .array();
    assertTrue(firstLeak(planted, words, ids).isPresent());
    assertTrue(firstLeak(("xx" + BIDS.get("bids").get(1).get(0).id()).getBytes(StandardCharsets.UTF_8), words, ids).isPresent());
  }

  /** An 8-byte window (either byte order) equal to an amount, or an id's bytes, in {@code message}. */
  private static java.util.Optional<String> firstLeak(byte[] message, Set<Long> words, List<byte[]> ids) {
    ByteBuffer buffer = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    for (int offset = 0; offset + 8 <= message.length; offset++) {
      long word = buffer.getLong(offset);
      if (words.contains(word) || words.contains(Long.reverseBytes(word))) {
        return java.util.Optional.of("an amount at byte " + offset);
      }
    }
    String text = new String(message, StandardCharsets.ISO_8859_1);
    for (byte[] id : ids) {
      if (text.contains(new String(id, StandardCharsets.ISO_8859_1))) {
        return java.util.Optional.of("bid id " + new String(id, StandardCharsets.UTF_8));
      }
    }
    return java.util.Optional.empty();
  }

  @Test
  void aResponderWithDuplicateBidIdsDeclinesWithoutNamingThem() {
    ParleyException failed = assertThrows(ParleyException.class,
        () -> SealedBidAuctions.runAsInitiator(harness.session("alpha"), auction("dupes", SECOND), Drbg.seeded(7)));
    assertTrue(failed.getMessage().contains(
        "party beta cannot take part in the second-price auction over table dupes: its bids fail its checks (see its log)"),
        failed.getMessage());
    String duplicated = BIDS.get("dupes").get(1).get(0).id();
    assertTrue(!failed.getMessage().contains(duplicated), failed.getMessage());
    // At the initiator itself, its own bad bids are named (and the session it opened is aborted).
    ParleyException own = assertThrows(ParleyException.class,
        () -> SealedBidAuctions.runAsInitiator(harness.session("beta"), auction("dupes", SECOND), Drbg.seeded(8)));
    assertEquals("party beta's bids (federated table dupes): 1 bid id appears more than once in column bid_id (the first: '"
        + duplicated + "'); every bid needs its own id", own.getMessage());
  }

  @Test
  void aResponderWhosePolicyRefusesTheTableDeclinesWithItsReason() {
    try {
      harness.startResponder("gamma", harness.newSession("gamma", Map.of("spark.parley.policy.tables", "offers")));
      ParleyException failed = assertThrows(ParleyException.class,
          () -> SealedBidAuctions.runAsInitiator(harness.session("alpha"), auction("bids", FIRST), Drbg.seeded(9)));
      assertTrue(failed.getMessage().contains(
          "party gamma's policy does not allow federated table bids (spark.parley.policy.tables = offers)"), failed.getMessage());
    } finally {
      harness.startResponder("gamma");
    }
    assertMatchesPlain("alpha", "bids", FIRST, 10);
  }

  @Test
  void federationsWithoutTheRightComputePartiesAreRefusedBeforeAnySession() throws IOException {
    Path none = dir.resolve("no-compute.properties");
    Files.writeString(none, "federation.name=harness\nfederation.parties=alpha,beta,gamma\ntable.bids.schema=" + SCHEMA + "\n");
    SparkSession alpha = harness.newSession("alpha", Map.of("spark.parley.federation", none.toString()));
    assertEquals("the second-price auction over table bids needs three compute parties, but federation harness names none "
            + "(set federation.computeParties in " + none + ")",
        assertThrows(ParleyException.class, () -> SealedBidAuctions.runAsInitiator(alpha, auction("bids", SECOND))).getMessage());

    // A party outside the compute parties takes part as an input party (InputPartyAuctionsTest), but cannot initiate.
    Path four = dir.resolve("four.properties");
    Files.writeString(four, "federation.name=harness\nfederation.parties=alpha,beta,gamma,delta\n"
        + "federation.computeParties=alpha,beta,gamma\ntable.bids.schema=" + SCHEMA + "\n");
    SparkSession delta = harness.newSession("alpha", Map.of("spark.parley.federation", four.toString(),
        "spark.parley.party", "delta"));
    assertEquals("party delta cannot run the first-price auction over table bids: it is not one of federation.computeParties "
            + "[alpha, beta, gamma]",
        assertThrows(ParleyException.class, () -> SealedBidAuctions.runAsInitiator(delta, auction("bids", FIRST))).getMessage());
  }
}
