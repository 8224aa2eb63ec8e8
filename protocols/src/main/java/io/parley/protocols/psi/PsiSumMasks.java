package io.parley.protocols.psi;

import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.crypto.MaskStream;
import io.parley.protocols.crypto.SecretBytes;

/**
 * The two mask streams of {@link PsiVariant#INTERSECTION_SUM}, both known to the receiver and the
 * sender and to nobody else: derived with HKDF from the pair's secret (the X25519 + HKDF secret of
 * the session roster, see docs/ARCHITECTURE.md step 3) and bound to the {@link PsiDomain}.
 *
 * <ul>
 *   <li>payload mask: {@code HKDF(s, "parley/v1/psi-sum-payload" | federation | session |
 *       purpose)}, AES-128-CTR ({@link MaskStream}); word {@code e * width + w} masks word w of the
 *       sender's element e (its position after the sender's shuffle);
 *   <li>output mask: {@code HKDF(s, "parley/v1/psi-sum-output" | ...)}, words {@code 0 .. width-1},
 *       which hide the sums from the coordinator.
 * </ul>
 *
 * Immutable; each call opens its own {@link MaskStream}, so instances may be shared by tasks.
 * Serializable so the sender's executors mask their own slices of the payload (a party's own
 * cluster only; never Java-deserialize one from elsewhere).
 */
public final class PsiSumMasks implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final int KEY_BYTES = 16;
  private static final int CHUNK_WORDS = 1 << 16;

  private final SecretBytes payloadKey;
  private final SecretBytes outputKey;

  private PsiSumMasks(SecretBytes payloadKey, SecretBytes outputKey) {
    this.payloadKey = payloadKey;
    this.outputKey = outputKey;
  }

  public static PsiSumMasks derive(SecretBytes pairSecret, PsiDomain domain) {
    return new PsiSumMasks(
        Hkdf.derive(pairSecret, null, info("parley/v1/psi-sum-payload", domain), KEY_BYTES),
        Hkdf.derive(pairSecret, null, info("parley/v1/psi-sum-output", domain), KEY_BYTES));
  }

  private static byte[] info(String label, PsiDomain domain) {
    return Hkdf.info(label, domain.federation(), domain.session(), domain.purpose());
  }

  /**
   * Adds the payload masks of elements {@code firstElement ..} to {@code words} (whole elements of
   * {@code width} words): a slice, so each partition masks its own part.
   */
  public void maskPayload(long firstElement, int width, long[] words) {
    new MaskStream(payloadKey).addTo(firstElement * width, words, 0, words.length);
  }

  /**
   * The sum, word by word in Z/2^64, of the payload masks at {@code positions} (strictly increasing
   * element indices), streaming the mask once rather than seeking per position.
   */
  public long[] payloadMaskSum(int[] positions, int width) {
    long[] sum = new long[width];
    if (positions.length == 0) {
      return sum;
    }
    MaskStream stream = new MaskStream(payloadKey);
    long[] chunk = new long[Math.max(width, (CHUNK_WORDS / width) * width)];
    int elementsPerChunk = chunk.length / width;
    long chunkFirstElement = -1;
    for (int position : positions) {
      if (chunkFirstElement < 0 || position >= chunkFirstElement + elementsPerChunk) {
        chunkFirstElement = position;
        stream.words(chunkFirstElement * width, chunk, 0, chunk.length);
      }
      int base = (int) (position - chunkFirstElement) * width;
      for (int w = 0; w < width; w++) {
        sum[w] += chunk[base + w];
      }
    }
    return sum;
  }

  /**
   * The same payload masks without the output key: what executors need, so the key that unmasks
   * the result stays on the driver.
   */
  public PsiSumMasks payloadOnly() {
    return new PsiSumMasks(payloadKey, null);
  }

  /** The output mask, {@code width} words; refused on a {@link #payloadOnly()} copy. */
  public long[] outputMask(int width) {
    if (outputKey == null) {
      throw new IllegalStateException("this copy of the PSI sum masks holds no output key");
    }
    long[] mask = new long[width];
    new MaskStream(outputKey).words(0, mask, 0, width);
    return mask;
  }

  @Override
  public String toString() {
    return "PsiSumMasks[keys redacted]";
  }
}
