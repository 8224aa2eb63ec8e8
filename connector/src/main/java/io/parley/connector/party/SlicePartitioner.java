package io.parley.connector.party;

import org.apache.spark.Partitioner;

/**
 * Sends slice {@code s} (an {@link Integer} key) to partition {@code s}: exactly one partition per
 * slice of the masked vector, so every slice is masked and sent, even one holding none of this
 * party's groups.
 */
final class SlicePartitioner extends Partitioner {
  private static final long serialVersionUID = 1L;

  private final int slices;

  SlicePartitioner(int slices) {
    if (slices < 1) {
      throw new IllegalArgumentException("slices " + slices + " < 1");
    }
    this.slices = slices;
  }

  @Override
  public int numPartitions() {
    return slices;
  }

  @Override
  public int getPartition(Object key) {
    int slice = (Integer) key;
    if (slice < 0 || slice >= slices) {
      throw new IllegalArgumentException("slice " + slice + " is not in 0.." + (slices - 1));
    }
    return slice;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SlicePartitioner that && that.slices == slices;
  }

  @Override
  public int hashCode() {
    return slices;
  }
}
