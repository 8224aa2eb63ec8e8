package io.parley.connector.auction;

import io.parley.protocols.ParleyException;
import io.parley.protocols.wire.AuctionRule;
import io.parley.protocols.wire.SealedBidAuction;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Optional;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The auction's table and columns checked against the federation's schema: the bid id a STRING
 * or integral column, the amount integral or DECIMAL with precision at most 18 (so every amount
 * is an exact signed 64-bit integer, a DECIMAL's by its unscaled value). Every party derives the
 * same from the same query and schema.
 */
record AuctionColumns(String table, String bidId, boolean integralIds, String amount, DataType amountType, int scale,
    AuctionRule rule) {
  static final int VERSION = 1;

  /** Checks {@code auction} against {@code schema}, the federation's schema of its table. */
  static AuctionColumns resolve(SealedBidAuction auction, StructType schema) {
    String table = auction.getTable();
    String where = "auction over table " + table;
    if (auction.getVersion() != VERSION) {
      throw new ParleyException(where + ": version " + auction.getVersion() + " of the auction message is not supported (this party reads " + VERSION + ")");
    }
    AuctionRule rule = auction.getRule();
    if (rule != AuctionRule.AUCTION_RULE_FIRST_PRICE && rule != AuctionRule.AUCTION_RULE_SECOND_PRICE) {
      throw new ParleyException(where + " names no rule: first-price or second-price");
    }
    StructField id = field(schema, auction.getBidIdColumn(), "bid id", where);
    StructField amount = field(schema, auction.getAmountColumn(), "amount", where);
    if (id.name().equals(amount.name())) {
      throw new ParleyException(where + ": column " + id.name() + " cannot be both the bid id and the amount");
    }
    boolean integralIds = isIntegral(id.dataType());
    if (!integralIds && !id.dataType().equals(DataTypes.StringType)) {
      throw new ParleyException(where + ": bid id column " + id.name() + " is " + id.dataType().sql()
          + "; a bid id must be STRING or an integral type (TINYINT, SMALLINT, INT, BIGINT)");
    }
    int scale;
    if (isIntegral(amount.dataType())) {
      scale = 0;
    } else if (amount.dataType() instanceof DecimalType decimal && decimal.precision() <= 18) {
      scale = decimal.scale();
    } else {
      throw new ParleyException(where + ": amount column " + amount.name() + " is " + amount.dataType().sql()
          + "; an amount must be an integral type (TINYINT, SMALLINT, INT, BIGINT) or DECIMAL(p,s) with p <= 18, "
          + "so that bids compare exactly");
    }
    return new AuctionColumns(table, id.name(), integralIds, amount.name(), amount.dataType(), scale, rule);
  }

  private static StructField field(StructType schema, String name, String role, String where) {
    if (name == null || name.isBlank()) {
      throw new ParleyException(where + " names no " + role + " column");
    }
    Optional<StructField> found = Arrays.stream(schema.fields()).filter(f -> f.name().equalsIgnoreCase(name)).findFirst();
    return found.orElseThrow(
        () -> new ParleyException(where + ": the " + role + " column " + name + " is not a column of the table (the federation declares "
            + schema.toDDL() + ")"));
  }

  private static boolean isIntegral(DataType type) {
    return type instanceof ByteType || type instanceof ShortType || type instanceof IntegerType || type instanceof LongType;
  }

  /** An exact amount (unscaled for DECIMAL) as a number of the amount column's scale. */
  BigDecimal price(long unscaled) {
    return BigDecimal.valueOf(unscaled, scale);
  }
}
