package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** A coordinator relay in memory for engine tests: one bounded queue per (from, to, tag). */
final class MemoryRelay {
  private final Map<String, BlockingQueue<byte[]>> queues = new HashMap<>();
  private final int capacity;

  /** @param capacity envelopes a (from, to, tag) queue holds before a relay fails */
  MemoryRelay(int capacity) {
    this.capacity = capacity;
  }

  private synchronized BlockingQueue<byte[]> queue(String from, String to, String tag) {
    return queues.computeIfAbsent(from + ">" + to + ">" + tag, k -> new ArrayBlockingQueue<>(capacity));
  }

  /** {@code party}'s view: what it relays is queued for the recipient, what it fetches waits up to the test timeout. */
  RelayNetwork.Relay as(String party) {
    return new RelayNetwork.Relay() {
      @Override
      public void relay(String toParty, String tag, byte[] ciphertext) {
        queue(party, toParty, tag).add(ciphertext);
      }

      @Override
      public byte[] fetch(String fromParty, String tag) {
        try {
          byte[] envelope = queue(fromParty, party, tag).poll(ThreeParties.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
          if (envelope == null) {
            throw new ParleyException("nothing from " + fromParty + " tagged " + tag);
          }
          return envelope;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ParleyException("interrupted");
        }
      }
    };
  }
}
