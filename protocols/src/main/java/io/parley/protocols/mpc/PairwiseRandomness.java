package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.MaskStream;

/**
 * Party {@code i}'s correlated randomness: PRF streams under {@code k_i} (shared with party
 * {@code i-1}) and {@code k_{i+1}} (shared with party {@code i+1}). Every operation reserves a
 * range of stream words; all three parties reserve the same ranges in the same order, so the two
 * holders of a key always read the same words, and no word is used twice.
 */
final class PairwiseRandomness {
  private final MaskStream ownKeyStream;
  private final MaskStream nextKeyStream;
  /** Words per keystream chunk XORed into a target; small enough to stay in L1/L2 cache. */
  private static final int SCRATCH_WORDS = 2048;

  private final long[] ownScratch = new long[SCRATCH_WORDS];
  private final long[] nextScratch = new long[SCRATCH_WORDS];
  private long nextWord;

  PairwiseRandomness(MaskStream ownKeyStream, MaskStream nextKeyStream, long firstWord) {
    if (firstWord < 0) {
      throw new IllegalArgumentException("the first correlation word must be >= 0, got " + firstWord);
    }
    this.ownKeyStream = ownKeyStream;
    this.nextKeyStream = nextKeyStream;
    this.nextWord = firstWord;
  }

  /** The first of {@code count} fresh words of both streams. */
  long reserve(int count) {
    long first = nextWord;
    if (first > Long.MAX_VALUE - count) {
      throw new ParleyException(
          "the correlated randomness of this run is exhausted (2^63 words); start a new session");
    }
    nextWord = first + count;
    return first;
  }

  /** {@code F(k_i, first + k)} into {@code out[0 .. count)}. */
  void ownWords(long first, long[] out, int count) {
    ownKeyStream.words(first, out, 0, count);
  }

  /** {@code F(k_{i+1}, first + k)} into {@code out[0 .. count)}. */
  void nextWords(long first, long[] out, int count) {
    nextKeyStream.words(first, out, 0, count);
  }

  /** Adds this party's arithmetic zero-share {@code F(k_i) - F(k_{i+1})} into {@code target}. */
  void addZeroShare(long first, long[] target, int count) {
    ownKeyStream.addTo(first, target, 0, count);
    nextKeyStream.subtractFrom(first, target, 0, count);
  }

  /** XORs this party's boolean zero-share {@code F(k_i) ^ F(k_{i+1})} into {@code target}. */
  void xorZeroShare(long first, long[] target, int count) {
    for (int done = 0; done < count; done += SCRATCH_WORDS) {
      int chunk = Math.min(SCRATCH_WORDS, count - done);
      ownKeyStream.words(first + done, ownScratch, 0, chunk);
      nextKeyStream.words(first + done, nextScratch, 0, chunk);
      for (int k = 0; k < chunk; k++) {
        target[done + k] ^= ownScratch[k] ^ nextScratch[k];
      }
    }
  }
}
