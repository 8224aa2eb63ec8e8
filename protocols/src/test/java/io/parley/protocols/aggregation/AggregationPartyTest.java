package io.parley.protocols.aggregation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.coordinator.CoordinatorFixture;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.KeyBinding;
import io.parley.protocols.crypto.SessionKeyPair;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.ring.RingVectors;
import io.parley.protocols.wire.FederatedAggregate;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.Member;
import io.parley.protocols.wire.Roster;
import io.parley.protocols.wire.SessionCreated;
import io.parley.protocols.wire.VectorChunk;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The party's side of secure aggregation over a real coordinator (mutual TLS on loopback): signed
 * keys, the group secret, tokens that align equal groups, masks that cancel, an output mask the
 * coordinator cannot remove; and the roster checks that keep the coordinator from swapping keys.
 */
class AggregationPartyTest {
  private static final String FEDERATION = CoordinatorFixture.FEDERATION;
  private static final int WORDS_PER_GROUP = 3;
  private static final Map<String, List<String>> GROUPS =
      Map.of("alpha", List.of("east", "west"), "beta", List.of("west", "south"), "gamma", List.of("north"));

  private static byte[] digest() {
    byte[] digest = new byte[32];
    digest[0] = 7;
    return digest;
  }

  /** One party's run: join, tokens, union, masked vector in two slices, sum. */
  private static long[] participate(
      CoordinatorFixture fixture, String party, String sessionId, List<String> participants, long seed,
      Map<String, long[]> plainVectors, Map<String, Set<String>> unions) {
    CoordinatorClient client = fixture.client(party);
    AggregationParty role =
        new AggregationParty(FEDERATION, fixture.tls(party), new CertificateChecker(fixture.ca.certificate(), FEDERATION),
            Drbg.seeded(seed));
    JoinedSession session = role.join(client, sessionId, participants, digest(), WORDS_PER_GROUP);
    assertEquals(party.equals("alpha"), session.isLeader());
    List<byte[]> tokens = new ArrayList<>();
    for (String group : GROUPS.get(party)) {
      tokens.add(session.tokens().token(group.getBytes(StandardCharsets.UTF_8)));
    }
    List<byte[]> union = client.alignKeys(sessionId, tokens);
    Set<String> groups = new TreeSet<>();
    List<String> order = new ArrayList<>();
    for (byte[] token : union) {
      String group = new String(session.tokens().groupKey(token), StandardCharsets.UTF_8);
      groups.add(group);
      order.add(group);
    }
    unions.put(party, groups);
    long[] vector = new long[union.size() * WORDS_PER_GROUP];
    SecureRandom values = Drbg.seeded(seed + 100);
    for (String group : GROUPS.get(party)) {
      int g = order.indexOf(group);
      for (int w = 0; w < WORDS_PER_GROUP; w++) {
        vector[g * WORDS_PER_GROUP + w] = values.nextLong();
      }
    }
    plainVectors.put(party, vector.clone());
    int half = vector.length / 2;
    // Two executors' slices: each masks from its own offset, as seekable streams allow.
    session.maskPlan().mask(0, vector, 0, half);
    session.maskPlan().mask(half, vector, half, vector.length - half);
    client.submitVector(sessionId, 0, vector, 0, half);
    fixture.client(party).submitVector(sessionId, half, vector, half, vector.length - half);
    long[] sum = client.awaitSum(sessionId, true);
    long[] masked = sum.clone();
    session.removeOutputMask(sum);
    assertFalse(java.util.Arrays.equals(masked, sum), "the coordinator's sum carries the output mask");
    return sum;
  }

  @Test
  void masksCancelAndOnlyThePartiesSeeTheSum() throws Exception {
    try (CoordinatorFixture fixture = CoordinatorFixture.start(41)) {
      Map<String, LinkedBlockingQueue<Invitation>> invitations = new HashMap<>();
      for (String party : List.of("beta", "gamma")) {
        LinkedBlockingQueue<Invitation> queue = new LinkedBlockingQueue<>();
        invitations.put(party, queue);
        fixture.client(party).subscribe(queue::add, error -> {});
      }
      FederatedAggregate query = FederatedAggregate.newBuilder().setVersion(1).setTable("sales").setDescription("test").build();
      SessionCreated created = awaitCreated(fixture, query);
      String id = created.getSessionId();
      Map<String, long[]> plain = new java.util.concurrent.ConcurrentHashMap<>();
      Map<String, Set<String>> unions = new java.util.concurrent.ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        Map<String, Future<long[]>> sums = new HashMap<>();
        long seed = 1000;
        for (String party : CoordinatorFixture.PARTIES) {
          List<String> participants =
              party.equals("alpha") ? created.getParticipantsList()
                  : invitations.get(party).poll(20, TimeUnit.SECONDS).getParticipantsList();
          long partySeed = seed++;
          sums.put(party, pool.submit(() -> participate(fixture, party, id, participants, partySeed, plain, unions)));
        }
        long[] expected = null;
        for (String party : CoordinatorFixture.PARTIES) {
          long[] sum = sums.get(party).get(60, TimeUnit.SECONDS);
          if (expected == null) {
            expected = new long[sum.length];
            for (long[] vector : plain.values()) {
              RingVectors.add(expected, vector);
            }
          }
          assertArrayEquals(expected, sum, party + " decodes the exact sum");
        }
        assertEquals(Set.of("east", "west", "south", "north"), unions.get("alpha"));
        assertEquals(unions.get("alpha"), unions.get("gamma"));
        assertTranscriptHoldsNoInputAndNoSum(fixture, plain, expected);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static SessionCreated awaitCreated(CoordinatorFixture fixture, FederatedAggregate query) throws InterruptedException {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        return fixture.client("alpha").createSession(query, Duration.ofSeconds(60), 3);
      } catch (ParleyException notYetSubscribed) {
        if (System.nanoTime() > giveUp) {
          throw notYetSubscribed;
        }
        Thread.sleep(20);
      }
    }
  }

  /** No word of any party's plain vector, nor of the sum, appears in what the coordinator received. */
  private static void assertTranscriptHoldsNoInputAndNoSum(
      CoordinatorFixture fixture, Map<String, long[]> plain, long[] sum) throws Exception {
    Set<Long> secret = new HashSet<>();
    plain.values().forEach(vector -> { for (long word : vector) { if (word != 0) { secret.add(word); } } });
    for (long word : sum) {
      secret.add(word);
    }
    int chunks = 0;
    for (CoordinatorFixture.Record record : fixture.transcript) {
      byte[] message = record.message();
      for (int i = 0; i + 8 <= message.length; i++) {
        long window = java.nio.ByteBuffer.wrap(message, i, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertFalse(secret.contains(window), () -> record.rpc() + " from " + record.party() + " carries a plain word");
      }
      if (record.rpc().equals("SubmitVector")) {
        VectorChunk.parseFrom(message);
        chunks++;
      }
    }
    assertTrue(chunks >= 6, "every party's two slices were recorded: " + chunks);
  }

  // The roster checks, without a coordinator: what a dishonest coordinator could try.

  private static Roster roster(CoordinatorFixture fixture, String sessionId, Map<String, SessionKeyPair> keys, SecureRandom random) {
    return roster(fixture, sessionId, keys, random, digest());
  }

  private static Roster roster(
      CoordinatorFixture fixture, String sessionId, Map<String, SessionKeyPair> keys, SecureRandom random, byte[] layout) {
    Roster.Builder roster = Roster.newBuilder().setSessionId(sessionId);
    for (String party : new TreeSet<>(keys.keySet())) {
      byte[] key = keys.get(party).publicKey();
      byte[] signature =
          KeyBinding.sign(fixture.tls(party).privateKey(), KeyBinding.message(FEDERATION, sessionId, party, key, layout, new ArrayList<>(keys.keySet())), random);
      roster.addMembers(
          Member.newBuilder().setParty(party).setCertificate(ByteString.copyFrom(fixture.tls(party).certificateDer()))
              .setSessionPublicKey(ByteString.copyFrom(key)).setSignature(ByteString.copyFrom(signature)));
    }
    return roster.build();
  }

  @Test
  void rosterChecksRefuseSwappedKeysAndForeignCertificates() throws Exception {
    try (CoordinatorFixture fixture = CoordinatorFixture.start(43)) {
      SecureRandom random = Drbg.seeded(43);
      Map<String, SessionKeyPair> keys = new HashMap<>();
      for (String party : CoordinatorFixture.PARTIES) {
        keys.put(party, SessionKeyPair.generate(random));
      }
      AggregationParty alpha =
          new AggregationParty(FEDERATION, fixture.tls("alpha"), new CertificateChecker(fixture.ca.certificate(), FEDERATION), random);
      List<String> participants = CoordinatorFixture.PARTIES;
      byte[] own = keys.get("alpha").publicKey();
      Roster honest = roster(fixture, "s1", keys, random);
      assertEquals(3, alpha.checkRoster(honest, "s1", participants, "alpha", own, digest()).size());

      // The coordinator substitutes its own key for beta's: the signature no longer verifies.
      Roster swapped = honest.toBuilder()
          .setMembers(1, honest.getMembers(1).toBuilder()
              .setSessionPublicKey(ByteString.copyFrom(SessionKeyPair.generate(random).publicKey())))
          .build();
      assertEquals("session s1: the signature on party beta's session key does not verify",
          assertThrows(ParleyException.class, () -> alpha.checkRoster(swapped, "s1", participants, "alpha", own, digest())).getMessage());

      // A roster whose signatures were made for another layout (the coordinator mixing queries).
      byte[] otherLayout = digest();
      otherLayout[1] = 9;
      assertEquals("session s1: the signature on party alpha's session key does not verify",
          assertThrows(ParleyException.class,
              () -> alpha.checkRoster(roster(fixture, "s1", keys, random, otherLayout), "s1", participants, "alpha", own, digest()))
              .getMessage());

      // gamma's entry carries beta's certificate.
      Roster wrongCertificate = honest.toBuilder()
          .setMembers(2, honest.getMembers(2).toBuilder().setCertificate(honest.getMembers(1).getCertificate()))
          .build();
      assertEquals("session s1: the roster entry for gamma carries the certificate of beta",
          assertThrows(ParleyException.class, () -> alpha.checkRoster(wrongCertificate, "s1", participants, "alpha", own, digest()))
              .getMessage());

      // A roster signed for another session does not verify in this one.
      assertThrows(ParleyException.class, () -> alpha.checkRoster(roster(fixture, "s0", keys, random).toBuilder()
          .setSessionId("s1").build(), "s1", participants, "alpha", own, digest()));

      // A party left out, and this party's own key replaced.
      Roster missing = honest.toBuilder().removeMembers(2).build();
      assertTrue(assertThrows(ParleyException.class, () -> alpha.checkRoster(missing, "s1", participants, "alpha", own, digest()))
          .getMessage().contains("but the participants are [alpha, beta, gamma]"));
      assertThrows(ParleyException.class,
          () -> alpha.checkRoster(honest, "s1", participants, "alpha", SessionKeyPair.generate(random).publicKey(), digest()));
    }
  }

  @Test
  void tokensAreDeterministicWithinASessionAndUnlinkableAcrossSessions() {
    byte[] secret = new byte[32];
    Drbg.seeded(47).nextBytes(secret);
    byte[] key = "east".getBytes(StandardCharsets.UTF_8);
    // Even under the same group secret, another session's tokens differ and do not open.
    GroupTokens one = AggregationParty.tokensFor(FEDERATION, "s1", io.parley.protocols.crypto.SecretBytes.of(secret));
    GroupTokens other = AggregationParty.tokensFor(FEDERATION, "s2", io.parley.protocols.crypto.SecretBytes.of(secret));
    assertArrayEquals(one.token(key), one.token(key));
    assertFalse(java.util.Arrays.equals(one.token(key), other.token(key)));
    assertArrayEquals(key, one.groupKey(one.token(key)));
    assertThrows(ParleyException.class, () -> other.groupKey(one.token(key)));
    assertFalse(one.toString().contains("east"));

    // Token lengths do not tell key lengths apart.
    assertEquals(one.token(new byte[0]).length, one.token(new byte[GroupTokens.MAX_KEY_BYTES]).length);
    assertArrayEquals(new byte[0], one.groupKey(one.token(new byte[0])));
    assertThrows(ParleyException.class, () -> one.token(new byte[GroupTokens.MAX_KEY_BYTES + 1]));
  }
}
