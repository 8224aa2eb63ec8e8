package io.parley.connector.party;

import java.io.Serializable;
import java.util.Objects;

/**
 * One local group's statistics placed on the union of group keys: its index in the union (so its
 * words go to ring words {@code [index * w, (index + 1) * w)}) and the words themselves, unmasked.
 * Shuffled to the task that masks and sends the slice holding that index.
 */
public final class PlacedStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int index;
  private final long[] words;

  public PlacedStatistics(int index, long[] words) {
    if (index < 0) {
      throw new IllegalArgumentException("index " + index + " is negative");
    }
    this.index = index;
    this.words = Objects.requireNonNull(words, "words");
  }

  public int index() {
    return index;
  }

  public long[] words() {
    return words;
  }

  /** Sizes only: the words are a party's subtotals. */
  @Override
  public String toString() {
    return "PlacedStatistics[group " + index + ", " + words.length + " words]";
  }
}
