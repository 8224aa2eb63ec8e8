package io.parley.protocols.coordinator;

/**
 * The coordinator-wide bound on PsiSum memory: every PSI session reserves what its parties
 * declare here, beside its own per-session budget, so concurrent private joins together cannot
 * hold more than {@link #limitBytes()}.
 */
final class PsiSumMemory {
  private final long limitBytes;
  private long heldBytes;

  PsiSumMemory(long limitBytes) {
    if (limitBytes < 0) {
      throw new IllegalArgumentException("a PsiSum memory limit of " + limitBytes + " bytes");
    }
    this.limitBytes = limitBytes;
  }

  long limitBytes() {
    return limitBytes;
  }

  synchronized long heldBytes() {
    return heldBytes;
  }

  /** Reserves {@code bytes} if they fit under the limit; false (and nothing reserved) otherwise. */
  synchronized boolean tryReserve(long bytes) {
    if (bytes < 0 || bytes > limitBytes - heldBytes) {
      return false;
    }
    heldBytes += bytes;
    return true;
  }

  synchronized void release(long bytes) {
    if (bytes < 0 || bytes > heldBytes) {
      throw new IllegalStateException("releasing " + bytes + " of " + heldBytes + " held PsiSum bytes");
    }
    heldBytes -= bytes;
  }
}
