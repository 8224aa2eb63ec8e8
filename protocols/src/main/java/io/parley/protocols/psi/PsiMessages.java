package io.parley.protocols.psi;

import io.parley.protocols.ParleyException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * The byte encoding of the PSI messages, until they move into {@code parley.proto}: a version byte,
 * a type byte, a 4-byte big-endian count, then the body. Decoders check the version, the type,
 * every length and every range, and name the sending party when they refuse.
 *
 * <ul>
 *   <li>points ({@link Type#BLINDED_IDENTIFIERS}, {@link Type#REBLINDED_IDENTIFIERS}): count
 *       32-byte u-coordinates;
 *   <li>{@link Type#MASKED_PAYLOAD}: count elements, a 4-byte width, count x width 8-byte words;
 *   <li>{@link Type#MATCH_REPORT}: count matched positions; the 4-byte element count and width, the
 *       positions (4 bytes each, strictly increasing, below the element count), width words;
 *   <li>{@link Type#SUM_RESULT}: count = width; the 8-byte intersection size, width words.
 * </ul>
 */
public final class PsiMessages {
  static final byte VERSION = 1;

  /** Ring words per element: generous for wide DECIMAL limbs, small enough to bound allocations. */
  static final int MAX_WIDTH = 1024;

  private static final int HEADER_BYTES = 6;

  /** Message types; the byte on the wire is {@code ordinal() + 1}. */
  public enum Type {
    BLINDED_IDENTIFIERS,
    REBLINDED_IDENTIFIERS,
    MASKED_PAYLOAD,
    MATCH_REPORT,
    SUM_RESULT
  }

  /** A masked payload: {@code words[e * width + w]} is word w of element e. */
  public record MaskedPayload(int width, long[] words) {
    public int elementCount() {
      return words.length / width;
    }
  }

  /** The receiver's report to the coordinator: which positions matched, and the mask to remove. */
  public record MatchReport(int elementCount, int[] positions, long[] maskCorrection) {}

  /** The coordinator's answer: the intersection size and the output-masked sums. */
  public record SumResult(long intersectionSize, long[] maskedWords) {}

  private PsiMessages() {}

  /** The encoded size of a {@link Type#MASKED_PAYLOAD} of {@code count} elements of {@code width} words. */
  public static long maskedPayloadBytes(long count, int width) {
    return HEADER_BYTES + 4L + 8L * count * width;
  }

  /** The encoded size of a {@link Type#MATCH_REPORT} of {@code matched} positions and {@code width} words. */
  public static long matchReportBytes(long matched, int width) {
    return HEADER_BYTES + 8L + 4L * matched + 8L * width;
  }

  public static byte[] encodePoints(Type type, byte[][] points) {
    if (type != Type.BLINDED_IDENTIFIERS && type != Type.REBLINDED_IDENTIFIERS) {
      throw new IllegalArgumentException("not a point message: " + type);
    }
    ByteBuffer out = header(type, points.length, (long) points.length * PsiKey.POINT_BYTES);
    for (byte[] point : points) {
      if (point.length != PsiKey.POINT_BYTES) {
        throw new IllegalArgumentException("points are 32 bytes, got " + point.length);
      }
      out.put(point);
    }
    return out.array();
  }

  public static byte[][] decodePoints(byte[] message, Type expected, String sender) {
    ByteBuffer in = open(message, expected, sender);
    int count = in.getInt();
    expectRemaining(in, (long) count * PsiKey.POINT_BYTES, expected, sender);
    byte[][] points = new byte[count][PsiKey.POINT_BYTES];
    for (byte[] point : points) {
      in.get(point);
    }
    return points;
  }

  public static byte[] encodeMaskedPayload(MaskedPayload payload) {
    checkWidth(payload.width());
    int count = payload.elementCount();
    ByteBuffer out = header(Type.MASKED_PAYLOAD, count, 4L + 8L * payload.words().length);
    out.putInt(payload.width());
    for (long word : payload.words()) {
      out.putLong(word);
    }
    return out.array();
  }

  public static MaskedPayload decodeMaskedPayload(byte[] message, String sender) {
    ByteBuffer in = open(message, Type.MASKED_PAYLOAD, sender);
    int count = in.getInt();
    int width = readWidth(in, Type.MASKED_PAYLOAD, sender);
    expectRemaining(in, 8L * count * width, Type.MASKED_PAYLOAD, sender);
    long[] words = new long[count * width];
    for (int i = 0; i < words.length; i++) {
      words[i] = in.getLong();
    }
    return new MaskedPayload(width, words);
  }

  public static byte[] encodeMatchReport(MatchReport report) {
    int width = report.maskCorrection().length;
    checkWidth(width);
    int matched = report.positions().length;
    ByteBuffer out = header(Type.MATCH_REPORT, matched, 8L + 4L * matched + 8L * width);
    out.putInt(report.elementCount());
    out.putInt(width);
    for (int position : report.positions()) {
      out.putInt(position);
    }
    for (long word : report.maskCorrection()) {
      out.putLong(word);
    }
    return out.array();
  }

  public static MatchReport decodeMatchReport(byte[] message, String sender) {
    ByteBuffer in = open(message, Type.MATCH_REPORT, sender);
    int matched = in.getInt();
    if (in.remaining() < 8) {
      throw malformed(Type.MATCH_REPORT, sender, "is truncated");
    }
    int elementCount = in.getInt();
    int width = readWidth(in, Type.MATCH_REPORT, sender);
    expectRemaining(in, 4L * matched + 8L * width, Type.MATCH_REPORT, sender);
    if (elementCount < 0 || matched > elementCount) {
      throw malformed(
          Type.MATCH_REPORT, sender, "reports " + matched + " matches among " + elementCount);
    }
    int[] positions = new int[matched];
    int previous = -1;
    for (int i = 0; i < matched; i++) {
      positions[i] = in.getInt();
      if (positions[i] <= previous || positions[i] >= elementCount) {
        throw malformed(
            Type.MATCH_REPORT,
            sender,
            "has positions out of order or outside 0.." + (elementCount - 1));
      }
      previous = positions[i];
    }
    long[] correction = new long[width];
    for (int w = 0; w < width; w++) {
      correction[w] = in.getLong();
    }
    return new MatchReport(elementCount, positions, correction);
  }

  public static byte[] encodeSumResult(SumResult result) {
    int width = result.maskedWords().length;
    checkWidth(width);
    ByteBuffer out = header(Type.SUM_RESULT, width, 8L + 8L * width);
    out.putLong(result.intersectionSize());
    for (long word : result.maskedWords()) {
      out.putLong(word);
    }
    return out.array();
  }

  public static SumResult decodeSumResult(byte[] message, String sender) {
    ByteBuffer in = open(message, Type.SUM_RESULT, sender);
    int width = in.getInt();
    if (width < 1 || width > MAX_WIDTH) {
      throw malformed(Type.SUM_RESULT, sender, "has width " + width);
    }
    expectRemaining(in, 8L + 8L * width, Type.SUM_RESULT, sender);
    long size = in.getLong();
    if (size < 0) {
      throw malformed(Type.SUM_RESULT, sender, "has a negative intersection size");
    }
    long[] words = new long[width];
    for (int w = 0; w < width; w++) {
      words[w] = in.getLong();
    }
    return new SumResult(size, words);
  }

  private static ByteBuffer header(Type type, int count, long bodyBytes) {
    long total = HEADER_BYTES + bodyBytes;
    if (total > Integer.MAX_VALUE - 8) {
      throw new ParleyException(
          "PSI " + type + " message of " + count + " elements exceeds 2 GiB; send smaller batches");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total);
    out.put(VERSION).put((byte) (type.ordinal() + 1)).putInt(count);
    return out;
  }

  private static ByteBuffer open(byte[] message, Type expected, String sender) {
    if (message == null || message.length < HEADER_BYTES) {
      throw malformed(expected, sender, "is shorter than its " + HEADER_BYTES + "-byte header");
    }
    ByteBuffer in = ByteBuffer.wrap(message);
    byte version = in.get();
    if (version != VERSION) {
      throw malformed(
          expected, sender, "has version " + version + " (this build speaks " + VERSION + ")");
    }
    int type = in.get();
    if (type != expected.ordinal() + 1) {
      throw malformed(expected, sender, "has type byte " + type);
    }
    in.mark();
    int count = in.getInt();
    if (count < 0) {
      throw malformed(expected, sender, "has a negative count");
    }
    in.reset();
    return in;
  }

  private static int readWidth(ByteBuffer in, Type type, String sender) {
    try {
      int width = in.getInt();
      if (width < 1 || width > MAX_WIDTH) {
        throw malformed(type, sender, "has width " + width + " (1.." + MAX_WIDTH + ")");
      }
      return width;
    } catch (BufferUnderflowException e) {
      throw malformed(type, sender, "is truncated");
    }
  }

  private static void expectRemaining(ByteBuffer in, long bytes, Type type, String sender) {
    if (in.remaining() != bytes) {
      throw malformed(
          type, sender, "has " + in.remaining() + " body bytes where its counts say " + bytes);
    }
  }

  private static void checkWidth(int width) {
    if (width < 1 || width > MAX_WIDTH) {
      throw new IllegalArgumentException("width must be 1.." + MAX_WIDTH + ", got " + width);
    }
  }

  private static ParleyException malformed(Type type, String sender, String problem) {
    return new ParleyException(
        "PSI: the " + type + " message from '" + sender + "' " + problem + "; refusing it");
  }
}
