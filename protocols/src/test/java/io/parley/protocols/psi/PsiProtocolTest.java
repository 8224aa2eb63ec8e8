package io.parley.protocols.psi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.SecretBytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The three variants against plaintext joins of the same data. */
class PsiProtocolTest {
  private static final IdentifierNormalizer NORMALIZER = IdentifierNormalizer.all();
  private static final PsiDomain DOMAIN =
      PsiDomain.of("parley-test", "session-7", "bank.customers⋈shop.orders on email", NORMALIZER);

  /** Two sides of {@code size} distinct identifiers sharing {@code overlapPercent} of them. */
  private static String[][] sides(int size, int overlapPercent, long seed) {
    Random random = new Random(seed);
    int common = Math.round(size * overlapPercent / 100f);
    Set<String> used = new HashSet<>();
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    while (a.size() < size || b.size() < size) {
      String id = "user" + Long.toHexString(random.nextLong()) + "@example.org";
      if (!used.add(id)) {
        continue;
      }
      if (a.size() < common) {
        a.add(id);
        b.add(id);
      } else if (a.size() < size) {
        a.add(id);
      } else {
        b.add(id);
      }
    }
    java.util.Collections.shuffle(a, random);
    java.util.Collections.shuffle(b, random);
    return new String[][] {a.toArray(new String[0]), b.toArray(new String[0])};
  }

  private static byte[][] canonical(String[] ids) {
    return NORMALIZER.canonicalBytesAll(ids);
  }

  private static Set<String> normalizedSet(String[] ids) {
    Set<String> set = new HashSet<>();
    for (String id : ids) {
      if (id != null) {
        set.add(NORMALIZER.normalize(id));
      }
    }
    return set;
  }

  private static boolean[] plaintextIntersection(String[] receiver, String[] sender) {
    Set<String> theirs = normalizedSet(sender);
    boolean[] matched = new boolean[receiver.length];
    for (int row = 0; row < receiver.length; row++) {
      matched[row] = receiver[row] != null && theirs.contains(NORMALIZER.normalize(receiver[row]));
    }
    return matched;
  }

  private static long plaintextSize(String[] receiver, String[] sender) {
    Set<String> common = normalizedSet(receiver);
    common.retainAll(normalizedSet(sender));
    return common.size();
  }

  /** SQL: SELECT count(DISTINCT id), count(*), sum(v) FROM b WHERE id IN (SELECT id FROM a). */
  private static PsiSumResult plaintextSum(String[] receiver, String[] sender, long[][] values) {
    Set<String> mine = normalizedSet(receiver);
    int width = values.length == 0 ? 1 : values[0].length;
    long[] sums = new long[width];
    long rows = 0;
    Set<String> matchedIds = new HashSet<>();
    for (int row = 0; row < sender.length; row++) {
      if (sender[row] != null && mine.contains(NORMALIZER.normalize(sender[row]))) {
        matchedIds.add(NORMALIZER.normalize(sender[row]));
        rows++;
        for (int w = 0; w < width; w++) {
          sums[w] += values[row][w];
        }
      }
    }
    return new PsiSumResult(matchedIds.size(), rows, sums);
  }

  private static long[][] values(int rows, int width, long seed) {
    Random random = new Random(seed);
    long[][] values = new long[rows][width];
    for (long[] row : values) {
      for (int w = 0; w < width; w++) {
        row[w] = random.nextInt(2_000_001) - 1_000_000L;
      }
    }
    return values;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 50, 100})
  void allVariantsMatchPlaintextJoins(int overlapPercent) {
    String[][] data = sides(200, overlapPercent, 100 + overlapPercent);
    String[] a = data[0];
    String[] b = data[1];
    long expectedSize = plaintextSize(a, b);
    assertEquals(Math.round(200 * overlapPercent / 100f), expectedSize);

    assertArrayEquals(
        plaintextIntersection(a, b),
        new InProcessPsi(DOMAIN, 1).intersection(canonical(a), canonical(b)));
    assertEquals(expectedSize, new InProcessPsi(DOMAIN, 2).cardinality(canonical(a), canonical(b)));

    long[][] values = values(b.length, 1, overlapPercent);
    PsiSumResult[] results = new InProcessPsi(DOMAIN, 3).sum(canonical(a), canonical(b), values);
    PsiSumResult expected = plaintextSum(a, b, values);
    assertEquals(expected, results[0]);
    assertEquals(expected, results[1]);
  }

  @Test
  void duplicatesFollowSetSemanticsAndSumsCountEverySenderRow() {
    String[] a = {"p1", "p2", "p2", "p3", "p3", "p3", "p9", null};
    String[] b = {"p2", "p3", "p3", "p4", "p2", "p2", null, "p5"};
    long[][] values = {{10, 1}, {20, 2}, {30, 3}, {40, 4}, {50, 5}, {60, 6}, {70, 7}, {80, 8}};

    boolean[] matched = new InProcessPsi(DOMAIN, 4).intersection(canonical(a), canonical(b));
    assertArrayEquals(new boolean[] {false, true, true, true, true, true, false, false}, matched);
    assertEquals(2, new InProcessPsi(DOMAIN, 5).cardinality(canonical(a), canonical(b)));

    PsiSumResult result = new InProcessPsi(DOMAIN, 6).sum(canonical(a), canonical(b), values)[0];
    // p2 rows 10, 50, 60; p3 rows 20, 30: 2 distinct identifiers, 5 rows
    assertEquals(new PsiSumResult(2, 5, new long[] {170, 17}), result);
    assertEquals(plaintextSum(a, b, values), result);
  }

  @Test
  void duplicatesAreMergedBeforeSending() {
    String[] b = {"x", "x", "x", "y"};
    InProcessPsi run = new InProcessPsi(DOMAIN, 7);
    run.cardinality(canonical(new String[] {"x", "x", "z"}), canonical(b));
    // receiver sent 2 distinct points; sender 2 distinct points: multiplicities stay home
    assertEquals(
        2,
        PsiMessages.decodePoints(run.toSender.get(0), PsiMessages.Type.BLINDED_IDENTIFIERS, "a")
            .length);
    assertEquals(
        2,
        PsiMessages.decodePoints(run.toReceiver.get(1), PsiMessages.Type.BLINDED_IDENTIFIERS, "b")
            .length);
  }

  @Test
  void emptySides() {
    String[] some = sides(20, 50, 8)[0];
    String[] none = {};
    long[][] someValues = values(some.length, 2, 8);
    for (String[][] pair : new String[][][] {{none, some}, {some, none}, {none, none}}) {
      String[] a = pair[0];
      String[] b = pair[1];
      long[][] values = b.length == 0 ? new long[0][] : someValues;
      assertArrayEquals(
          new boolean[a.length],
          new InProcessPsi(DOMAIN, 9).intersection(canonical(a), canonical(b)));
      assertEquals(0, new InProcessPsi(DOMAIN, 10).cardinality(canonical(a), canonical(b)));
      PsiSumResult result = new InProcessPsi(DOMAIN, 11).sum(canonical(a), canonical(b), values)[1];
      assertEquals(0, result.intersectionSize());
      assertEquals(0, result.matchedRows());
      assertTrue(Arrays.stream(result.sums()).allMatch(s -> s == 0));
    }
  }

  @Test
  void textFormsMeetAsTheNormalizerDeclares() {
    String[] a = {
      " Alice@Example.org", "BOB@example.org\t", "Ren\u00e9@example.org", "carol@example.org"
    };
    String[] b = {
      "alice@example.org", "bob@example.org", "rene\u0301@EXAMPLE.org", "dave@example.org"
    };
    assertArrayEquals(
        new boolean[] {true, true, true, false},
        new InProcessPsi(DOMAIN, 12).intersection(canonical(a), canonical(b)));

    IdentifierNormalizer none = IdentifierNormalizer.none();
    PsiDomain strict = PsiDomain.of("parley-test", "session-7", "strict", none);
    assertArrayEquals(
        new boolean[4],
        new InProcessPsi(strict, 13)
            .intersection(none.canonicalBytesAll(a), none.canonicalBytesAll(b)));
  }

  @Test
  void sumsWrapInTheRingAndSpanSeveralWords() {
    String[] a = {"k1", "k2"};
    String[] b = {"k1", "k1", "k2", "k3"};
    long[][] values = {{Long.MAX_VALUE, -1, 5}, {1, -1, 6}, {7, 0, 7}, {1000, 1000, 1000}};
    PsiSumResult result = new InProcessPsi(DOMAIN, 14).sum(canonical(a), canonical(b), values)[0];
    assertEquals(new PsiSumResult(2, 3, new long[] {Long.MIN_VALUE + 7, -2, 18}), result);
  }

  @Test
  void transcriptsHoldNoIdentifierHashOrValue() {
    String[][] data = sides(60, 50, 15);
    long[][] values = values(60, 1, 15);
    InProcessPsi run = new InProcessPsi(DOMAIN, 16);
    run.sum(canonical(data[0]), canonical(data[1]), values);
    Set<ByteBuffer> secrets = new HashSet<>();
    for (String[] side : data) {
      for (byte[] id : canonical(side)) {
        secrets.add(ByteBuffer.wrap(Arrays.copyOf(id, 16)));
        secrets.add(ByteBuffer.wrap(Arrays.copyOf(HashToCurve.hashToCurve(id, DOMAIN.dst()), 16)));
      }
    }
    Set<Long> plainValues = new HashSet<>();
    for (long[] row : values) {
      plainValues.add(row[0]);
    }
    List<byte[]> all = new ArrayList<>(run.toReceiver);
    all.addAll(run.toSender);
    all.addAll(run.toCoordinator);
    for (byte[] message : all) {
      for (int offset = 0; offset + 16 <= message.length; offset++) {
        assertFalse(secrets.contains(ByteBuffer.wrap(message, offset, 16).slice()), "at " + offset);
      }
    }
    for (byte[] message : run.toCoordinator) {
      ByteBuffer in = ByteBuffer.wrap(message);
      for (int offset = 0; offset + 8 <= message.length; offset++) {
        long word = in.getLong(offset);
        assertFalse(
            word != 0 && Math.abs(word) < 1_000_000_000L && plainValues.contains(word),
            "value at " + offset);
      }
    }
  }

  @Test
  void cardinalityReplyIsShuffledIntersectionReplyIsNot() {
    String[] a = sides(64, 100, 17)[0];
    InProcessPsi ordered = new InProcessPsi(DOMAIN, 18);
    ordered.intersection(canonical(a), canonical(a));
    InProcessPsi shuffled = new InProcessPsi(DOMAIN, 18);
    shuffled.cardinality(canonical(a), canonical(a));
    // Same seeds, so both receivers sent the same points and got the same reblinded set back.
    byte[][] inOrder =
        PsiMessages.decodePoints(
            ordered.toReceiver.get(0), PsiMessages.Type.REBLINDED_IDENTIFIERS, "b");
    byte[][] reordered =
        PsiMessages.decodePoints(
            shuffled.toReceiver.get(0), PsiMessages.Type.REBLINDED_IDENTIFIERS, "b");
    Map<ByteBuffer, Integer> position = new HashMap<>();
    for (int i = 0; i < inOrder.length; i++) {
      position.put(ByteBuffer.wrap(inOrder[i]), i);
    }
    int fixedPoints = 0;
    for (int i = 0; i < reordered.length; i++) {
      Integer original = position.get(ByteBuffer.wrap(reordered[i]));
      assertTrue(original != null, "same set");
      fixedPoints += original == i ? 1 : 0;
    }
    assertTrue(
        fixedPoints < 8, "a random permutation of 64 fixes about one element: " + fixedPoints);
  }

  @Test
  void aShortReplyOrMismatchedReportIsRefusedNamingTheParty() {
    PsiKey receiverKey = PsiKey.generate(DOMAIN, Drbg.seeded(19));
    PsiKey senderKey = PsiKey.generate(DOMAIN, Drbg.seeded(20));
    PsiReceiver receiver =
        new PsiReceiver(
            "beta",
            receiverKey,
            PsiVariant.CARDINALITY,
            canonical(new String[] {"a", "b"}),
            Drbg.seeded(21));
    PsiSender sender =
        new PsiSender(
            "alpha",
            senderKey,
            PsiVariant.CARDINALITY,
            canonical(new String[] {"a"}),
            null,
            Drbg.seeded(22));
    byte[] oneOnly =
        PsiMessages.encodePoints(
            PsiMessages.Type.REBLINDED_IDENTIFIERS,
            new byte[][] {senderKey.blind("z".getBytes(StandardCharsets.UTF_8))});
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () -> receiver.intersectionSize(oneOnly, sender.blindedIdentifiers()));
    assertTrue(e.getMessage().contains("'beta'"), e.getMessage());

    byte[] payload = PsiMessages.encodeMaskedPayload(new PsiMessages.MaskedPayload(2, new long[6]));
    byte[] report =
        PsiMessages.encodeMatchReport(new PsiMessages.MatchReport(4, new int[] {1}, new long[2]));
    ParleyException mismatch =
        assertThrows(
            ParleyException.class,
            () -> IntersectionSumCoordinator.sum(payload, "beta", report, "alpha"));
    assertTrue(
        mismatch.getMessage().contains("'alpha'") && mismatch.getMessage().contains("'beta'"));
  }

  @Test
  void coordinatorRefusesSumsOverTooSmallAnIntersection() {
    byte[] payload = PsiMessages.encodeMaskedPayload(new PsiMessages.MaskedPayload(2, new long[8]));
    byte[] single =
        PsiMessages.encodeMatchReport(new PsiMessages.MatchReport(4, new int[] {2}, new long[2]));
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () -> IntersectionSumCoordinator.sum(payload, "beta", single, "alpha", 5));
    assertTrue(e.getMessage().contains("minimum group size of 5"), e.getMessage());
    byte[] five =
        PsiMessages.encodeMatchReport(
            new PsiMessages.MatchReport(4, new int[] {0, 1, 2, 3}, new long[2]));
    assertEquals(
        4,
        PsiMessages.decodeSumResult(
                IntersectionSumCoordinator.sum(payload, "beta", five, "alpha", 4), "c")
            .intersectionSize());
  }

  @Test
  void masksAgreeWhetherStreamedBySliceOrSummedByPosition() {
    byte[] secret = new byte[32];
    Drbg.seeded(23).nextBytes(secret);
    PsiSumMasks masks = PsiSumMasks.derive(SecretBytes.of(secret), DOMAIN);
    int width = 3;
    long[] whole = new long[200_000 * width];
    masks.maskPayload(0, width, whole);
    long[] tail = new long[1000 * width];
    masks.maskPayload(150_000, width, tail);
    assertArrayEquals(Arrays.copyOfRange(whole, 150_000 * width, 151_000 * width), tail);
    int[] positions = {0, 5, 65_000, 70_001, 199_999};
    long[] expected = new long[width];
    for (int position : positions) {
      for (int w = 0; w < width; w++) {
        expected[w] += whole[position * width + w];
      }
    }
    assertArrayEquals(expected, masks.payloadMaskSum(positions, width));
  }
}
