package io.parley.protocols.psi;

import io.parley.protocols.ParleyException;
import java.util.BitSet;
import java.util.PrimitiveIterator;

/**
 * The coordinator's role in {@link PsiVariant#INTERSECTION_SUM}: it adds the sender's masked
 * payload words at the positions the receiver reports and subtracts the receiver's mask correction.
 * The payload masks cancel and the output mask remains, so it returns {@code sum + output mask}: it
 * learns the intersection size and the element counts, never a value, a sum or an identifier (the
 * positions index the sender's private shuffle). Stateless: whole messages, or the buffers the
 * coordinator assembled from slices, in; the encoded result out.
 *
 * <p>Trust: like secure aggregation, this relies on the coordinator not colluding with a party.
 * With the receiver it could unmask every payload word; with the sender it would learn which of the
 * sender's identifiers matched.
 */
public final class IntersectionSumCoordinator {
  private IntersectionSumCoordinator() {}

  /** {@link #sum(byte[], String, byte[], String, long)} with no minimum intersection size. */
  public static byte[] sum(
      byte[] maskedPayload, String sender, byte[] matchReport, String receiver) {
    return sum(maskedPayload, sender, matchReport, receiver, 0);
  }

  /**
   * @param maskedPayload the sender's {@link PsiMessages.Type#MASKED_PAYLOAD}
   * @param matchReport the receiver's {@link PsiMessages.Type#MATCH_REPORT}
   * @param minimumIntersectionSize the smallest intersection whose sum may be released (the
   *     parties' minimum group size): a receiver that reports one position would otherwise learn
   *     one element's values, so the coordinator, which sees the count, refuses smaller ones
   * @return the encoded {@link PsiMessages.Type#SUM_RESULT} for both parties
   */
  public static byte[] sum(
      byte[] maskedPayload,
      String sender,
      byte[] matchReport,
      String receiver,
      long minimumIntersectionSize) {
    PsiMessages.MaskedPayload payload = PsiMessages.decodeMaskedPayload(maskedPayload, sender);
    PsiMessages.MatchReport report = PsiMessages.decodeMatchReport(matchReport, receiver);
    int width = payload.width();
    if (report.elementCount() != payload.elementCount()) {
      throw new ParleyException(
          "PSI sum: party '"
              + receiver
              + "' matched against "
              + report.elementCount()
              + " elements but party '"
              + sender
              + "' sent "
              + payload.elementCount()
              + "; the two disagree about the sender's set");
    }
    if (report.maskCorrection().length != width) {
      throw new ParleyException(
          "PSI sum: party '"
              + receiver
              + "' reports "
              + report.maskCorrection().length
              + " words per element where party '"
              + sender
              + "' sent "
              + width);
    }
    if (report.positions().length < minimumIntersectionSize) {
      // The message states the policy, not the size, so the refusal leaks no more than "small".
      throw new ParleyException(
          "PSI sum: the intersection reported by party '"
              + receiver
              + "' is smaller than the minimum group size of "
              + minimumIntersectionSize
              + "; no sum is released");
    }
    return addAt(payload.words(), width, java.util.Arrays.stream(report.positions()).iterator(),
        report.positions().length, report.maskCorrection());
  }

  /**
   * The same sum over buffers the coordinator assembled from slices (issue 4: the two messages
   * travel from the parties' executors): the sender's masked words, {@code width} per element, the
   * positions the receiver reported (a set, so each at most once) and its mask correction. The
   * caller has checked that the payload is complete and that the positions lie within it.
   *
   * @return the encoded {@link PsiMessages.Type#SUM_RESULT} for both parties
   */
  public static byte[] sum(long[] maskedWords, int width, BitSet matched, long[] maskCorrection) {
    if (width < 1 || maskedWords.length % width != 0 || maskCorrection.length != width) {
      throw new IllegalArgumentException("a payload of " + maskedWords.length + " words, width " + width
          + " and a correction of " + maskCorrection.length + " words do not fit together");
    }
    if (matched.length() > maskedWords.length / width) {
      throw new IllegalArgumentException("position " + (matched.length() - 1) + " lies outside the "
          + maskedWords.length / width + " elements");
    }
    return addAt(maskedWords, width, matched.stream().iterator(), matched.cardinality(), maskCorrection);
  }

  /** The one place that adds: masked words at {@code positions}, minus the receiver's correction. */
  private static byte[] addAt(
      long[] words, int width, PrimitiveIterator.OfInt positions, long matched, long[] maskCorrection) {
    long[] total = new long[width];
    while (positions.hasNext()) {
      int base = positions.nextInt() * width;
      for (int w = 0; w < width; w++) {
        total[w] += words[base + w];
      }
    }
    for (int w = 0; w < width; w++) {
      total[w] -= maskCorrection[w];
    }
    return PsiMessages.encodeSumResult(new PsiMessages.SumResult(matched, total));
  }
}
