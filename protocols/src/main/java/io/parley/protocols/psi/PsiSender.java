package io.parley.protocols.psi;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The sender's role in a two-party ECDH-PSI (the party whose identifiers stay hidden, and whose
 * value columns are summed in {@link PsiVariant#INTERSECTION_SUM}), over one batch. Duplicate
 * identifiers are merged before anything is sent (so the receiver cannot see multiplicities): for
 * the sum, the payload of a distinct identifier is the word-wise sum of its rows' values followed
 * by its row count, so the result counts every sender row whose identifier matches.
 *
 * <p>Not thread-safe: one instance per session and batch (it draws shuffles from its {@link
 * SecureRandom}).
 */
public final class PsiSender {
  private final String receiver;
  private final PsiKey key;
  private final PsiVariant variant;
  private final SecureRandom random;

  /** Distinct canonical identifiers in the (random) order they are sent. */
  private final byte[][] distinctInSendOrder;

  /** Per distinct identifier in send order: value words then row count; null unless a sum. */
  private final long[] payload;

  private final int payloadWidth;

  /**
   * @param canonicalIdentifiers one per row, from {@link IdentifierNormalizer}; null never matches
   * @param rowValues for {@link PsiVariant#INTERSECTION_SUM}, each row's value words (all rows the
   *     same width, at least one word); null for the other variants
   */
  public PsiSender(
      String receiver,
      PsiKey key,
      PsiVariant variant,
      byte[][] canonicalIdentifiers,
      long[][] rowValues,
      SecureRandom random) {
    this.receiver = Objects.requireNonNull(receiver, "receiver");
    this.key = Objects.requireNonNull(key, "key");
    this.variant = Objects.requireNonNull(variant, "variant");
    this.random = Objects.requireNonNull(random, "random");
    boolean summing = variant == PsiVariant.INTERSECTION_SUM;
    if (summing != (rowValues != null)) {
      throw new IllegalArgumentException("row values are required for, and only for, sums");
    }
    int valueWidth = summing ? valueWidth(rowValues, canonicalIdentifiers.length) : 0;
    Map<ByteKey, Integer> firstSeen = new HashMap<>();
    List<byte[]> distinct = new ArrayList<>();
    List<long[]> sums = new ArrayList<>();
    for (int row = 0; row < canonicalIdentifiers.length; row++) {
      byte[] identifier = canonicalIdentifiers[row];
      if (identifier == null) {
        continue;
      }
      Integer index = firstSeen.putIfAbsent(new ByteKey(identifier), distinct.size());
      if (index == null) {
        index = distinct.size();
        distinct.add(identifier);
        sums.add(summing ? new long[valueWidth + 1] : null);
      }
      if (summing) {
        long[] sum = sums.get(index);
        for (int w = 0; w < valueWidth; w++) {
          sum[w] += rowValues[row][w];
        }
        sum[valueWidth]++;
      }
    }
    int[] sendOrder = SecureShuffle.permutation(distinct.size(), random);
    distinctInSendOrder = new byte[distinct.size()][];
    payloadWidth = summing ? valueWidth + 1 : 0;
    payload = summing ? new long[distinct.size() * payloadWidth] : null;
    for (int slot = 0; slot < sendOrder.length; slot++) {
      distinctInSendOrder[slot] = distinct.get(sendOrder[slot]);
      if (summing) {
        System.arraycopy(sums.get(sendOrder[slot]), 0, payload, slot * payloadWidth, payloadWidth);
      }
    }
  }

  private static int valueWidth(long[][] rowValues, int rows) {
    if (rowValues.length != rows) {
      throw new IllegalArgumentException(
          rows + " identifiers but " + rowValues.length + " value rows");
    }
    int width = rows == 0 ? 1 : rowValues[0].length;
    for (long[] values : rowValues) {
      if (values.length != width || width < 1 || width >= PsiMessages.MAX_WIDTH) {
        throw new IllegalArgumentException(
            "every row needs the same 1.." + (PsiMessages.MAX_WIDTH - 1) + " value words");
      }
    }
    return width;
  }

  /** Words per element of the masked payload: the value words plus one row count. */
  public int payloadWidth() {
    return payloadWidth;
  }

  /**
   * Answers the receiver's blinded identifiers with {@code H(x)^(ab)}: in the received order for
   * {@link PsiVariant#INTERSECTION}, freshly shuffled otherwise, so the receiver cannot tell which
   * of its identifiers matched.
   */
  public byte[] reblind(byte[] receiverBlinded) {
    byte[][] points =
        PsiMessages.decodePoints(receiverBlinded, PsiMessages.Type.BLINDED_IDENTIFIERS, receiver);
    byte[][] reblinded = key.reblindAll(points, receiver);
    if (variant != PsiVariant.INTERSECTION) {
      SecureShuffle.shuffle(reblinded, random);
    }
    return PsiMessages.encodePoints(PsiMessages.Type.REBLINDED_IDENTIFIERS, reblinded);
  }

  /** {@code H(y)^b} for each distinct identifier, in this party's random send order. */
  public byte[] blindedIdentifiers() {
    return PsiMessages.encodePoints(
        PsiMessages.Type.BLINDED_IDENTIFIERS, key.blindAll(distinctInSendOrder));
  }

  /**
   * {@link PsiVariant#INTERSECTION_SUM}, to the coordinator: each element's payload words plus the
   * pair's payload mask, in the same order as {@link #blindedIdentifiers()}.
   */
  public byte[] maskedPayload(PsiSumMasks masks) {
    if (variant != PsiVariant.INTERSECTION_SUM) {
      throw new IllegalStateException(
          "maskedPayload belongs to INTERSECTION_SUM, this is " + variant);
    }
    long[] masked = payload.clone();
    masks.maskPayload(0, payloadWidth, masked);
    return PsiMessages.encodeMaskedPayload(new PsiMessages.MaskedPayload(payloadWidth, masked));
  }

  @Override
  public String toString() {
    return "PsiSender["
        + variant
        + ", peer "
        + receiver
        + ", "
        + distinctInSendOrder.length
        + " distinct]";
  }
}
