package io.parley.connector.auction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.connector.auction.PlainAuction.Bid;
import io.parley.protocols.ParleyException;
import io.parley.protocols.wire.AuctionRule;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A party's top two bids and the checks on its bids, in plain Spark ({@code local[2]}), against a
 * sort of the same bids; and the checks of the auction's columns, with the exact messages.
 */
class LocalBidsTest {
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = SparkSession.builder().master("local[2]").appName("LocalBidsTest").config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "3").getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static AuctionColumns columns(String ddl) {
    return AuctionColumns.resolve(
        SealedBidAuctions.auction("bids", "bid_id", "amount", AuctionRule.AUCTION_RULE_SECOND_PRICE, "test"),
        StructType.fromDDL(ddl));
  }

  private static Dataset<Row> frame(String ddl, List<Object[]> rows) {
    List<Row> data = new ArrayList<>();
    rows.forEach(values -> data.add(RowFactory.create(values)));
    return spark.createDataFrame(data, StructType.fromDDL(ddl)).repartition(4);
  }

  private static TopBids topTwo(String ddl, List<Object[]> rows) {
    return LocalBids.topTwo(frame(ddl, rows), columns(ddl), "alpha");
  }

  private static String refusal(String ddl, List<Object[]> rows) {
    return assertThrows(ParleyException.class, () -> topTwo(ddl, rows)).getMessage();
  }

  @Test
  void randomBidsGiveTheTopTwoOfASort() {
    Random random = new Random(11);
    String ddl = "bid_id STRING, amount DECIMAL(12,2)";
    for (int trial = 0; trial < 6; trial++) {
      List<Bid> bids = new ArrayList<>();
      List<Object[]> rows = new ArrayList<>();
      int count = trial == 0 ? 1 : 1 + random.nextInt(300);
      for (int b = 0; b < count; b++) {
        long cents = random.nextInt(trial % 2 == 0 ? 50 : 1_000_000);
        String id = "bid-" + Integer.toString(random.nextInt(1 << 30), 36) + "-" + b;
        bids.add(new Bid(id, cents));
        rows.add(new Object[] {id, BigDecimal.valueOf(cents, 2)});
      }
      assertEquals(PlainAuction.topBids(bids), topTwo(ddl, rows), "trial " + trial);
    }
  }

  @Test
  void anEmptyTableHasNoBids() {
    assertEquals(TopBids.NONE, topTwo("bid_id STRING, amount BIGINT", List.of()));
  }

  @Test
  void equalAmountsGoToTheSmallerIdInSparksStringOrderOrNumerically() {
    // U+FFFD sorts before U+1F600 by UTF-8 bytes (Spark's order), though after it by UTF-16 units.
    TopBids strings = topTwo("bid_id STRING, amount INT",
        List.of(new Object[] {"\uD83D\uDE00", 5}, new Object[] {"\uFFFD", 5}, new Object[] {"a", 4}));
    assertArrayEquals("\uFFFD".getBytes(StandardCharsets.UTF_8), strings.firstId());
    assertEquals(new TopBids(5, 5, "\uFFFD".getBytes(StandardCharsets.UTF_8)), strings);
    TopBids numbers = topTwo("bid_id BIGINT, amount BIGINT",
        List.of(new Object[] {10L, 7L}, new Object[] {9L, 7L}, new Object[] {100L, 7L}));
    assertEquals(new TopBids(7, 7, "9".getBytes(StandardCharsets.UTF_8)), numbers);
  }

  @Test
  void integralAmountsUpToLongMaxAreExact() {
    TopBids top = topTwo("bid_id INT, amount BIGINT",
        List.of(new Object[] {1, Long.MAX_VALUE}, new Object[] {2, Long.MAX_VALUE - 1}, new Object[] {3, 0L}));
    assertEquals(new TopBids(Long.MAX_VALUE, Long.MAX_VALUE - 1, "1".getBytes(StandardCharsets.UTF_8)), top);
    TopBids decimal = topTwo("bid_id STRING, amount DECIMAL(18,4)",
        List.of(new Object[] {"x", new BigDecimal("99999999999999.9999")}, new Object[] {"y", new BigDecimal("0.0001")}));
    assertEquals(new TopBids(999_999_999_999_999_999L, 1, "x".getBytes(StandardCharsets.UTF_8)), decimal);
  }

  @Test
  void badBidsAreRefusedNamingThePartyTableAndColumn() {
    String ddl = "bid_id STRING, amount INT";
    assertEquals("party alpha's bids (federated table bids): 2 bid ids appear more than once in column bid_id (the first: 'a'); "
            + "every bid needs its own id",
        refusal(ddl, List.of(new Object[] {"b", 1}, new Object[] {"a", 2}, new Object[] {"a", 3}, new Object[] {"b", 1},
            new Object[] {"c", 1})));
    assertEquals("party alpha's bids (federated table bids): 1 bid has a null bid id in column bid_id",
        refusal(ddl, List.of(new Object[] {null, 1}, new Object[] {"a", 2})));
    assertEquals("party alpha's bids (federated table bids): 2 bids have a null amount in column amount",
        refusal(ddl, List.of(new Object[] {"a", null}, new Object[] {"b", null}, new Object[] {"c", 3})));
    assertEquals("party alpha's bids (federated table bids): 1 bid has a negative amount in column amount (the first: bid 'n'); "
            + "amounts must be 0 or more",
        refusal(ddl, List.of(new Object[] {"n", -1}, new Object[] {"p", 5})));
    String tooLong = "x".repeat(BidIdCodec.MAX_BYTES + 1);
    assertEquals("party alpha's bids (federated table bids): bid id '" + "x".repeat(40) + "...' in column bid_id has 255 bytes "
            + "(UTF-8); a bid id has at most 254",
        refusal(ddl, List.<Object[]>of(new Object[] {tooLong, 5})));
    assertEquals(new TopBids(5, TopBids.NO_BID, "x".repeat(254).getBytes(StandardCharsets.UTF_8)),
        topTwo(ddl, List.<Object[]>of(new Object[] {"x".repeat(254), 5})));
  }

  @Test
  void columnsOfTypesThatDoNotCompareExactlyAreRefused() {
    assertEquals("auction over table bids: amount column amount is DOUBLE; an amount must be an integral type (TINYINT, "
            + "SMALLINT, INT, BIGINT) or DECIMAL(p,s) with p <= 18, so that bids compare exactly",
        assertThrows(ParleyException.class, () -> columns("bid_id STRING, amount DOUBLE")).getMessage());
    assertEquals("auction over table bids: amount column amount is DECIMAL(20,2); an amount must be an integral type (TINYINT, "
            + "SMALLINT, INT, BIGINT) or DECIMAL(p,s) with p <= 18, so that bids compare exactly",
        assertThrows(ParleyException.class, () -> columns("bid_id STRING, amount DECIMAL(20,2)")).getMessage());
    assertEquals("auction over table bids: bid id column bid_id is DATE; a bid id must be STRING or an integral type (TINYINT, "
            + "SMALLINT, INT, BIGINT)",
        assertThrows(ParleyException.class, () -> columns("bid_id DATE, amount INT")).getMessage());
    assertEquals("auction over table bids: the amount column amount is not a column of the table (the federation declares "
            + "bid_id STRING,price INT)",
        assertThrows(ParleyException.class, () -> columns("bid_id STRING, price INT")).getMessage());
    assertEquals("auction over table bids names no rule: first-price or second-price",
        assertThrows(ParleyException.class, () -> AuctionColumns.resolve(
            SealedBidAuctions.auction("bids", "bid_id", "amount", AuctionRule.AUCTION_RULE_UNSPECIFIED, "t"),
            StructType.fromDDL("bid_id STRING, amount INT"))).getMessage());
    assertEquals("auction over table bids: column amount cannot be both the bid id and the amount",
        assertThrows(ParleyException.class, () -> AuctionColumns.resolve(
            SealedBidAuctions.auction("bids", "AMOUNT", "amount", AuctionRule.AUCTION_RULE_FIRST_PRICE, "t"),
            StructType.fromDDL("bid_id STRING, amount INT"))).getMessage());
    AuctionColumns decimal = columns("BID_ID string, Amount DECIMAL(9,3)");
    assertEquals("BID_ID", decimal.bidId());
    assertEquals("Amount", decimal.amount());
    assertEquals(new BigDecimal("12.345"), decimal.price(12_345));
    assertEquals(Arrays.asList(true, 0), Arrays.asList(columns("bid_id SMALLINT, amount TINYINT").integralIds(),
        columns("bid_id SMALLINT, amount TINYINT").scale()));
  }
}
