package io.parley.protocols.psi;

import java.security.SecureRandom;

/**
 * Uniform random permutations (Fisher-Yates) drawn from an injected {@link SecureRandom}, for the
 * batches a party sends: their order must reveal nothing about the order of its rows. {@link
 * SecureRandom#nextInt(int)} rejects biased draws, so every permutation is equally likely (up to
 * the generator's security).
 */
public final class SecureShuffle {
  private SecureShuffle() {}

  /** Shuffles {@code items} in place. */
  public static <T> void shuffle(T[] items, SecureRandom random) {
    for (int i = items.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T swap = items[i];
      items[i] = items[j];
      items[j] = swap;
    }
  }

  /** A uniformly random permutation of {@code 0 .. size - 1}. */
  public static int[] permutation(int size, SecureRandom random) {
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    for (int i = size - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }
}
