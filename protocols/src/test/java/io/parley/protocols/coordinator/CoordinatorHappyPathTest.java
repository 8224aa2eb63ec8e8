package io.parley.protocols.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.Subscription;
import io.parley.protocols.ring.RingVectors;
import io.parley.protocols.wire.Envelope;
import io.parley.protocols.wire.FederatedAggregate;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.JoinRequest;
import io.parley.protocols.wire.KeySet;
import io.parley.protocols.wire.Member;
import io.parley.protocols.wire.Roster;
import io.parley.protocols.wire.SessionCreated;
import io.parley.protocols.wire.VectorChunk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CoordinatorHappyPathTest {
  static final FederatedAggregate QUERY = FederatedAggregate.newBuilder()
      .setVersion(1).setTable("sales").addGroupBySql("region")
      .addAggregates(io.parley.protocols.wire.AggregateCall.newBuilder().setFunction("secure_sum").addArgumentSql("amount"))
      .build();
  static final int GROUP_WORDS = 40_000;

  private CoordinatorFixture fixture;
  private ExecutorService threads;

  @BeforeEach
  void start() {
    fixture = CoordinatorFixture.start(101);
    threads = Executors.newFixedThreadPool(6);
  }

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    fixture.close();
  }

  static JoinRequest join(String sessionId, CoordinatorClient client, byte[] certificate, byte digestByte, long words) {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) client.party().charAt(0));
    byte[] digest = new byte[32];
    Arrays.fill(digest, digestByte);
    return JoinRequest.newBuilder()
        .setSessionId(sessionId)
        .setAccept(true)
        .setCertificate(ByteString.copyFrom(certificate))
        .setSessionPublicKey(ByteString.copyFrom(key))
        .setSignature(ByteString.copyFrom(("signature of " + client.party()).getBytes()))
        .setLayoutDigest(ByteString.copyFrom(digest))
        .setVectorLength(words)
        .build();
  }

  /** Token sets overlap; one token has its top bit set so unsigned order matters. */
  static final Map<String, List<byte[]>> TOKENS = Map.of(
      "alpha", List.of(new byte[] {1, 2}, new byte[] {(byte) 0x90}, new byte[] {5}),
      "beta", List.of(new byte[] {5}, new byte[] {1, 2}),
      "gamma", List.of(new byte[] {7, 7, 7}, new byte[] {(byte) 0x90}));
  static final List<byte[]> UNION = List.of(new byte[] {1, 2}, new byte[] {5}, new byte[] {7, 7, 7}, new byte[] {(byte) 0x90});

  @Test
  void threePartiesAggregateThroughTheRealWire() throws Exception {
    CoordinatorClient alpha = fixture.client("alpha");
    Map<String, LinkedBlockingQueue<Invitation>> invitations = new HashMap<>();
    List<Subscription> subscriptions = new ArrayList<>();
    for (String party : List.of("beta", "gamma")) {
      LinkedBlockingQueue<Invitation> queue = new LinkedBlockingQueue<>();
      invitations.put(party, queue);
      subscriptions.add(fixture.client(party).subscribe(queue::add, e -> {}));
    }

    SessionCreated created = alpha.createSession(QUERY, Duration.ofSeconds(60), 3);
    String id = created.getSessionId();
    assertEquals(32, id.length());
    assertEquals(CoordinatorFixture.PARTIES, created.getParticipantsList());
    assertEquals(fixture.clock.millis() + 60_000, created.getDeadlineUnixMs());
    for (String party : List.of("beta", "gamma")) {
      Invitation invitation = invitations.get(party).poll(20, TimeUnit.SECONDS);
      assertEquals(id, invitation.getSessionId());
      assertEquals("alpha", invitation.getInitiator());
      assertEquals(CoordinatorFixture.PARTIES, invitation.getParticipantsList());
      assertEquals(QUERY, FederatedAggregate.parseFrom(invitation.getQuery()));
      assertEquals(created.getDeadlineUnixMs(), invitation.getDeadlineUnixMs());
    }

    int length = UNION.size() * GROUP_WORDS;
    Random random = new Random(5);
    Map<String, long[]> vectors = new HashMap<>();
    long[] expected = new long[length];
    for (String party : CoordinatorFixture.PARTIES) {
      long[] vector = random.longs(length).toArray();
      vectors.put(party, vector);
      RingVectors.add(expected, vector);
    }

    Map<String, Future<long[]>> sums = new HashMap<>();
    for (String party : CoordinatorFixture.PARTIES) {
      CoordinatorClient driver = party.equals("alpha") ? alpha : fixture.client(party);
      CoordinatorClient executorOne = fixture.client(party);
      CoordinatorClient executorTwo = fixture.client(party);
      sums.put(party, threads.submit(() -> {
        Roster roster = driver.join(join(id, driver, fixture.tls(party).certificateDer(), (byte) 9, GROUP_WORDS));
        assertEquals(CoordinatorFixture.PARTIES, roster.getMembersList().stream().map(Member::getParty).toList());
        for (Member member : roster.getMembersList()) {
          assertArrayEquals(fixture.tls(member.getParty()).certificateDer(), member.getCertificate().toByteArray());
          assertEquals(32, member.getSessionPublicKey().size());
        }
        // The leader relays a secret to each peer; each peer fetches it.
        if (party.equals("alpha")) {
          driver.relay(id, "beta", "group-secret", "for beta".getBytes());
          driver.relay(id, "gamma", "group-secret", "for gamma".getBytes());
        } else {
          assertArrayEquals(("for " + party).getBytes(), driver.fetch(id, "alpha", "group-secret"));
        }
        List<byte[]> union = driver.alignKeys(id, TOKENS.get(party));
        assertEquals(UNION.size(), union.size());
        for (int i = 0; i < UNION.size(); i++) {
          assertArrayEquals(UNION.get(i), union.get(i));
        }
        long[] vector = vectors.get(party);
        int split = 140_000; // first stream: two chunks (131072 + 8928), second: one chunk
        Future<?> second = threads.submit(() -> executorTwo.submitVector(id, split, vector, split, length - split));
        executorOne.submitVector(id, 0, vector, 0, split);
        second.get(30, TimeUnit.SECONDS);
        if (party.equals("beta")) {
          assertEquals(0, driver.awaitSum(id, false).length);
          return null;
        }
        return driver.awaitSum(id, true);
      }));
    }
    assertArrayEquals(expected, sums.get("alpha").get(60, TimeUnit.SECONDS));
    assertArrayEquals(expected, sums.get("gamma").get(60, TimeUnit.SECONDS));
    sums.get("beta").get(60, TimeUnit.SECONDS);

    // Every participant collected: the session is gone from memory, and says it finished.
    assertEquals(0, fixture.server.service().sessions().activeCount());
    ParleyException finished = assertThrows(ParleyException.class, () -> alpha.awaitSum(id, true));
    assertTrue(finished.getMessage().contains("session " + id + ": already finished"), finished.getMessage());

    checkTranscript(id, vectors);
    subscriptions.forEach(Subscription::close);
  }

  private void checkTranscript(String id, Map<String, long[]> vectors) throws Exception {
    assertEquals(1, fixture.transcriptOf("alpha", "CreateSession").size());
    for (String party : List.of("beta", "gamma")) {
      assertEquals(1, fixture.transcriptOf(party, "Subscribe").size());
      assertEquals(1, fixture.transcriptOf(party, "Fetch").size());
    }
    for (String party : CoordinatorFixture.PARTIES) {
      List<CoordinatorFixture.Record> joins = fixture.transcriptOf(party, "Join");
      assertEquals(1, joins.size());
      assertArrayEquals(fixture.tls(party).certificateDer(),
          JoinRequest.parseFrom(joins.get(0).message()).getCertificate().toByteArray());
      List<CoordinatorFixture.Record> keys = fixture.transcriptOf(party, "AlignKeys");
      assertEquals(TOKENS.get(party).size(), KeySet.parseFrom(keys.get(0).message()).getTokensCount());
      List<CoordinatorFixture.Record> chunks = fixture.transcriptOf(party, "SubmitVector");
      assertEquals(3, chunks.size(), "chunks of " + party);
      long[] rebuilt = new long[vectors.get(party).length];
      TreeSet<Long> offsets = new TreeSet<>();
      for (CoordinatorFixture.Record record : chunks) {
        VectorChunk chunk = VectorChunk.parseFrom(record.message());
        assertEquals(id, chunk.getSessionId());
        assertTrue(chunk.getValues().size() <= CoordinatorClient.CHUNK_ELEMENTS * 8);
        long[] values = RingVectors.fromBytes(chunk.getValues().toByteArray());
        System.arraycopy(values, 0, rebuilt, (int) chunk.getOffset(), values.length);
        offsets.add(chunk.getOffset());
      }
      assertEquals(new TreeSet<>(List.of(0L, 131_072L, 140_000L)), offsets);
      assertArrayEquals(vectors.get(party), rebuilt);
      // alpha asked once more after the session finished
      assertEquals(party.equals("alpha") ? 2 : 1, fixture.transcriptOf(party, "AwaitSum").size());
    }
    List<CoordinatorFixture.Record> relays = fixture.transcriptOf("alpha", "Relay");
    assertEquals(2, relays.size());
    assertEquals("beta", Envelope.parseFrom(relays.get(0).message()).getToParty());
    assertTrue(fixture.transcript.stream().allMatch(r -> CoordinatorFixture.PARTIES.contains(r.party())));
  }

  @Test
  void anEmptyUnionSumsAtOnceToLengthZero() throws Exception {
    CoordinatorClient alpha = fixture.client("alpha");
    CoordinatorClient beta = fixture.client("beta");
    CoordinatorClient gamma = fixture.client("gamma");
    Subscription b = beta.subscribe(i -> {}, e -> {});
    Subscription g = gamma.subscribe(i -> {}, e -> {});
    String id = alpha.createSession(QUERY, Duration.ZERO, 0).getSessionId();
    List<Future<long[]>> results = new ArrayList<>();
    for (CoordinatorClient client : List.of(alpha, beta, gamma)) {
      results.add(threads.submit(() -> {
        client.join(join(id, client, fixture.tls(client.party()).certificateDer(), (byte) 1, 2));
        assertTrue(client.alignKeys(id, List.of()).isEmpty());
        return client.awaitSum(id, true);
      }));
    }
    for (Future<long[]> result : results) {
      assertEquals(0, result.get(30, TimeUnit.SECONDS).length);
    }
    b.close();
    g.close();
  }
}
