package io.parley.protocols.psi;

import java.util.Arrays;

/**
 * What {@link PsiVariant#INTERSECTION_SUM} reveals to the two parties: the number of distinct
 * identifiers in the intersection, the number of the sender's rows whose identifier is in it, and
 * per value word the sum of those rows in Z/2^64 (exact whenever the true sum fits the word's
 * encoding; wider values travel as several words, see {@code Limbs}).
 */
public record PsiSumResult(long intersectionSize, long matchedRows, long[] sums) {
  /** Removes the output mask from the coordinator's answer. */
  public static PsiSumResult unmask(byte[] sumResult, String coordinator, PsiSumMasks masks) {
    PsiMessages.SumResult result = PsiMessages.decodeSumResult(sumResult, coordinator);
    long[] words = result.maskedWords();
    long[] mask = masks.outputMask(words.length);
    long[] plain = new long[words.length];
    for (int w = 0; w < words.length; w++) {
      plain[w] = words[w] - mask[w];
    }
    // The sender's payload is its value words followed by one row count.
    return new PsiSumResult(
        result.intersectionSize(), plain[plain.length - 1], Arrays.copyOf(plain, plain.length - 1));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PsiSumResult that
        && intersectionSize == that.intersectionSize
        && matchedRows == that.matchedRows
        && Arrays.equals(sums, that.sums);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(intersectionSize) * 31
        + Long.hashCode(matchedRows) * 17
        + Arrays.hashCode(sums);
  }

  @Override
  public String toString() {
    return "PsiSumResult[intersectionSize="
        + intersectionSize
        + ", matchedRows="
        + matchedRows
        + ", sums="
        + Arrays.toString(sums)
        + "]";
  }
}
