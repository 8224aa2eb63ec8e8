package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Parties in one JVM, one thread each, connected by bounded blocking queues: one queue per ordered
 * pair of parties. Used by tests and benchmarks; the same protocol code runs over the coordinator
 * relay in production. Every send and receive waits at most the configured timeout, so a party
 * that stopped makes the others fail with a message naming it instead of hanging.
 */
public final class InMemoryNetwork implements Network {
  private final int myId;
  private final int partyCount;
  /** {@code queues[from][to]}, shared by all endpoints of one {@link #create} call. */
  private final BlockingQueue<byte[]>[][] queues;
  private final long timeoutNanos;

  private InMemoryNetwork(int myId, BlockingQueue<byte[]>[][] queues, long timeoutNanos) {
    this.myId = myId;
    this.partyCount = queues.length;
    this.queues = queues;
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * Endpoints for {@code partyCount} parties; element {@code i} is party {@code i}'s endpoint.
   *
   * @param capacity messages that may wait in each direction before a sender blocks
   * @param timeout how long a send or receive waits before it fails
   */
  public static InMemoryNetwork[] create(int partyCount, int capacity, Duration timeout) {
    if (partyCount < 2) {
      throw new IllegalArgumentException("a network needs at least 2 parties, got " + partyCount);
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("queue capacity must be positive, got " + capacity);
    }
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    @SuppressWarnings("unchecked")
    BlockingQueue<byte[]>[][] queues = new BlockingQueue[partyCount][partyCount];
    for (int from = 0; from < partyCount; from++) {
      for (int to = 0; to < partyCount; to++) {
        if (from != to) {
          queues[from][to] = new ArrayBlockingQueue<>(capacity);
        }
      }
    }
    InMemoryNetwork[] endpoints = new InMemoryNetwork[partyCount];
    for (int id = 0; id < partyCount; id++) {
      endpoints[id] = new InMemoryNetwork(id, queues, timeout.toNanos());
    }
    return endpoints;
  }

  @Override
  public int myId() {
    return myId;
  }

  @Override
  public int partyCount() {
    return partyCount;
  }

  @Override
  public void send(int toParty, byte[] message) {
    Objects.requireNonNull(message, "message");
    BlockingQueue<byte[]> queue = queues[myId][checkPeer(toParty)];
    try {
      if (!queue.offer(message, timeoutNanos, TimeUnit.NANOSECONDS)) {
        throw new ParleyException(
            "party " + myId + " could not send to party " + toParty + " within "
                + Duration.ofNanos(timeoutNanos) + ": party " + toParty
                + " stopped receiving (did it fail?)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParleyException("party " + myId + " was interrupted sending to party " + toParty);
    }
  }

  @Override
  public byte[] receive(int fromParty) {
    BlockingQueue<byte[]> queue = queues[checkPeer(fromParty)][myId];
    try {
      byte[] message = queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
      if (message == null) {
        throw new ParleyException(
            "party " + myId + " timed out after " + Duration.ofNanos(timeoutNanos)
                + " waiting for a message from party " + fromParty + " (did it fail?)");
      }
      return message;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParleyException(
          "party " + myId + " was interrupted waiting for party " + fromParty);
    }
  }

  private int checkPeer(int party) {
    if (party < 0 || party >= partyCount || party == myId) {
      throw new IllegalArgumentException(
          "party " + myId + " cannot exchange messages with party " + party + " (parties 0.."
              + (partyCount - 1) + ")");
    }
    return party;
  }

  @Override
  public String toString() {
    return "InMemoryNetwork[party " + myId + " of " + partyCount + "]";
  }
}
