package io.parley.protocols.psi;

import io.parley.protocols.ParleyException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The receiver's role in a two-party ECDH-PSI (the party that learns the intersection, its size, or
 * that reports matches for the sum), over one batch of its identifiers. Set semantics: duplicate
 * identifiers are sent once, and every row carrying a matching identifier is reported as matching.
 *
 * <ol>
 *   <li>{@link #blindedIdentifiers()} → sender: {@code H(x)^a} for each distinct x, shuffled.
 *   <li>The sender answers with {@code H(x)^(ab)} (in our order for {@link
 *       PsiVariant#INTERSECTION}, shuffled otherwise) and its own {@code H(y)^b}, shuffled.
 *   <li>{@link #intersection}, {@link #intersectionSize} or {@link #matchReport} reblind the
 *       sender's points to {@code H(y)^(ba)} and compare.
 * </ol>
 *
 * <p>The sender's {@code H(y)^b} are checked and reblinded ({@link PsiKey#reblindAll}); the
 * returned {@code H(x)^(ab)} are only compared, never multiplied by this party's key, so a length
 * check is all they need.
 *
 * <p>One instance per session and batch. The {@link SecureRandom} is used only in the constructor
 * (for the send order); afterwards the instance is read-only.
 */
public final class PsiReceiver {
  private final String sender;
  private final PsiKey key;
  private final PsiVariant variant;

  /** Distinct canonical identifiers in the order they are sent (a uniformly random one). */
  private final byte[][] distinctInSendOrder;

  /** For each input row, the index of its identifier in {@link #distinctInSendOrder}, or -1. */
  private final int[] sendIndexOfRow;

  /**
   * @param sender the peer, named in errors
   * @param canonicalIdentifiers one per row, from {@link IdentifierNormalizer}; null never matches
   */
  public PsiReceiver(
      String sender,
      PsiKey key,
      PsiVariant variant,
      byte[][] canonicalIdentifiers,
      SecureRandom random) {
    this.sender = Objects.requireNonNull(sender, "sender");
    this.key = Objects.requireNonNull(key, "key");
    this.variant = Objects.requireNonNull(variant, "variant");
    Map<ByteKey, Integer> firstSeen = new HashMap<>();
    List<byte[]> distinct = new ArrayList<>();
    int[] distinctOfRow = new int[canonicalIdentifiers.length];
    for (int row = 0; row < canonicalIdentifiers.length; row++) {
      byte[] identifier = canonicalIdentifiers[row];
      if (identifier == null) {
        distinctOfRow[row] = -1;
        continue;
      }
      Integer index = firstSeen.putIfAbsent(new ByteKey(identifier), distinct.size());
      if (index == null) {
        distinctOfRow[row] = distinct.size();
        distinct.add(identifier);
      } else {
        distinctOfRow[row] = index;
      }
    }
    int[] sendOrder = SecureShuffle.permutation(distinct.size(), random);
    int[] sendIndexOfDistinct = new int[distinct.size()];
    distinctInSendOrder = new byte[distinct.size()][];
    for (int slot = 0; slot < sendOrder.length; slot++) {
      distinctInSendOrder[slot] = distinct.get(sendOrder[slot]);
      sendIndexOfDistinct[sendOrder[slot]] = slot;
    }
    sendIndexOfRow = new int[canonicalIdentifiers.length];
    for (int row = 0; row < distinctOfRow.length; row++) {
      sendIndexOfRow[row] = distinctOfRow[row] < 0 ? -1 : sendIndexOfDistinct[distinctOfRow[row]];
    }
  }

  /** Message 1, to the sender: the blinded distinct identifiers in a random order. */
  public byte[] blindedIdentifiers() {
    return PsiMessages.encodePoints(
        PsiMessages.Type.BLINDED_IDENTIFIERS, key.blindAll(distinctInSendOrder));
  }

  /**
   * {@link PsiVariant#INTERSECTION}: for each input row, whether its identifier is in the
   * intersection.
   *
   * @param reblindedMine the sender's {@code H(x)^(ab)}, in the order this party sent
   * @param blindedTheirs the sender's {@code H(y)^b}
   */
  public boolean[] intersection(byte[] reblindedMine, byte[] blindedTheirs) {
    requireVariant(PsiVariant.INTERSECTION, "intersection");
    byte[][] mine = decodeReblinded(reblindedMine);
    Set<ByteKey> theirs = doublyBlinded(blindedTheirs);
    boolean[] matchedSlot = new boolean[mine.length];
    for (int slot = 0; slot < mine.length; slot++) {
      matchedSlot[slot] = theirs.contains(new ByteKey(mine[slot]));
    }
    boolean[] matchedRow = new boolean[sendIndexOfRow.length];
    for (int row = 0; row < matchedRow.length; row++) {
      matchedRow[row] = sendIndexOfRow[row] >= 0 && matchedSlot[sendIndexOfRow[row]];
    }
    return matchedRow;
  }

  /** {@link PsiVariant#CARDINALITY} (or any variant): the number of distinct common identifiers. */
  public long intersectionSize(byte[] reblindedMine, byte[] blindedTheirs) {
    Set<ByteKey> mine = asSet(decodeReblinded(reblindedMine));
    long size = 0;
    for (ByteKey point : doublyBlinded(blindedTheirs)) {
      if (mine.contains(point)) {
        size++;
      }
    }
    return size;
  }

  /**
   * {@link PsiVariant#INTERSECTION_SUM}: the report to the coordinator, which positions of the
   * sender's (shuffled) set matched and the mask correction {@code sum of payload masks there -
   * output mask}.
   *
   * @param payloadWidth words per sender element: its value words plus one row count
   */
  public byte[] matchReport(
      byte[] reblindedMine, byte[] blindedTheirs, PsiSumMasks masks, int payloadWidth) {
    requireVariant(PsiVariant.INTERSECTION_SUM, "matchReport");
    Set<ByteKey> mine = asSet(decodeReblinded(reblindedMine));
    byte[][] theirs =
        key.reblindAll(
            PsiMessages.decodePoints(blindedTheirs, PsiMessages.Type.BLINDED_IDENTIFIERS, sender),
            sender);
    int[] positions = new int[theirs.length];
    int matched = 0;
    for (int position = 0; position < theirs.length; position++) {
      if (mine.contains(new ByteKey(theirs[position]))) {
        positions[matched++] = position;
      }
    }
    int[] matchedPositions = java.util.Arrays.copyOf(positions, matched);
    long[] correction = masks.payloadMaskSum(matchedPositions, payloadWidth);
    long[] outputMask = masks.outputMask(payloadWidth);
    for (int w = 0; w < payloadWidth; w++) {
      correction[w] -= outputMask[w];
    }
    return PsiMessages.encodeMatchReport(
        new PsiMessages.MatchReport(theirs.length, matchedPositions, correction));
  }

  private byte[][] decodeReblinded(byte[] reblindedMine) {
    byte[][] mine =
        PsiMessages.decodePoints(reblindedMine, PsiMessages.Type.REBLINDED_IDENTIFIERS, sender);
    if (mine.length != distinctInSendOrder.length) {
      throw new ParleyException(
          "PSI: party '"
              + sender
              + "' returned "
              + mine.length
              + " reblinded identifiers for the "
              + distinctInSendOrder.length
              + " this party sent");
    }
    return mine;
  }

  private Set<ByteKey> doublyBlinded(byte[] blindedTheirs) {
    byte[][] theirs =
        PsiMessages.decodePoints(blindedTheirs, PsiMessages.Type.BLINDED_IDENTIFIERS, sender);
    return asSet(key.reblindAll(theirs, sender));
  }

  private static Set<ByteKey> asSet(byte[][] points) {
    Set<ByteKey> set = new HashSet<>(points.length * 2);
    for (byte[] point : points) {
      set.add(new ByteKey(point));
    }
    return set;
  }

  private void requireVariant(PsiVariant expected, String method) {
    if (variant != expected) {
      throw new IllegalStateException(method + " belongs to " + expected + ", this is " + variant);
    }
  }

  @Override
  public String toString() {
    return "PsiReceiver["
        + variant
        + ", peer "
        + sender
        + ", "
        + distinctInSendOrder.length
        + " distinct]";
  }
}
