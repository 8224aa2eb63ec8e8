package io.parley.protocols.aggregation;

import io.parley.protocols.crypto.MaskStream;
import io.parley.protocols.crypto.SecretBytes;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What one party adds to its vector before the coordinator sees it: for every peer, the AES-CTR
 * stream of their pairwise mask key (added by the party whose name sorts first, subtracted by the
 * other, so each pair's streams cancel in the sum) and, at the leader only, the output mask that
 * keeps the sum from the coordinator. Seekable: any executor masks its own slice of the vector.
 *
 * <p>Serializable because the party's executors mask their slices; it holds session secrets and
 * travels only inside the party's own cluster (enable {@code spark.network.crypto.enabled} there).
 */
public final class MaskPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One peer's stream and whether this party adds or subtracts it. */
  record PairMask(SecretBytes key, boolean add) implements Serializable {
    @Override
    public String toString() {
      return "PairMask[" + (add ? "+" : "-") + ", key redacted]";
    }
  }

  private final List<PairMask> pairs;
  private final SecretBytes outputMask; // null except at the leader

  MaskPlan(List<PairMask> pairs, SecretBytes outputMask) {
    this.pairs = List.copyOf(pairs);
    this.outputMask = outputMask;
  }

  /** Masks {@code slice[offset, offset + length)}, which holds the vector's words from {@code firstWord} on. */
  public void mask(long firstWord, long[] slice, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, slice.length);
    if (firstWord < 0) {
      throw new IllegalArgumentException("firstWord " + firstWord + " < 0");
    }
    for (PairMask pair : pairs) {
      MaskStream stream = new MaskStream(pair.key());
      if (pair.add()) {
        stream.addTo(firstWord, slice, offset, length);
      } else {
        stream.subtractFrom(firstWord, slice, offset, length);
      }
    }
    if (outputMask != null) {
      new MaskStream(outputMask).addTo(firstWord, slice, offset, length);
    }
  }

  int peers() {
    return pairs.size();
  }

  @Override
  public String toString() {
    return "MaskPlan[" + pairs.size() + " peers" + (outputMask != null ? ", output mask" : "") + ", keys redacted]";
  }
}
