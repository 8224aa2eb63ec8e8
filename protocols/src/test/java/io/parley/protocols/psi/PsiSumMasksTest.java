package io.parley.protocols.psi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.SecretBytes;
import org.junit.jupiter.api.Test;

/** The copy of the sum's masks that executors get masks alike but cannot unmask the result. */
class PsiSumMasksTest {
  private static final PsiDomain DOMAIN = PsiDomain.of("fed", "session-1", "join", IdentifierNormalizer.all());

  @Test
  void payloadOnlyMasksAsTheWholeButHoldsNoOutputKey() {
    byte[] secret = new byte[32];
    Drbg.seeded(31).nextBytes(secret);
    PsiSumMasks masks = PsiSumMasks.derive(SecretBytes.of(secret), DOMAIN);
    PsiSumMasks forExecutors = masks.payloadOnly();

    long[] whole = new long[12];
    long[] copy = new long[12];
    masks.maskPayload(5, 3, whole);
    forExecutors.maskPayload(5, 3, copy);
    assertArrayEquals(whole, copy);
    assertArrayEquals(masks.payloadMaskSum(new int[] {1, 4, 9}, 3), forExecutors.payloadMaskSum(new int[] {1, 4, 9}, 3));

    assertEquals(3, masks.outputMask(3).length);
    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> forExecutors.outputMask(3));
    assertEquals("this copy of the PSI sum masks holds no output key", refused.getMessage());
    assertEquals("PsiSumMasks[keys redacted]", forExecutors.toString());
  }
}
