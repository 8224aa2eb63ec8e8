package io.parley.protocols.mpc;

/**
 * One party's side of the engine's messages: wraps each in an {@link Envelope} with the next
 * sequence number for its direction, and checks the number, operation and length of each
 * received one. Not thread-safe: one per party and protocol run.
 */
final class Messenger {
  private final Network network;
  private final int self;
  private final long[] sentTo;
  private final long[] receivedFrom;

  Messenger(Network network) {
    this.network = network;
    this.self = network.myId();
    this.sentTo = new long[network.partyCount()];
    this.receivedFrom = new long[network.partyCount()];
  }

  int self() {
    return self;
  }

  void sendWords(int to, Operation operation, long[] words, int offset, int count) {
    network.send(to, Envelope.sealWords(operation, sentTo[to]++, words, offset, count));
  }

  void receiveWords(int from, Operation operation, long[] out, int offset, int count) {
    byte[] message = network.receive(from);
    Envelope.openWords(message, from, self, operation, receivedFrom[from], out, offset, count);
    receivedFrom[from]++;
  }

  void sendBytes(int to, Operation operation, byte[] payload) {
    network.send(to, Envelope.sealBytes(operation, sentTo[to]++, payload));
  }

  byte[] receiveBytes(int from, Operation operation, int length) {
    byte[] message = network.receive(from);
    byte[] payload = Envelope.openBytes(message, from, self, operation, receivedFrom[from], length);
    receivedFrom[from]++;
    return payload;
  }
}
