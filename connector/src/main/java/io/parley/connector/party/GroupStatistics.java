package io.parley.connector.party;

import java.io.Serializable;
import java.util.Objects;

/**
 * One local group as an executor prepared it: its canonical group key and its local statistics as
 * ring words, not yet masked. Stays inside the party's cluster: the party's driver collects only
 * the keys, and only tokens (the keys encrypted under the session's token key) leave it.
 */
public final class GroupStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] key;
  private final long[] words;

  public GroupStatistics(byte[] key, long[] words) {
    this.key = Objects.requireNonNull(key, "key");
    this.words = Objects.requireNonNull(words, "words");
  }

  public byte[] key() {
    return key;
  }

  public long[] words() {
    return words;
  }

  /** Sizes only: the words are a party's subtotals. */
  @Override
  public String toString() {
    return "GroupStatistics[" + key.length + "-byte key, " + words.length + " words]";
  }
}
