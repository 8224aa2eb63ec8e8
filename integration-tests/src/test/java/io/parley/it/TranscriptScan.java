package io.parley.it;

import io.parley.jobs.FileTranscript;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Looks for secret values in what the coordinator received. A value is looked for in every form
 * Parley's ring encoding (docs/ARCHITECTURE.md, "Ring encoding") or a careless implementation
 * could put on the wire as a 64-bit little-endian word: the integer itself (counts, integer sums,
 * a DECIMAL's unscaled value), its low 32-bit limb and its signed high rest, and for a
 * non-integral value the IEEE-754 bits, the integral part and the top 32 bits of the fraction
 * (words of the 64-fractional-bit fixed point).
 *
 * <p>Values with |v| < 2^20 are not looked for: small numbers (lengths, tags, offsets, varints,
 * counts of a few rows) occur in any protobuf message by chance, so finding one would prove
 * nothing, while a given 64-bit word of at least 2^20 turns up in a few megabytes of masked
 * (uniformly random) bytes with probability about 2^-40 per value.
 */
final class TranscriptScan {
  static final long SMALLEST_DISTINCTIVE = 1L << 20;

  private final Map<Long, String> wanted = new LinkedHashMap<>();

  /** Adds the encodings of an exact integer (a count, an integral sum, a DECIMAL's unscaled value). */
  void addInteger(BigInteger value, String what) {
    if (value.bitLength() < 64) {
      add(value.longValue(), what);
    }
    add(value.and(BigInteger.valueOf(0xFFFF_FFFFL)).longValue(), what + " (low 32-bit limb)");
    BigInteger high = value.shiftRight(32);
    if (high.bitLength() < 64) {
      add(high.longValue(), what + " (high limbs)");
    }
  }

  /** Adds the encodings of a number: exact integer forms for integral values, fixed-point words and IEEE bits otherwise. */
  void addNumber(BigDecimal value, String what) {
    BigDecimal stripped = value.stripTrailingZeros();
    if (stripped.scale() <= 0) {
      addInteger(stripped.toBigIntegerExact(), what);
    } else {
      if (value.scale() <= 18) { // a DECIMAL's unscaled value; an exact double's has no meaning on the wire
        addInteger(value.unscaledValue(), what + " unscaled at scale " + value.scale());
      }
      BigInteger integral = value.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
      addInteger(integral, what + " integral part");
      BigDecimal fraction = value.subtract(new BigDecimal(integral));
      add(fraction.multiply(BigDecimal.valueOf(1L << 32)).setScale(0, RoundingMode.FLOOR).longValue(), what + " fraction (top 32 bits)");
    }
    add(Double.doubleToLongBits(value.doubleValue()), what + " (IEEE-754 bits)");
  }

  /** Adds a double: its IEEE bits and, through its exact decimal value, the fixed-point words. */
  void addDouble(double value, String what) {
    if (Double.isFinite(value)) {
      addNumber(new BigDecimal(value), what);
    }
  }

  private void add(long word, String what) {
    if (word == Long.MIN_VALUE || Math.abs(word) >= SMALLEST_DISTINCTIVE) {
      wanted.putIfAbsent(word, what);
    }
  }

  int size() {
    return wanted.size();
  }

  boolean contains(long word) {
    return wanted.containsKey(word);
  }

  /** The first place where an 8-byte little-endian window of a message equals a wanted word, described. */
  Optional<String> firstHit(List<FileTranscript.Entry> transcript) {
    for (int e = 0; e < transcript.size(); e++) {
      FileTranscript.Entry entry = transcript.get(e);
      Optional<String> hit = firstHit(entry.message());
      if (hit.isPresent()) {
        return Optional.of("message " + (e + 1) + " (" + entry.rpc() + " from " + entry.party() + ") " + hit.get());
      }
    }
    return Optional.empty();
  }

  /** The first 8-byte little-endian window of {@code bytes}, at any offset, that equals a wanted word. */
  Optional<String> firstHit(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int offset = 0; offset + Long.BYTES <= bytes.length; offset++) {
      String what = wanted.get(buffer.getLong(offset));
      if (what != null) {
        return Optional.of("holds " + what + " at byte " + offset);
      }
    }
    return Optional.empty();
  }
}
