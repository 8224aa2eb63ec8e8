package io.parley.protocols.psi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PsiMessagesTest {
  private static byte[][] points(int count) {
    byte[][] points = new byte[count][32];
    for (int i = 0; i < count; i++) {
      Arrays.fill(points[i], (byte) i);
    }
    return points;
  }

  @Test
  void theSizeFormulasGiveTheEncodedLengths() {
    assertEquals(PsiMessages.encodeMaskedPayload(new PsiMessages.MaskedPayload(4, new long[12])).length,
        PsiMessages.maskedPayloadBytes(3, 4));
    assertEquals(PsiMessages.encodeMatchReport(new PsiMessages.MatchReport(10, new int[] {1, 5}, new long[4])).length,
        PsiMessages.matchReportBytes(2, 4));
    // The largest sum whose two messages fit the coordinator's 1 GiB: about 30 million identifiers.
    long identifiers = 29_826_160;
    assertTrue(PsiMessages.maskedPayloadBytes(identifiers, 4) + PsiMessages.matchReportBytes(identifiers, 4)
        <= 1L << 30);
    assertTrue(PsiMessages.maskedPayloadBytes(identifiers + 1, 4) + PsiMessages.matchReportBytes(identifiers + 1, 4)
        > 1L << 30);
  }

  @Test
  void everyMessageRoundTrips() {
    byte[][] sent = points(3);
    byte[][] received =
        PsiMessages.decodePoints(
            PsiMessages.encodePoints(PsiMessages.Type.BLINDED_IDENTIFIERS, sent),
            PsiMessages.Type.BLINDED_IDENTIFIERS,
            "beta");
    assertArrayEquals(sent, received);

    PsiMessages.MaskedPayload payload =
        new PsiMessages.MaskedPayload(2, new long[] {1, -2, 3, Long.MIN_VALUE});
    PsiMessages.MaskedPayload payloadBack =
        PsiMessages.decodeMaskedPayload(PsiMessages.encodeMaskedPayload(payload), "beta");
    assertEquals(2, payloadBack.width());
    assertArrayEquals(payload.words(), payloadBack.words());

    PsiMessages.MatchReport report =
        new PsiMessages.MatchReport(10, new int[] {0, 4, 9}, new long[] {7, -7});
    PsiMessages.MatchReport reportBack =
        PsiMessages.decodeMatchReport(PsiMessages.encodeMatchReport(report), "alpha");
    assertEquals(10, reportBack.elementCount());
    assertArrayEquals(report.positions(), reportBack.positions());
    assertArrayEquals(report.maskCorrection(), reportBack.maskCorrection());

    PsiMessages.SumResult result = new PsiMessages.SumResult(3, new long[] {5, 6});
    PsiMessages.SumResult resultBack =
        PsiMessages.decodeSumResult(PsiMessages.encodeSumResult(result), "coordinator");
    assertEquals(3, resultBack.intersectionSize());
    assertArrayEquals(result.maskedWords(), resultBack.maskedWords());
  }

  @Test
  void malformedMessagesAreRefused() {
    byte[] good = PsiMessages.encodePoints(PsiMessages.Type.BLINDED_IDENTIFIERS, points(2));
    byte[] wrongVersion = good.clone();
    wrongVersion[0] = 9;
    byte[] truncated = Arrays.copyOf(good, good.length - 1);
    byte[] padded = Arrays.copyOf(good, good.length + 1);
    byte[] negativeCount = good.clone();
    negativeCount[2] = (byte) 0x80;
    for (byte[] bad :
        new byte[][] {wrongVersion, truncated, padded, negativeCount, new byte[3], null}) {
      ParleyException e =
          assertThrows(
              ParleyException.class,
              () -> PsiMessages.decodePoints(bad, PsiMessages.Type.BLINDED_IDENTIFIERS, "beta"));
      assertTrue(e.getMessage().contains("'beta'"), e.getMessage());
    }
    assertThrows(
        ParleyException.class,
        () -> PsiMessages.decodePoints(good, PsiMessages.Type.REBLINDED_IDENTIFIERS, "beta"));

    byte[] unordered =
        PsiMessages.encodeMatchReport(
            new PsiMessages.MatchReport(10, new int[] {4, 4}, new long[1]));
    assertThrows(ParleyException.class, () -> PsiMessages.decodeMatchReport(unordered, "alpha"));
    byte[] outside =
        PsiMessages.encodeMatchReport(new PsiMessages.MatchReport(3, new int[] {3}, new long[1]));
    assertThrows(ParleyException.class, () -> PsiMessages.decodeMatchReport(outside, "alpha"));
  }
}
