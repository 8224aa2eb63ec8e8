package io.parley.protocols.mpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.parley.protocols.crypto.Drbg;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Known-answer transcript: with seeded randomness, the bytes each party sends (envelopes
 * included) in a fixed script of operations are fixed. Their SHA-256 digests are kept in {@code
 * transcript-kat.properties}, so a refactor that changes one byte on the wire, one PRF counter or
 * the order of messages is caught. If a change to the wire or the protocol is intended, update
 * the file in the same commit and say so.
 */
class TranscriptKnownAnswerTest {
  private static final long[] X = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 20, -(1L << 20), 7};
  private static final long[] Y = {0, -1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 3L << 16, 1L << 20, 7};

  /** Feeds every message its party sends into a digest. */
  private static final class DigestingNetwork implements Network {
    private final Network inner;
    final MessageDigest digest;

    DigestingNetwork(Network inner) {
      this.inner = inner;
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public int myId() {
      return inner.myId();
    }

    @Override
    public int partyCount() {
      return inner.partyCount();
    }

    @Override
    public void send(int toParty, byte[] message) {
      digest.update((byte) toParty);
      digest.update(message);
      inner.send(toParty, message);
    }

    @Override
    public byte[] receive(int fromParty) {
      return inner.receive(fromParty);
    }
  }

  @Test
  void transcriptsMatchTheRecordedDigests() throws IOException {
    List<String> digests =
        ThreeParties.runOnNetworks(
            DigestingNetwork::new,
            network -> {
              DigestingNetwork digesting = (DigestingNetwork) network;
              ReplicatedParty p = ReplicatedParty.connect(network, Drbg.seeded(4242 + network.myId()));
              ArithmeticShares x = ThreeParties.input(p, 0, X);
              ArithmeticShares y = ThreeParties.input(p, 1, Y);
              ArithmeticShares product = p.multiply(x, y);
              ArithmeticShares truncated = p.truncate(product, 16);
              BooleanShares less = p.lessThan(x, y);
              BooleanShares equal = p.equal(x, y);
              ArithmeticShares larger = p.max(x, y);
              Extremum arg = p.argMax(x);
              p.reveal(truncated, 0);
              p.reveal(less, 1, 2);
              p.reveal(equal, 0, 1, 2);
              p.reveal(larger, 2);
              p.reveal(arg.index(), 0, 1, 2);
              return HexFormat.of().formatHex(digesting.digest.digest());
            });
    Properties expected = new Properties();
    try (InputStream in = getClass().getResourceAsStream("transcript-kat.properties")) {
      assertNotNull(in, "transcript-kat.properties is missing from the test resources");
      expected.load(in);
    }
    for (int party = 0; party < 3; party++) {
      assertEquals(
          expected.getProperty("party" + party + ".sent.sha256"),
          digests.get(party),
          "party " + party + "'s transcript changed");
    }
  }
}
