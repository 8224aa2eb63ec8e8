package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@link Network} through the coordinator relay of one MPC session: {@link #send} relays and
 * {@link #receive} fetches. Party ids are positions in the sorted list of compute parties. Each
 * message travels as one or more envelopes of at most {@code maxEnvelopeBytes}, tagged
 *
 * <pre>
 * &lt;operation&gt;/&lt;partition&gt;/&lt;sequence&gt;/&lt;chunk&gt;
 * </pre>
 *
 * where {@code sequence} counts the messages of one direction from 0. The first envelope starts
 * with the message length (4 bytes, big-endian); the receiver fetches exactly the chunks that
 * length implies and rejects any envelope of another size. This layer neither encrypts nor
 * authenticates: wrap it in {@link SealedNetwork}, whose tag covers the reassembled message, so a
 * chunk altered, swapped or replayed by the coordinator makes the receive fail.
 */
public final class RelayNetwork implements Network {
  /** Envelope size for MPC sessions, below the coordinator's limit of 4 MiB of ciphertext. */
  public static final int DEFAULT_ENVELOPE_BYTES = 4 * 1024 * 1024;
  /** The largest message this network reassembles (1 GiB): a bound on what a peer can make us allocate. */
  public static final int MAX_MESSAGE_BYTES = 1 << 30;

  private static final int LENGTH_BYTES = Integer.BYTES;
  private static final Pattern OPERATION = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** Where envelopes go: the coordinator in production ({@link #through}); tests may interpose. */
  public interface Relay {
    void relay(String toParty, String tag, byte[] ciphertext);

    byte[] fetch(String fromParty, String tag);
  }

  private final Relay relay;
  private final List<String> parties;
  private final int self;
  private final String tagPrefix;
  private final int maxEnvelopeBytes;
  private final long[] sentTo;
  private final long[] receivedFrom;

  /**
   * @param parties the three compute parties, sorted by name (ids are positions)
   * @param self this party's name
   * @param operation names the query step, {@code [A-Za-z0-9._-]{1,64}}
   * @param partition the Spark partition (or 0)
   */
  public RelayNetwork(
      Relay relay, List<String> parties, String self, String operation, int partition, int maxEnvelopeBytes) {
    this.relay = Objects.requireNonNull(relay, "relay");
    this.parties = List.copyOf(parties);
    this.self = this.parties.indexOf(self);
    if (this.self < 0) {
      throw new ParleyException("party " + self + " is not one of the compute parties " + parties);
    }
    if (!OPERATION.matcher(operation).matches()) {
      throw new ParleyException("operation name '" + operation + "' must match " + OPERATION.pattern());
    }
    if (partition < 0) {
      throw new ParleyException("partition " + partition + " is negative");
    }
    if (maxEnvelopeBytes <= LENGTH_BYTES) {
      throw new ParleyException("envelopes of " + maxEnvelopeBytes + " bytes cannot carry a message");
    }
    this.tagPrefix = operation + "/" + partition + "/";
    this.maxEnvelopeBytes = maxEnvelopeBytes;
    this.sentTo = new long[this.parties.size()];
    this.receivedFrom = new long[this.parties.size()];
  }

  /** Relays through {@code client} in MPC session {@code sessionId}. */
  public static Relay through(CoordinatorClient client, String sessionId) {
    return new Relay() {
      @Override
      public void relay(String toParty, String tag, byte[] ciphertext) {
        client.relay(sessionId, toParty, tag, ciphertext);
      }

      @Override
      public byte[] fetch(String fromParty, String tag) {
        return client.fetch(sessionId, fromParty, tag);
      }
    };
  }

  @Override
  public int myId() {
    return self;
  }

  @Override
  public int partyCount() {
    return parties.size();
  }

  @Override
  public void send(int toParty, byte[] message) {
    String to = peer(toParty);
    if (message.length > MAX_MESSAGE_BYTES) {
      throw new ParleyException("a message of " + message.length + " bytes to party " + to + " exceeds "
          + MAX_MESSAGE_BYTES + "; split the batch");
    }
    String tag = tagPrefix + sentTo[toParty]++ + "/";
    int chunks = chunkCount(message.length);
    int offset = 0;
    for (int chunk = 0; chunk < chunks; chunk++) {
      int header = chunk == 0 ? LENGTH_BYTES : 0;
      int body = Math.min(maxEnvelopeBytes - header, message.length - offset);
      ByteBuffer envelope = ByteBuffer.allocate(header + body);
      if (chunk == 0) {
        envelope.putInt(message.length);
      }
      envelope.put(message, offset, body);
      offset += body;
      relay.relay(to, tag + chunk, envelope.array());
    }
  }

  @Override
  public byte[] receive(int fromParty) {
    String from = peer(fromParty);
    long sequence = receivedFrom[fromParty]++;
    String tag = tagPrefix + sequence + "/";
    byte[] first = relay.fetch(from, tag + 0);
    if (first.length < LENGTH_BYTES) {
      throw malformed(from, sequence, "its first envelope has " + first.length + " bytes");
    }
    int length = ByteBuffer.wrap(first).getInt();
    if (length < 0 || length > MAX_MESSAGE_BYTES) {
      throw malformed(from, sequence, "it declares " + length + " bytes");
    }
    byte[] message = new byte[length];
    int offset = 0;
    int chunks = chunkCount(length);
    for (int chunk = 0; chunk < chunks; chunk++) {
      byte[] envelope = chunk == 0 ? first : relay.fetch(from, tag + chunk);
      int header = chunk == 0 ? LENGTH_BYTES : 0;
      int body = Math.min(maxEnvelopeBytes - header, length - offset);
      if (envelope.length != header + body) {
        throw malformed(from, sequence, "envelope " + chunk + " has " + envelope.length + " bytes, not "
            + (header + body));
      }
      System.arraycopy(envelope, header, message, offset, body);
      offset += body;
    }
    return message;
  }

  private int chunkCount(int length) {
    long total = (long) length + LENGTH_BYTES;
    return (int) ((total + maxEnvelopeBytes - 1) / maxEnvelopeBytes);
  }

  private String peer(int party) {
    if (party < 0 || party >= parties.size() || party == self) {
      throw new IllegalArgumentException("party " + party + " is not another compute party of " + parties);
    }
    return parties.get(party);
  }

  private ParleyException malformed(String from, long sequence, String detail) {
    return new ParleyException("relayed message " + tagPrefix + sequence + " from party " + from + " to party "
        + parties.get(self) + " is malformed: " + detail + "; aborting without using it");
  }

  @Override
  public String toString() {
    return "RelayNetwork[" + parties.get(self) + " of " + parties + ", " + tagPrefix + "*]";
  }
}
