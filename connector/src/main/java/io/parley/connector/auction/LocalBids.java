package io.parley.connector.auction;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import io.parley.protocols.ParleyException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One party's top two bids and the checks on its bids, from one Spark action over its local rows:
 * bids grouped by id (so a duplicate id shows), then each partition folds its ids into a summary
 * row (counts of problems, the top two), and the driver merges one row per partition. The rows
 * never reach the driver.
 *
 * <p>The order of bids: higher amount first; equal amounts by smaller bid id (STRING ids by their
 * UTF-8 bytes, Spark's order of strings; integral ids numerically).
 */
final class LocalBids {
  private static final String ID = "id";
  private static final String AMOUNT = "amount";

  private LocalBids() {}

  /**
   * The top two bids of {@code localPart} (the party's rows under the federation's schema).
   *
   * @throws ParleyException naming the party, table and column when a bid id is null, repeated or
   *     longer than {@link BidIdCodec#MAX_BYTES} bytes, or an amount is null or negative
   */
  static TopBids topTwo(Dataset<Row> localPart, AuctionColumns columns, String party) {
    DataType idType = columns.integralIds() ? DataTypes.LongType : DataTypes.StringType;
    Column amount = columns.scale() == 0 ? col(quoted(columns.amount())).cast(DataTypes.LongType) : col(quoted(columns.amount()));
    Dataset<Row> perId =
        localPart
            .select(col(quoted(columns.bidId())).cast(idType).as(ID), amount.as(AMOUNT))
            .groupBy(col(ID))
            .agg(count(lit(1)).as("bids"), count(col(AMOUNT)).as("amounts"), min(col(AMOUNT)).as("lowest"),
                max(col(AMOUNT)).as("highest"));
    List<Row> partials =
        perId.mapPartitions(new FoldBids(columns.integralIds(), columns.scale()), Encoders.row(Summary.schema(idType)))
            .collectAsList();
    Summary total = new Summary(columns.integralIds());
    for (Row partial : partials) {
      total.merge(Summary.of(partial, columns.integralIds()));
    }
    return total.check(columns, party);
  }

  private static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  /** Smaller is better at equal amounts: strings by unsigned UTF-8 bytes (Spark's binary order), numbers numerically. */
  static int compareIds(Object a, Object b) {
    if (a instanceof Long x && b instanceof Long y) {
      return Long.compare(x, y);
    }
    return Arrays.compareUnsigned(((String) a).getBytes(StandardCharsets.UTF_8), ((String) b).getBytes(StandardCharsets.UTF_8));
  }

  /** Folds the per-id rows of one partition into one summary row. */
  static final class FoldBids implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final boolean integralIds;
    private final int scale;

    FoldBids(boolean integralIds, int scale) {
      this.integralIds = integralIds;
      this.scale = scale;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> ids) {
      Summary summary = new Summary(integralIds);
      while (ids.hasNext()) {
        Row row = ids.next();
        Object id = row.get(0);
        long bids = row.getLong(1);
        long amounts = row.getLong(2);
        if (id == null) {
          summary.nullIds += bids;
          continue;
        }
        summary.nullAmounts += bids - amounts;
        if (bids > 1) {
          summary.duplicates++;
          summary.duplicateExample = smaller(summary.duplicateExample, id);
        }
        if (amounts > 0 && exact(row.get(3)) < 0) {
          summary.negatives++;
          summary.negativeExample = smaller(summary.negativeExample, id);
        }
        if (!integralIds) {
          int length = ((String) id).getBytes(StandardCharsets.UTF_8).length;
          if (length > summary.longestId) {
            summary.longestId = length;
            summary.longestExample = (String) id;
          }
        }
        if (bids == 1 && amounts == 1) {
          summary.offer(exact(row.get(4)), id);
        }
      }
      return List.of(summary.toRow()).iterator();
    }

    /** An amount as an exact long: integral as is, DECIMAL by its unscaled value. */
    private long exact(Object value) {
      if (value instanceof Long number) {
        return number;
      }
      return ((BigDecimal) value).setScale(scale, RoundingMode.UNNECESSARY).unscaledValue().longValueExact();
    }

    private static Object smaller(Object current, Object candidate) {
      return current == null || compareIds(candidate, current) < 0 ? candidate : current;
    }
  }

  /** Counts of problems and the top two, per partition and merged. Plain fields: it lives in one task or on the driver. */
  static final class Summary {
    private final boolean integralIds;
    long nullIds;
    long nullAmounts;
    long duplicates;
    Object duplicateExample;
    long negatives;
    Object negativeExample;
    int longestId;
    String longestExample;
    long firstAmount = TopBids.NO_BID;
    Object firstId;
    long secondAmount = TopBids.NO_BID;
    Object secondId;

    Summary(boolean integralIds) {
      this.integralIds = integralIds;
    }

    static StructType schema(DataType idType) {
      return new StructType()
          .add("null_ids", DataTypes.LongType, false)
          .add("null_amounts", DataTypes.LongType, false)
          .add("duplicates", DataTypes.LongType, false)
          .add("duplicate_example", idType, true)
          .add("negatives", DataTypes.LongType, false)
          .add("negative_example", idType, true)
          .add("longest_id", DataTypes.IntegerType, false)
          .add("longest_example", DataTypes.StringType, true)
          .add("first_amount", DataTypes.LongType, false)
          .add("first_id", idType, true)
          .add("second_amount", DataTypes.LongType, false)
          .add("second_id", idType, true);
    }

    Row toRow() {
      return RowFactory.create(nullIds, nullAmounts, duplicates, duplicateExample, negatives, negativeExample, longestId,
          longestExample, firstAmount, firstId, secondAmount, secondId);
    }

    static Summary of(Row row, boolean integralIds) {
      Summary summary = new Summary(integralIds);
      summary.nullIds = row.getLong(0);
      summary.nullAmounts = row.getLong(1);
      summary.duplicates = row.getLong(2);
      summary.duplicateExample = row.get(3);
      summary.negatives = row.getLong(4);
      summary.negativeExample = row.get(5);
      summary.longestId = row.getInt(6);
      summary.longestExample = row.getString(7);
      summary.firstAmount = row.getLong(8);
      summary.firstId = row.get(9);
      summary.secondAmount = row.getLong(10);
      summary.secondId = row.get(11);
      return summary;
    }

    /** Whether bid (a, aId) comes before bid (b, bId): higher amount, then smaller id. */
    private static boolean before(long a, Object aId, long b, Object bId) {
      if (bId == null) {
        return aId != null;
      }
      return aId != null && (a > b || (a == b && compareIds(aId, bId) < 0));
    }

    void offer(long amount, Object id) {
      if (before(amount, id, firstAmount, firstId)) {
        secondAmount = firstAmount;
        secondId = firstId;
        firstAmount = amount;
        firstId = id;
      } else if (before(amount, id, secondAmount, secondId)) {
        secondAmount = amount;
        secondId = id;
      }
    }

    void merge(Summary other) {
      nullIds += other.nullIds;
      nullAmounts += other.nullAmounts;
      duplicates += other.duplicates;
      if (other.duplicateExample != null) {
        duplicateExample = FoldBids.smaller(duplicateExample, other.duplicateExample);
      }
      negatives += other.negatives;
      if (other.negativeExample != null) {
        negativeExample = FoldBids.smaller(negativeExample, other.negativeExample);
      }
      if (other.longestId > longestId) {
        longestId = other.longestId;
        longestExample = other.longestExample;
      }
      if (other.firstId != null) {
        offer(other.firstAmount, other.firstId);
      }
      if (other.secondId != null) {
        offer(other.secondAmount, other.secondId);
      }
    }

    /** The top two, or the first problem found, named for the user. */
    TopBids check(AuctionColumns columns, String party) {
      String where = "party " + party + "'s bids (federated table " + columns.table() + ")";
      if (nullIds > 0) {
        throw new ParleyException(where + ": " + plural(nullIds, "bid has", "bids have") + " a null bid id in column "
            + columns.bidId());
      }
      if (duplicates > 0) {
        throw new ParleyException(where + ": " + plural(duplicates, "bid id appears", "bid ids appear") + " more than once in column "
            + columns.bidId() + " (the first: " + shown(duplicateExample) + "); every bid needs its own id");
      }
      if (nullAmounts > 0) {
        throw new ParleyException(where + ": " + plural(nullAmounts, "bid has", "bids have") + " a null amount in column "
            + columns.amount());
      }
      if (negatives > 0) {
        throw new ParleyException(where + ": " + plural(negatives, "bid has", "bids have") + " a negative amount in column "
            + columns.amount() + " (the first: bid " + shown(negativeExample) + "); amounts must be 0 or more");
      }
      if (longestId > BidIdCodec.MAX_BYTES) {
        throw new ParleyException(where + ": bid id " + shown(truncated(longestExample)) + " in column " + columns.bidId() + " has "
            + longestId + " bytes (UTF-8); a bid id has at most " + BidIdCodec.MAX_BYTES);
      }
      if (firstId == null) {
        return TopBids.NONE;
      }
      return new TopBids(firstAmount, secondId == null ? TopBids.NO_BID : secondAmount,
          firstId.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String plural(long count, String one, String many) {
      return count + " " + (count == 1 ? one : many);
    }

    private static String shown(Object id) {
      return id instanceof String text ? "'" + text + "'" : String.valueOf(id);
    }

    private static String truncated(String id) {
      return id.codePointCount(0, id.length()) <= 40 ? id : id.substring(0, id.offsetByCodePoints(0, 40)) + "...";
    }
  }
}
