package io.parley.protocols.mpc;

/**
 * A decorator that counts what its party sends and receives, for benchmarks and metrics. A
 * <i>round</i> starts with the first send after a receive (or the very first send): a party that
 * sends to both neighbours and then receives from both has used one round.
 *
 * <p>Counters are plain fields, read by the party's own thread, or by another thread after the
 * party's thread has finished (for example after joining its future).
 */
public final class CountingNetwork implements Network {
  private final Network inner;
  private long messagesSent;
  private long bytesSent;
  private long messagesReceived;
  private long bytesReceived;
  private long rounds;
  private boolean receivedSinceLastSend = true;

  public CountingNetwork(Network inner) {
    this.inner = inner;
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
    if (receivedSinceLastSend) {
      rounds++;
      receivedSinceLastSend = false;
    }
    messagesSent++;
    bytesSent += message.length;
    inner.send(toParty, message);
  }

  @Override
  public byte[] receive(int fromParty) {
    byte[] message = inner.receive(fromParty);
    receivedSinceLastSend = true;
    messagesReceived++;
    bytesReceived += message.length;
    return message;
  }

  public long messagesSent() {
    return messagesSent;
  }

  /** Bytes handed to the inner network, envelopes included. */
  public long bytesSent() {
    return bytesSent;
  }

  public long messagesReceived() {
    return messagesReceived;
  }

  public long bytesReceived() {
    return bytesReceived;
  }

  /** Communication rounds this party started; see the class comment. */
  public long rounds() {
    return rounds;
  }

  /** Sets every counter back to zero. */
  public void reset() {
    messagesSent = 0;
    bytesSent = 0;
    messagesReceived = 0;
    bytesReceived = 0;
    rounds = 0;
    receivedSinceLastSend = true;
  }

  @Override
  public String toString() {
    return "CountingNetwork[party " + myId() + ", sent " + messagesSent + " messages / " + bytesSent
        + " bytes in " + rounds + " rounds]";
  }
}
