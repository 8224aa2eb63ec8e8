package io.parley.connector.auction;

import java.util.Arrays;

/**
 * One party's input to the auction: its highest and second-highest amounts in the auction's
 * order ({@link #NO_BID} where it has fewer bids) and the id of its highest bid ({@code null}
 * without bids). Amounts are exact: integers, or a DECIMAL's unscaled value.
 */
record TopBids(long first, long second, byte[] firstId) {
  /** Below every real amount (amounts are 0 or more), so an absent bid never wins or sets a price. */
  static final long NO_BID = -1L;
  static final TopBids NONE = new TopBids(NO_BID, NO_BID, null);

  TopBids {
    if (first < NO_BID || second < NO_BID || second > first) {
      throw new IllegalArgumentException("top bids must be 0 or more, the first at least the second");
    }
    if ((first == NO_BID) != (firstId == null)) {
      throw new IllegalArgumentException("the top bid has an id exactly when there is a top bid");
    }
  }

  int count() {
    return first == NO_BID ? 0 : second == NO_BID ? 1 : 2;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TopBids that && first == that.first && second == that.second
        && Arrays.equals(firstId, that.firstId);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(first) * 31 + Long.hashCode(second) * 17 + Arrays.hashCode(firstId);
  }

  /** Counts only: the amounts and the id are this party's secrets and stay out of logs. */
  @Override
  public String toString() {
    return "TopBids[" + count() + " bids]";
  }
}
