package io.parley.protocols.mpc;

import java.util.HashMap;
import java.util.Map;

/**
 * A decorator that lets its party misbehave on purpose, for tests of what the others do with a
 * cheating or broken party: every outgoing message passes through a {@link Tamperer}, which may
 * return it as it is, altered, or replaced (for example by an earlier message, a replay).
 */
public final class TamperingNetwork implements Network {
  /** Decides what is actually sent. */
  @FunctionalInterface
  public interface Tamperer {
    /**
     * The message to send in place of {@code message}, the {@code index}-th (from 0) this party
     * sends to {@code toParty}. May return {@code message} itself, modified or not.
     */
    byte[] outgoing(int toParty, long index, byte[] message);
  }

  private final Network inner;
  private final Tamperer tamperer;
  private final long[] sentTo;

  public TamperingNetwork(Network inner, Tamperer tamperer) {
    this.inner = inner;
    this.tamperer = tamperer;
    this.sentTo = new long[inner.partyCount()];
  }

  /** Flips bit {@code bit} of byte {@code byteOffset} of the {@code index}-th message to a party. */
  public static Tamperer flipBit(int toParty, long index, int byteOffset, int bit) {
    return (to, i, message) -> {
      if (to == toParty && i == index) {
        message[byteOffset] ^= (byte) (1 << bit);
      }
      return message;
    };
  }

  /** Sends the {@code index}-th message to a party again in place of the {@code index+1}-th. */
  public static Tamperer replay(int toParty, long index) {
    Map<Long, byte[]> kept = new HashMap<>();
    return (to, i, message) -> {
      if (to != toParty) {
        return message;
      }
      if (i == index) {
        kept.put(i, message.clone());
      } else if (i == index + 1) {
        return kept.get(index);
      }
      return message;
    };
  }

  /** Drops the last {@code bytes} bytes of the {@code index}-th message to a party. */
  public static Tamperer truncate(int toParty, long index, int bytes) {
    return (to, i, message) ->
        to == toParty && i == index
            ? java.util.Arrays.copyOf(message, Math.max(0, message.length - bytes))
            : message;
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
    long index = sentTo[toParty]++;
    inner.send(toParty, tamperer.outgoing(toParty, index, message));
  }

  @Override
  public byte[] receive(int fromParty) {
    return inner.receive(fromParty);
  }

  @Override
  public String toString() {
    return "TamperingNetwork[party " + myId() + "]";
  }
}
