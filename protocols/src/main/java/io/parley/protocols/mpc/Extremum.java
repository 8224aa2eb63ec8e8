package io.parley.protocols.mpc;

/**
 * The result of {@link ReplicatedParty#argMax} or {@link ReplicatedParty#argMin}: shares of the
 * extreme value and of its position in the input batch (each a batch of one). {@link #index()} is
 * {@code null} for {@link ReplicatedParty#maximum} and {@link ReplicatedParty#minimum}, which do
 * not track it.
 */
public final class Extremum {
  private final ArithmeticShares value;
  private final ArithmeticShares index;

  Extremum(ArithmeticShares value, ArithmeticShares index) {
    this.value = value;
    this.index = index;
  }

  public ArithmeticShares value() {
    return value;
  }

  /** Shares of the position (0-based) of the value's first occurrence. */
  public ArithmeticShares index() {
    return index;
  }

  @Override
  public String toString() {
    return "Extremum[shares]";
  }
}
