package io.parley.protocols.psi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.coordinator.CoordinatorFixture;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.mpc.RelayNetwork;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.PrivateJoinSide;
import io.parley.protocols.wire.PsiSumSlice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three PSI variants between two parties through a real coordinator (mutual TLS on loopback),
 * against plaintext joins of the same seeded data; what the coordinator receives; tampered and
 * replayed envelopes.
 */
class PsiRelayTest {
  private static final int SIZE = 300;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static RelayedPsi parties;

  @BeforeAll
  static void startCoordinator() {
    parties = new RelayedPsi(CoordinatorFixture.start(404), TIMEOUT);
  }

  @AfterAll
  static void stopCoordinator() {
    parties.close();
  }

  /** Seeded data: two sides of SIZE distinct identifiers sharing overlapPercent, the sender with duplicate rows. */
  private record Data(String[] receiver, String[] sender, long[][] senderValues) {
    static Data of(int overlapPercent, long seed) {
      Random random = new Random(seed);
      int common = SIZE * overlapPercent / 100;
      Set<String> used = new HashSet<>();
      List<String> a = new ArrayList<>();
      List<String> b = new ArrayList<>();
      while (a.size() < SIZE || b.size() < SIZE) {
        String id = "user" + Long.toHexString(random.nextLong()) + "@example.org";
        if (!used.add(id)) {
          continue;
        }
        if (a.size() < common) {
          a.add(id);
          b.add(id);
        } else if (a.size() < SIZE) {
          a.add(id);
        } else {
          b.add(id);
        }
      }
      // Duplicate sender rows (another text form of the same identifier) count once per row in the sum.
      for (int i = 0; i < 20; i++) {
        b.add("  " + b.get(random.nextInt(SIZE)).toUpperCase() + " ");
      }
      java.util.Collections.shuffle(a, random);
      java.util.Collections.shuffle(b, random);
      long[][] values = new long[b.size()][];
      for (int row = 0; row < values.length; row++) {
        values[row] = new long[] {(1L << 40) + random.nextInt(1 << 30)};
      }
      return new Data(a.toArray(new String[0]), b.toArray(new String[0]), values);
    }

    Set<String> senderSet() {
      Set<String> set = new HashSet<>();
      for (String id : sender) {
        set.add(RelayedPsi.NORMALIZER.normalize(id));
      }
      return set;
    }

    boolean[] plaintextIntersection() {
      Set<String> theirs = senderSet();
      boolean[] matched = new boolean[receiver.length];
      for (int row = 0; row < receiver.length; row++) {
        matched[row] = theirs.contains(RelayedPsi.NORMALIZER.normalize(receiver[row]));
      }
      return matched;
    }

    long plaintextSize() {
      Set<String> mine = new HashSet<>();
      for (String id : receiver) {
        mine.add(RelayedPsi.NORMALIZER.normalize(id));
      }
      mine.retainAll(senderSet());
      return mine.size();
    }

    /** {matched sender rows, sum of their values}. */
    long[] plaintextSum() {
      Set<String> mine = new HashSet<>();
      for (String id : receiver) {
        mine.add(RelayedPsi.NORMALIZER.normalize(id));
      }
      long rows = 0;
      long sum = 0;
      for (int row = 0; row < sender.length; row++) {
        if (mine.contains(RelayedPsi.NORMALIZER.normalize(sender[row]))) {
          rows++;
          sum += senderValues[row][0];
        }
      }
      return new long[] {rows, sum};
    }

    byte[][] receiverBytes() {
      return RelayedPsi.NORMALIZER.canonicalBytesAll(receiver);
    }

    byte[][] senderBytes() {
      return RelayedPsi.NORMALIZER.canonicalBytesAll(sender);
    }
  }

  private static Object valueOf(RelayedPsi.Outcome<?> outcome) {
    if (outcome.failure() != null) {
      throw outcome.failure();
    }
    return outcome.value();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 50, 100})
  void intersectionMatchesAPlaintextJoin(int overlap) {
    Data data = Data.of(overlap, 10 + overlap);
    RelayedPsi.Outcome<?>[] outcomes = parties.run(10 + overlap, PsiVariant.INTERSECTION,
        (session, random) -> session.intersection(data.receiverBytes(), random),
        (session, random) -> {
          session.answer(data.senderBytes(), random);
          return null;
        });
    assertArrayEquals(data.plaintextIntersection(), (boolean[]) valueOf(outcomes[0]));
    assertNull(valueOf(outcomes[1]));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 50, 100})
  void intersectionSizeMatchesAPlaintextJoin(int overlap) {
    Data data = Data.of(overlap, 20 + overlap);
    RelayedPsi.Outcome<?>[] outcomes = parties.run(20 + overlap, PsiVariant.CARDINALITY,
        (session, random) -> session.intersectionSize(data.receiverBytes(), random),
        (session, random) -> {
          session.answer(data.senderBytes(), random);
          return null;
        });
    assertEquals(data.plaintextSize(), (long) (Long) valueOf(outcomes[0]));
    assertEquals(SIZE * overlap / 100, data.plaintextSize());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 50, 100})
  void sumOverTheIntersectionMatchesAPlaintextJoin(int overlap) {
    Data data = Data.of(overlap, 30 + overlap);
    RelayedPsi.Outcome<?>[] outcomes = runSum(data, 30 + overlap);
    long[] expected = data.plaintextSum();
    PsiSumResult atReceiver = (PsiSumResult) valueOf(outcomes[0]);
    PsiSumResult atSender = (PsiSumResult) valueOf(outcomes[1]);
    assertEquals(new PsiSumResult(data.plaintextSize(), expected[0], new long[] {expected[1]}), atReceiver);
    assertEquals(atReceiver, atSender);
  }

  @Test
  void aSumWhoseMessagesTravelInManySlicesEqualsTheSingleSliceSum() {
    Data data = Data.of(50, 35);
    // SIZE distinct sender identifiers of 2 words: 4,800 bytes of masked words, so slices of at most
    // 256 bytes (16 elements) cut it into 19.
    RelayedPsi.Outcome<?>[] single = runSum(data, 35);
    RelayedPsi.Outcome<?>[] sliced = parties.runWithPsiSumSlices(35, PsiVariant.INTERSECTION_SUM, 256,
        (session, random) -> session.sumAsReceiver(data.receiverBytes(), 2, random),
        (session, random) -> session.sumAsSender(data.senderBytes(), data.senderValues(), random));
    long[] expected = data.plaintextSum();
    PsiSumResult plaintext = new PsiSumResult(data.plaintextSize(), expected[0], new long[] {expected[1]});
    assertEquals(plaintext, valueOf(single[0]));
    assertEquals(plaintext, valueOf(sliced[0]));
    assertEquals(plaintext, valueOf(sliced[1]));
    String session = parties.lastSessionId;
    List<PsiSumSlice> senderSlices = parties.fixture.transcriptOf(RelayedPsi.SENDER, "PsiSumSlices").stream()
        .map(record -> parse(record.message()))
        .filter(slice -> slice.getSessionId().equals(session))
        .toList();
    assertEquals(19, senderSlices.size(), "the masked payload's slices");
    long element = 0;
    for (PsiSumSlice slice : senderSlices) {
      assertTrue(slice.getMaskedWords().size() <= 256);
      assertEquals(element, slice.getFirstElement());
      element += slice.getMaskedWords().size() / 16;
    }
    assertEquals(300, element);
  }

  private static PsiSumSlice parse(byte[] message) {
    try {
      return PsiSumSlice.parseFrom(message);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static RelayedPsi.Outcome<?>[] runSum(Data data, long seed) {
    return parties.run(seed, PsiVariant.INTERSECTION_SUM,
        (session, random) -> session.sumAsReceiver(data.receiverBytes(), 2, random),
        (session, random) -> session.sumAsSender(data.senderBytes(), data.senderValues(), random));
  }

  @Test
  void theCoordinatorReceivesNoIdentifierPointValueOrSum() {
    for (PsiVariant variant : new PsiVariant[] {PsiVariant.INTERSECTION, PsiVariant.INTERSECTION_SUM}) {
      long seed = 40 + variant.ordinal();
      Data data = Data.of(50, seed);
      parties.fixture.transcript.clear();
      RelayedPsi.Outcome<?>[] outcomes = variant == PsiVariant.INTERSECTION_SUM
          ? runSum(data, seed)
          : parties.run(seed, variant,
              (session, random) -> session.intersection(data.receiverBytes(), random),
              (session, random) -> {
                session.answer(data.senderBytes(), random);
                return null;
              });
      valueOf(outcomes[0]);
      valueOf(outcomes[1]);
      List<byte[]> received = new ArrayList<>();
      parties.fixture.transcript.forEach(record -> received.add(record.message()));
      assertTrue(received.size() > 6, "the transcript recorded the session's messages");

      for (byte[] message : received) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        for (String[] side : new String[][] {data.receiver(), data.sender()}) {
          for (String id : side) {
            String utf8 = new String(id.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            assertFalse(text.contains(utf8), "the coordinator received identifier " + id);
            String canonical = RelayedPsi.NORMALIZER.normalize(id);
            assertFalse(text.contains(canonical), "the coordinator received identifier " + canonical);
          }
        }
      }

      // Every point either party computed: hashed, blinded once, blinded twice (8-byte prefixes).
      PsiDomain domain = RelayedPsi.domain(parties.lastSessionId);
      PsiKey a = PsiKey.generate(domain, Drbg.seeded(RelayedPsi.roleSeed(seed, RelayedPsi.RECEIVER)));
      PsiKey b = PsiKey.generate(domain, Drbg.seeded(RelayedPsi.roleSeed(seed, RelayedPsi.SENDER)));
      byte[][] receiverIds = distinct(data.receiverBytes());
      byte[][] senderIds = distinct(data.senderBytes());
      byte[][] blindedA = a.blindAll(receiverIds);
      byte[][] blindedB = b.blindAll(senderIds);
      Set<Long> forbidden = new HashSet<>();
      List<byte[][]> pointSets = List.of(HashToCurve.hashToCurveAll(receiverIds, domain.dst()),
          HashToCurve.hashToCurveAll(senderIds, domain.dst()), blindedA, blindedB,
          b.reblindAll(blindedA, "alpha"), a.reblindAll(blindedB, "beta"));
      for (byte[][] points : pointSets) {
        for (byte[] point : points) {
          forbidden.add(ByteBuffer.wrap(point).order(ByteOrder.LITTLE_ENDIAN).getLong());
        }
      }
      // Common identifiers share H(x) and H(x)^ab on both sides; every other point is distinct.
      assertEquals(6 * SIZE - 2 * data.plaintextSize(), forbidden.size());
      for (long[] row : data.senderValues()) {
        forbidden.add(row[0]);
      }
      if (variant == PsiVariant.INTERSECTION_SUM) {
        forbidden.add(data.plaintextSum()[1]);
      }
      for (byte[] message : received) {
        ByteBuffer buffer = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        for (int offset = 0; offset + Long.BYTES <= message.length; offset++) {
          assertFalse(forbidden.contains(buffer.getLong(offset)),
              "the coordinator received a point, value or sum at offset " + offset + " (" + variant + ")");
        }
      }
    }
  }

  private static byte[][] distinct(byte[][] ids) {
    Map<String, byte[]> seen = new HashMap<>();
    for (byte[] id : ids) {
      seen.putIfAbsent(new String(id, StandardCharsets.ISO_8859_1), id);
    }
    return seen.values().toArray(new byte[0][]);
  }

  @Test
  void aTamperedEnvelopeFailsTheRunWithAClearError() {
    Data data = Data.of(50, 50);
    RelayedPsi.Outcome<?>[] outcomes = parties.run(50, PsiVariant.CARDINALITY,
        relay -> new RelayNetwork.Relay() {
          @Override
          public void relay(String toParty, String tag, byte[] ciphertext) {
            relay.relay(toParty, tag, ciphertext);
          }

          @Override
          public byte[] fetch(String fromParty, String tag) {
            byte[] envelope = relay.fetch(fromParty, tag);
            envelope[envelope.length - 1] ^= 1;
            return envelope;
          }
        },
        (session, random) -> session.intersectionSize(data.receiverBytes(), random),
        (session, random) -> {
          session.answer(data.senderBytes(), random);
          return null;
        });
    RuntimeException failure = outcomes[0].failure();
    assertInstanceOf(ParleyException.class, failure);
    assertTrue(failure.getMessage().contains("from party beta to party alpha was rejected"), failure.getMessage());
    assertTrue(failure.getMessage().contains("failed authentication"), failure.getMessage());
    // The receiver aborts the session with its reason. The sender either fails on that abort or, if
    // its last send and Finish won the race, had already done its part: it never hangs, and it
    // never gets a result the receiver did not.
    String session = parties.lastSessionId;
    assertEquals(1, parties.fixture.transcriptOf(RelayedPsi.RECEIVER, "Abort").stream()
        .filter(record -> abortedSession(record.message()).equals(session)).count(),
        "the receiver aborts the session");
    if (outcomes[1].failure() != null) {
      assertInstanceOf(ParleyException.class, outcomes[1].failure());
    } else {
      assertEquals(null, outcomes[1].value(), "the sender's role returns nothing");
    }
  }

  private static String abortedSession(byte[] abortRequest) {
    try {
      return io.parley.protocols.wire.AbortRequest.parseFrom(abortRequest).getSessionId();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError("the transcript holds an Abort that is not an AbortRequest", e);
    }
  }

  @Test
  void anEnvelopeReplayedFromAnotherSessionIsRejected() {
    Data data = Data.of(50, 60);
    Map<String, byte[]> recorded = new HashMap<>();
    valueOf(parties.run(60, PsiVariant.CARDINALITY,
        relay -> recording(relay, recorded),
        (session, random) -> session.intersectionSize(data.receiverBytes(), random),
        (session, random) -> {
          session.answer(data.senderBytes(), random);
          return null;
        })[0]);
    assertTrue(recorded.containsKey("psi/0/0/0"));
    RelayedPsi.Outcome<?>[] outcomes = parties.run(61, PsiVariant.CARDINALITY,
        relay -> new RelayNetwork.Relay() {
          @Override
          public void relay(String toParty, String tag, byte[] ciphertext) {
            relay.relay(toParty, tag, ciphertext);
          }

          @Override
          public byte[] fetch(String fromParty, String tag) {
            relay.fetch(fromParty, tag);
            return recorded.get(tag);
          }
        },
        (session, random) -> session.intersectionSize(data.receiverBytes(), random),
        (session, random) -> {
          session.answer(data.senderBytes(), random);
          return null;
        });
    RuntimeException failure = outcomes[0].failure();
    assertInstanceOf(ParleyException.class, failure);
    assertTrue(failure.getMessage().contains("from party beta to party alpha was rejected"), failure.getMessage());
  }

  private static RelayNetwork.Relay recording(RelayNetwork.Relay relay, Map<String, byte[]> recorded) {
    return new RelayNetwork.Relay() {
      @Override
      public void relay(String toParty, String tag, byte[] ciphertext) {
        relay.relay(toParty, tag, ciphertext);
      }

      @Override
      public byte[] fetch(String fromParty, String tag) {
        byte[] envelope = relay.fetch(fromParty, tag);
        recorded.put(tag, envelope.clone());
        return envelope;
      }
    };
  }

  @Test
  void aPsiSessionNamesExactlyTwoPartiesIncludingTheInitiator() {
    PrivateJoin query = PrivateJoin.newBuilder().setVersion(1)
        .setInitiator(PrivateJoinSide.newBuilder().setParty("alpha").setTable("sales"))
        .setResponder(PrivateJoinSide.newBuilder().setParty("beta").setTable("sales")).build();
    ParleyException three = assertThrows(ParleyException.class, () -> parties.fixture.client("alpha")
        .createPsiSession(query, List.of("alpha", "beta", "gamma"), TIMEOUT));
    assertTrue(three.getMessage().contains("exactly 2 distinct parties"), three.getMessage());
    ParleyException outsider = assertThrows(ParleyException.class, () -> parties.fixture.client("gamma")
        .createPsiSession(query, List.of("alpha", "beta"), TIMEOUT));
    assertTrue(outsider.getMessage().contains("without being one of its parties"), outsider.getMessage());
  }

  @Test
  void theCoordinatorSumsOnlyOnePayloadAgainstOneReportFromTheTwoParties() {
    byte[] payload = PsiMessages.encodeMaskedPayload(new PsiMessages.MaskedPayload(2, new long[] {1, 2, 3, 4}));
    String[] outsiderMessage = new String[1];
    RelayedPsi.Outcome<?>[] outcomes = parties.run(70, PsiVariant.INTERSECTION_SUM,
        (session, random) -> {
          ParleyException outsider = assertThrows(ParleyException.class,
              () -> parties.fixture.client("gamma").psiSum(session.sessionId(), payload));
          outsiderMessage[0] = outsider.getMessage();
          return parties.fixture.client(RelayedPsi.RECEIVER).psiSum(session.sessionId(), payload);
        },
        (session, random) -> parties.fixture.client(RelayedPsi.SENDER).psiSum(session.sessionId(), payload));
    assertTrue(outsiderMessage[0].contains("party gamma is not a participant"), outsiderMessage[0]);
    String messages = String.valueOf(outcomes[0].failure()) + " / " + outcomes[1].failure();
    assertNotNull(outcomes[0].failure(), messages);
    assertNotNull(outcomes[1].failure(), messages);
    assertTrue(messages.contains("both sent a masked payload; one side must be the sender, the other the receiver"),
        messages);
  }
}
