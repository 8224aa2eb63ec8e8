package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The wire form of one engine message. All integers little-endian:
 *
 * <pre>
 * offset  size  field
 *      0     1  version (1)
 *      1     1  operation ({@link Operation#id()})
 *      2     8  sequence number: messages from one party to another are numbered 0, 1, 2, ...
 *     10     4  payload length in bytes
 *     14     n  payload (ring words: 8 bytes each)
 * </pre>
 *
 * <p>{@link #open} rejects, with a {@link ParleyException} naming the two parties, a message that is
 * too short, of another version or operation, out of sequence (a replay, a reordering or a lost
 * message), or whose payload length differs from what the header declares or the receiver
 * expects. It never guesses.
 */
public final class Envelope {
  /** The version this code writes and reads. */
  public static final byte VERSION = 1;
  /** Bytes before the payload. */
  public static final int HEADER_BYTES = 14;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int MAX_PAYLOAD_BYTES = Integer.MAX_VALUE - HEADER_BYTES - 16;

  private Envelope() {}

  /** An envelope around {@code words[offset .. offset+count)}. */
  public static byte[] sealWords(
      Operation operation, long sequence, long[] words, int offset, int count) {
    Objects.checkFromIndexSize(offset, count, words.length);
    if (count > MAX_PAYLOAD_BYTES / Long.BYTES) {
      throw new ParleyException(
          "a message of " + count + " ring words is too large; split the batch");
    }
    byte[] message = header(operation, sequence, count * Long.BYTES);
    for (int k = 0; k < count; k++) {
      LONGS.set(message, HEADER_BYTES + k * Long.BYTES, words[offset + k]);
    }
    return message;
  }

  /** An envelope around a copy of {@code payload}. */
  public static byte[] sealBytes(Operation operation, long sequence, byte[] payload) {
    byte[] message = header(operation, sequence, payload.length);
    System.arraycopy(payload, 0, message, HEADER_BYTES, payload.length);
    return message;
  }

  private static byte[] header(Operation operation, long sequence, int payloadBytes) {
    byte[] message = new byte[HEADER_BYTES + payloadBytes];
    message[0] = VERSION;
    message[1] = operation.id();
    LONGS.set(message, 2, sequence);
    INTS.set(message, 10, payloadBytes);
    return message;
  }

  /**
   * Checks {@code message} and copies its {@code count} words into {@code out[offset ..]}.
   *
   * @param from the sender, for error messages
   * @param to the receiver, for error messages
   */
  public static void openWords(
      byte[] message, int from, int to, Operation operation, long sequence,
      long[] out, int offset, int count) {
    Objects.checkFromIndexSize(offset, count, out.length);
    check(message, from, to, operation, sequence, (long) count * Long.BYTES);
    for (int k = 0; k < count; k++) {
      out[offset + k] = (long) LONGS.get(message, HEADER_BYTES + k * Long.BYTES);
    }
  }

  /** Checks {@code message} and returns its payload of exactly {@code length} bytes. */
  public static byte[] openBytes(
      byte[] message, int from, int to, Operation operation, long sequence, int length) {
    check(message, from, to, operation, sequence, length);
    byte[] payload = new byte[length];
    System.arraycopy(message, HEADER_BYTES, payload, 0, length);
    return payload;
  }

  private static void check(
      byte[] message, int from, int to, Operation expected, long sequence, long expectedBytes) {
    String link = "message from party " + from + " to party " + to;
    if (message == null || message.length < HEADER_BYTES) {
      throw new ParleyException(
          link + " is " + (message == null ? "missing" : message.length + " bytes long")
              + ", shorter than the " + HEADER_BYTES + "-byte header");
    }
    if (message[0] != VERSION) {
      throw new ParleyException(
          link + " has wire version " + (message[0] & 0xff) + "; this party speaks version "
              + VERSION + " (are all compute parties running the same Parley release?)");
    }
    Operation actual = Operation.fromId(message[1]);
    if (actual != expected) {
      throw new ParleyException(
          link + " belongs to operation "
              + (actual == null ? "id " + (message[1] & 0xff) + " (unknown)" : actual.name())
              + " but " + expected.name() + " was expected: the parties are out of step");
    }
    long actualSequence = (long) LONGS.get(message, 2);
    if (actualSequence != sequence) {
      throw new ParleyException(
          link + " has sequence number " + actualSequence + " but " + sequence
              + " was expected: a replayed, reordered or lost message; aborting");
    }
    int declared = (int) INTS.get(message, 10);
    if (declared != message.length - HEADER_BYTES) {
      throw new ParleyException(
          link + " (" + expected.name() + " #" + sequence + ") declares a " + declared
              + "-byte payload but carries " + (message.length - HEADER_BYTES) + " bytes");
    }
    if (declared != expectedBytes) {
      throw new ParleyException(
          link + " (" + expected.name() + " #" + sequence + ") carries " + declared
              + " payload bytes but " + expectedBytes + " were expected: the parties disagree on"
              + " the batch size");
    }
  }
}
