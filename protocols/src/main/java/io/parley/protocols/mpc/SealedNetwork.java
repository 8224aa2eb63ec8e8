package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Hkdf;
import io.parley.protocols.crypto.RelayCipher;
import io.parley.protocols.crypto.SecretBytes;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * A decorator that encrypts and authenticates every message end to end with AES-256-GCM ({@link
 * RelayCipher}) under the pairwise key of sender and receiver. The associated data binds each
 * message to its context (session, operation and partition, chosen by the caller), to the
 * ordered pair of parties and to its position in that direction:
 *
 * <pre>
 * "parley/v1/mpc" | context | from | to | counter        (Hkdf.info encoding)
 * </pre>
 *
 * so an altered, truncated, redirected, replayed or reordered message, or one from another
 * session or partition, fails to open and the receive fails with a {@link ParleyException}. The
 * {@link Envelope} inside carries its own sequence number as well; this layer does not rely on it.
 */
public final class SealedNetwork implements Network {
  private static final String LABEL = "parley/v1/mpc";

  private final Network inner;
  private final RelayCipher[] ciphers;
  private final byte[] context;
  private final SecureRandom random;
  private final long[] sentTo;
  private final long[] receivedFrom;

  /**
   * @param pairKeys {@code pairKeys[j]} is the 32-byte key this party shares with party {@code j}
   *     (ignored at this party's own index)
   * @param context bytes naming the session, operation and partition this run belongs to
   * @param random source of the GCM nonces
   */
  public SealedNetwork(Network inner, SecretBytes[] pairKeys, byte[] context, SecureRandom random) {
    this.inner = inner;
    if (pairKeys.length != inner.partyCount()) {
      throw new IllegalArgumentException(
          "need one pairwise key per party (" + inner.partyCount() + "), got " + pairKeys.length);
    }
    this.ciphers = new RelayCipher[pairKeys.length];
    for (int party = 0; party < pairKeys.length; party++) {
      if (party != inner.myId()) {
        ciphers[party] = new RelayCipher(Objects.requireNonNull(pairKeys[party], "pair key"));
      }
    }
    this.context = context.clone();
    this.random = random;
    this.sentTo = new long[pairKeys.length];
    this.receivedFrom = new long[pairKeys.length];
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
    byte[] associated = associatedData(myId(), toParty, sentTo[toParty]++);
    inner.send(toParty, ciphers[toParty].seal(message, associated, random));
  }

  @Override
  public byte[] receive(int fromParty) {
    byte[] sealed = inner.receive(fromParty);
    long counter = receivedFrom[fromParty]++;
    try {
      return ciphers[fromParty].open(sealed, associatedData(fromParty, myId(), counter));
    } catch (ParleyException e) {
      throw new ParleyException(
          "message " + counter + " from party " + fromParty + " to party " + myId()
              + " failed authentication: it was altered, replayed, reordered or belongs to"
              + " another session; aborting without using it");
    }
  }

  private byte[] associatedData(int from, int to, long counter) {
    return Hkdf.info(
        LABEL,
        context,
        ByteBuffer.allocate(4).putInt(from).array(),
        ByteBuffer.allocate(4).putInt(to).array(),
        ByteBuffer.allocate(8).putLong(counter).array());
  }

  @Override
  public String toString() {
    return "SealedNetwork[party " + myId() + ", AES-256-GCM, keys redacted]";
  }
}
