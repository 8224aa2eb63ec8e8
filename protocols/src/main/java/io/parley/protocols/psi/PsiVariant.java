package io.parley.protocols.psi;

/** What a private join reveals; see each constant for who learns what. */
public enum PsiVariant {
  /**
   * The receiver learns which of its own identifiers are in the intersection (and the sender's
   * number of distinct identifiers); the sender learns the receiver's number of distinct
   * identifiers. The sender returns the receiver's points reblinded in the order received.
   */
  INTERSECTION,
  /**
   * The receiver learns only the intersection size (and the sender's number of distinct
   * identifiers); the sender learns the receiver's number of distinct identifiers. The sender
   * shuffles the reblinded points, so the receiver cannot tell which of its identifiers matched.
   */
  CARDINALITY,
  /**
   * As {@link #CARDINALITY}, and both parties learn the sum of the sender's value columns and its
   * row count over the intersection, computed by the coordinator from masked words: see {@link
   * IntersectionSumCoordinator}.
   */
  INTERSECTION_SUM
}
