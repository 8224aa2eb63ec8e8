package io.parley.connector.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.auction.PlainAuction.Bid;
import io.parley.connector.testing.FederationHarness;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.wire.AuctionRule;
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
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * A federation whose bids are held partly by input parties (parties outside {@code
 * federation.computeParties}), for the auction's end-to-end tests with them: per table, each data
 * party's bids in a CSV; outcomes against {@link PlainAuction} over the pooled bids (parties in
 * name order, the auction's tie order), and the coordinator's transcript searched for amounts and ids.
 */
final class InputPartyAuctions implements AutoCloseable {
  static final String SCHEMA = "bid_id STRING, amount DECIMAL(12,2)";
  /** The highest amount of table {@code bids}: planted at the first input party, so that it wins. */
  static final long TOP_AT_INPUT = 123_456_789L;
  /** The amount of table {@code ties}' two equal top bids. */
  static final long TIED = 111_111_111L;

  final FederationHarness harness;
  /** The federation's parties, sorted: the bidders' order. */
  final List<String> parties;
  private final List<String> computeParties;
  /** Per table, per party (in {@link #parties}' order): its bids. */
  private final Map<String, List<List<Bid>>> bids;

  private InputPartyAuctions(FederationHarness harness, List<String> parties, List<String> computeParties,
      Map<String, List<List<Bid>>> bids) {
    this.harness = harness;
    this.parties = parties;
    this.computeParties = computeParties;
    this.bids = bids;
  }

  /**
   * Starts the federation. Tables: {@code bids} (random bids at every data party, the top one at
   * the first input party), {@code ties} (the top amount {@link #TIED} at each of {@code tiedParties}
   * and twice at the first input party, ids in reverse order), {@code single} (one bid, at the
   * first input party), {@code empty} (no bids), {@code dupes} (the first input party repeats an id).
   */
  static InputPartyAuctions start(Path dir, List<String> parties, List<String> computeParties, List<String> dataParties,
      List<String> tiedParties) throws IOException {
    List<String> sorted = parties.stream().sorted().toList();
    String firstInput = sorted.stream().filter(p -> !computeParties.contains(p)).findFirst().orElseThrow();
    Random random = new Random(77_001);
    Map<String, List<List<Bid>>> bids = new LinkedHashMap<>();
    Map<String, Map<String, Path>> data = new LinkedHashMap<>();
    for (String table : List.of("bids", "ties", "single", "empty", "dupes")) {
      List<List<Bid>> byParty = new ArrayList<>();
      Map<String, Path> files = new LinkedHashMap<>();
      for (String party : sorted) {
        List<Bid> own = new ArrayList<>();
        if (dataParties.contains(party)) {
          if (!table.equals("single") && !table.equals("empty")) {
            int count = 4 + random.nextInt(12);
            for (int b = 0; b < count; b++) {
              // Amounts from 100,000.00, below the planted ones: unscaled values above 2^20, distinctive in the scan.
              own.add(new Bid(table + "-" + party + "-" + Integer.toString(random.nextInt(1 << 30), 36) + "-" + b,
                  10_000_000L + random.nextInt(90_000_000)));
            }
          }
          if (party.equals(firstInput)) {
            switch (table) {
              case "bids" -> own.add(new Bid("bids-" + party + "-top", TOP_AT_INPUT));
              case "single" -> own.add(new Bid("single-" + party + "-only", 54_321_987L));
              case "dupes" -> own.add(new Bid(own.get(0).id(), 10_000_003L));
              case "ties" -> {
                own.add(new Bid("ties-" + party + "-z-tied", TIED));
                own.add(new Bid("ties-" + party + "-a-tied", TIED));
              }
              default -> { }
            }
          }
          if (table.equals("ties") && tiedParties.contains(party) && !party.equals(firstInput)) {
            own.add(new Bid("ties-" + party + "-tied", TIED));
          }
          Path csv = dir.resolve(table + "-" + party + ".csv");
          StringBuilder text = new StringBuilder("bid_id,amount\n");
          own.forEach(bid -> text.append(bid.id()).append(',')
              .append(BigDecimal.valueOf(bid.amount(), 2).toPlainString()).append('\n'));
          Files.writeString(csv, text);
          files.put(party, csv);
        }
        byParty.add(own);
      }
      bids.put(table, byParty);
      data.put(table, files);
    }
    Map<String, String> schemas = new LinkedHashMap<>();
    data.keySet().forEach(table -> schemas.put(table, SCHEMA));
    FederationHarness harness = FederationHarness.start(dir, parties, computeParties, 2 * parties.size(), schemas, data);
    return new InputPartyAuctions(harness, sorted, List.copyOf(computeParties), bids);
  }

  /** The outcome of the plain auction over {@code table}'s pooled bids. */
  AuctionOutcome expected(String table, AuctionRule rule) {
    PlainAuction.Outcome plain = PlainAuction.run(bids.get(table), rule);
    if (plain.winner() < 0) {
      return AuctionOutcome.nobodyBid(rule);
    }
    return new AuctionOutcome(parties.get(plain.winner()), plain.winnerId(), BigDecimal.valueOf(plain.price(), 2), rule);
  }

  /** Runs the auction over {@code table} from {@code initiator} and checks it against the plain auction. */
  AuctionOutcome assertMatchesPlain(String initiator, String table, AuctionRule rule, long seed) {
    AuctionOutcome outcome = SealedBidAuctions.runAsInitiator(harness.session(initiator),
        SealedBidAuctions.auction(table, "bid_id", "amount", rule, "test auction over " + table), Drbg.seeded(seed));
    assertEquals(expected(table, rule), outcome, initiator + " runs " + rule + " over " + table);
    return outcome;
  }

  /**
   * Fails if a message the coordinator received since the last clear holds an amount of {@code
   * table} or {@code price} as an 8-byte word (either order), or a bid id's bytes; checks that
   * every input party with bids relayed, and that the scan finds planted values.
   */
  void assertTranscriptHoldsNoBid(String table, BigDecimal price) {
    Set<Long> words = new HashSet<>();
    List<byte[]> ids = new ArrayList<>();
    for (List<Bid> own : bids.get(table)) {
      for (Bid bid : own) {
        words.add(bid.amount());
        ids.add(bid.id().getBytes(StandardCharsets.UTF_8));
      }
    }
    words.add(price.unscaledValue().longValueExact());
    List<FederationHarness.Received> transcript = harness.transcript();
    for (String party : parties) {
      if (!computeParties.contains(party) && !bids.get(table).get(parties.indexOf(party)).isEmpty()) {
        assertTrue(transcript.stream().anyMatch(r -> r.party().equals(party) && r.rpc().equals("Relay")),
            "input party " + party + " relayed its shares");
      }
    }
    assertTrue(transcript.size() > 50, "the auction went through the coordinator: " + transcript.size() + " messages");
    for (FederationHarness.Received received : transcript) {
      Optional<String> leak = firstLeak(received.message(), words, ids);
      assertTrue(leak.isEmpty(), received.rpc() + " from " + received.party() + " holds " + leak.orElse(""));
    }
    Bid planted = bids.get(table).stream().filter(own -> !own.isEmpty()).findFirst().orElseThrow().get(0);
    byte[] word = ByteBuffer.allocate(21).order(ByteOrder.LITTLE_ENDIAN).putLong(7, planted.amount()).array();
    assertTrue(firstLeak(word, words, ids).isPresent(), "the scan finds a planted amount");
    assertTrue(firstLeak(("yy" + planted.id()).getBytes(StandardCharsets.UTF_8), words, ids).isPresent(),
        "the scan finds a planted id");
  }

  /** An 8-byte window (either byte order) equal to one of {@code words}, or an id's bytes, in {@code message}. */
  private static Optional<String> firstLeak(byte[] message, Set<Long> words, List<byte[]> ids) {
    ByteBuffer buffer = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    for (int offset = 0; offset + 8 <= message.length; offset++) {
      long word = buffer.getLong(offset);
      if (words.contains(word) || words.contains(Long.reverseBytes(word))) {
        return Optional.of("an amount at byte " + offset);
      }
    }
    String text = new String(message, StandardCharsets.ISO_8859_1);
    for (byte[] id : ids) {
      if (text.contains(new String(id, StandardCharsets.ISO_8859_1))) {
        return Optional.of("bid id " + new String(id, StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    harness.close();
  }
}
