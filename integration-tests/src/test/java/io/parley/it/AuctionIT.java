package io.parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.jobs.FileTranscript;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code parley auction} across processes: a coordinator (with a transcript), beta and gamma as
 * {@code parley party} responders and alpha's {@code parley auction}, each its own JVM through
 * {@code jobs/bin/parley}; outcomes checked against a plain sort of the pooled bids. Then gamma is
 * replaced by {@code parley helper} (two data parties plus a compute party with no data), and the
 * transcript is searched for every amount, price and bid id.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuctionIT {
  static final List<String> PARTIES = List.of("alpha", "beta", "gamma");
  static final String SCHEMA = "bid_id STRING, amount DECIMAL(12,2)";
  static final Duration AUCTION_TIMEOUT = Duration.ofSeconds(180);

  record Bid(int party, String id, long cents) {}

  static Path work;
  static ProcessFederation federation;
  static Path transcript;
  static final Map<String, Path> bidFiles = new LinkedHashMap<>();
  static final List<Bid> pooled = new ArrayList<>();
  static final List<BigDecimal> prices = new ArrayList<>();

  @BeforeAll
  static void startFederation() throws Exception {
    Checkout.requirePackagedJobs();
    work = Checkout.freshWorkDir(AuctionIT.class);
    Random random = new Random(2026_11_25L);
    for (int p = 0; p < PARTIES.size(); p++) {
      StringBuilder csv = new StringBuilder("bid_id,amount\n");
      for (int b = 0; b < 150; b++) {
        // From 100,000.00 up: unscaled amounts above 2^20, so the transcript scan can look for them. Beta bids
        // highest, so the winner (not the initiator) hands its bid id to alpha on shares.
        long cents = 10_000_000L + random.nextInt(p == 1 ? 50_000_000 : 40_000_000);
        Bid bid = new Bid(p, PARTIES.get(p) + "-lot-" + Integer.toString(random.nextInt(1 << 30), 36) + "-" + b, cents);
        pooled.add(bid);
        csv.append(bid.id()).append(',').append(BigDecimal.valueOf(cents, 2).toPlainString()).append('\n');
      }
      Path file = work.resolve("data").resolve(PARTIES.get(p) + "-bids.csv");
      Files.createDirectories(file.getParent());
      Files.writeString(file, csv);
      bidFiles.put(PARTIES.get(p), file);
    }
    Path dir = work.resolve("federation");
    federation = new ProcessFederation(dir, work.resolve("logs"));
    SqlRun init = federation.run("init", List.of("init", "--dir", dir.toString(), "--parties", String.join(",", PARTIES),
        "--compute-parties", String.join(",", PARTIES), "--federation", "parley-auction-it", "--table", "bids=" + SCHEMA),
        ProcessFederation.INIT_TIMEOUT);
    assertEquals(0, init.exitCode(), "parley init failed: " + init.describe());
    transcript = work.resolve("coordinator.transcript");
    federation.startCoordinator(transcript);
    for (String party : List.of("beta", "gamma")) {
      federation.startPartyProcess(party,
          List.of("party", "--conf", federation.conf(party).toString(), "--table", "bids=" + bidFiles.get(party)), Map.of());
    }
    federation.awaitResponders();
  }

  @AfterAll
  static void stopFederation() {
    if (federation != null) {
      federation.close();
    }
  }

  /** The plain outcome over {@code bids}: highest amount, then party order, then id by UTF-8 bytes. */
  static String[] plain(List<Bid> bids, boolean secondPrice) {
    List<Bid> sorted = new ArrayList<>(bids);
    sorted.sort(Comparator.comparingLong((Bid bid) -> -bid.cents()).thenComparingInt(Bid::party)
        .thenComparing((a, b) -> Arrays.compareUnsigned(a.id().getBytes(StandardCharsets.UTF_8), b.id().getBytes(StandardCharsets.UTF_8))));
    Bid winner = sorted.get(0);
    long price = secondPrice ? (sorted.size() > 1 ? sorted.get(1).cents() : 0) : winner.cents();
    return new String[] {PARTIES.get(winner.party()), winner.id(), BigDecimal.valueOf(price, 2).toPlainString()};
  }

  static String[] auctionAsAlpha(String name, String rule, Path alphaBids) throws InterruptedException {
    SqlRun run = federation.runAsParty(name, List.of("auction", "--conf", federation.conf("alpha").toString(), "--table",
        "bids=" + alphaBids, "--rule", rule), Map.of(), AUCTION_TIMEOUT);
    assertEquals(0, run.exitCode(), run.describe());
    Map<String, String> lines = new LinkedHashMap<>();
    for (String line : run.stdout()) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        lines.put(line.substring(0, colon), line.substring(colon + 2));
      }
    }
    assertTrue(run.stdout().contains("auction over table bids, " + rule), run.stdout().toString());
    prices.add(new BigDecimal(lines.get("price")));
    return new String[] {lines.get("winner"), lines.get("bid"), lines.get("price")};
  }

  @Test
  @Order(1)
  void secondPriceMatchesThePooledBids() throws Exception {
    assertEquals(Arrays.asList(plain(pooled, true)),
        Arrays.asList(auctionAsAlpha("auction-second", "second-price", bidFiles.get("alpha"))));
  }

  @Test
  @Order(2)
  void firstPriceMatchesThePooledBids() throws Exception {
    assertEquals(Arrays.asList(plain(pooled, false)),
        Arrays.asList(auctionAsAlpha("auction-first", "first-price", bidFiles.get("alpha"))));
  }

  @Test
  @Order(3)
  void twoDataPartiesAndAHelperMatchTheirPooledBids() throws Exception {
    federation.stopResponder("gamma");
    federation.startPartyProcess("gamma", List.of("helper", "--conf", federation.conf("gamma").toString()), Map.of());
    federation.awaitResponders();
    List<Bid> alphaAndBeta = pooled.stream().filter(bid -> bid.party() < 2).toList();
    assertEquals(Arrays.asList(plain(alphaAndBeta, true)),
        Arrays.asList(auctionAsAlpha("auction-helper", "second-price", bidFiles.get("alpha"))));
  }

  @Test
  @Order(4)
  void duplicateBidIdsAtTheInitiatorAreOneLine() throws Exception {
    Path duplicated = work.resolve("data/alpha-duplicated.csv");
    Bid first = pooled.get(0);
    Files.writeString(duplicated, Files.readString(bidFiles.get("alpha"))
        + first.id() + "," + BigDecimal.valueOf(first.cents() + 1, 2).toPlainString() + "\n");
    SqlRun run = federation.runAsParty("auction-duplicates", List.of("auction", "--conf", federation.conf("alpha").toString(),
        "--table", "bids=" + duplicated), Map.of(), AUCTION_TIMEOUT);
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(List.of("parley: party alpha's bids (federated table bids): 1 bid id appears more than once in column bid_id "
        + "(the first: '" + first.id() + "'); every bid needs its own id"), run.parleyErrorLines(), run.describe());
  }

  @Test
  @Order(5)
  void theCoordinatorReceivedNoAmountPriceOrBidId() throws IOException {
    List<FileTranscript.Entry> entries = FileTranscript.read(transcript.toString());
    assertTrue(entries.stream().filter(entry -> entry.rpc().equals("Relay")).count() > 100,
        "the auctions relayed their rounds through the coordinator");
    TranscriptScan scan = new TranscriptScan();
    for (Bid bid : pooled) {
      scan.addNumber(BigDecimal.valueOf(bid.cents(), 2), "amount of " + bid.id());
    }
    for (BigDecimal price : prices) {
      scan.addNumber(price, "price " + price);
    }
    assertTrue(scan.contains(pooled.get(0).cents()), "the scan looks for unscaled amounts");
    Optional<String> leak = scan.firstHit(entries);
    assertTrue(leak.isEmpty(), "the coordinator received a secret: " + leak.orElse(""));
    for (Bid bid : pooled) {
      String needle = new String(bid.id().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      for (FileTranscript.Entry entry : entries) {
        assertTrue(!new String(entry.message(), StandardCharsets.ISO_8859_1).contains(needle),
            "bid id " + bid.id() + " in plain text in " + entry.rpc() + " from " + entry.party());
      }
    }
  }
}
