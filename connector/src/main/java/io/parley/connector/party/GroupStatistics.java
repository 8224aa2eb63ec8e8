package io.parley.connector.party;

import java.io.Serializable;
import java.util.Objects;

/**
 * One local group as an executor prepared it: its group token (the group key encrypted under the
 * session's token key) and its local statistics as ring words, not yet masked. Stays inside the
 * party's cluster: the driver collects only the tokens.
 */
public final class GroupStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] token;
  private final long[] words;

  public GroupStatistics(byte[] token, long[] words) {
    this.token = Objects.requireNonNull(token, "token");
    this.words = Objects.requireNonNull(words, "words");
  }

  public byte[] token() {
    return token;
  }

  public long[] words() {
    return words;
  }

  /** Sizes only: the words are a party's subtotals. */
  @Override
  public String toString() {
    return "GroupStatistics[" + token.length + "-byte token, " + words.length + " words]";
  }
}
