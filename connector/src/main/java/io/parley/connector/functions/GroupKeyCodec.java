package io.parley.connector.functions;

import io.parley.protocols.ParleyException;
import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Canonical bytes of a group key: values Spark's GROUP BY treats as equal give equal bytes at every
 * party, whatever Java type carries them ({@code Date} or {@code LocalDate}, {@code 1.5} or {@code
 * 1.50}, {@code -0.0} or {@code 0.0}, any NaN). The parties encrypt these bytes deterministically to
 * align groups, and decode the union the coordinator returns, so {@link #decode} treats its input as
 * another party's bytes: it checks the version, every length and every range.
 *
 * <p>Layout: a version byte, then per column a presence byte (0 null, 1 value) and, for a value, its
 * fixed-width big-endian encoding for the column's type, or a 4-byte length and the bytes for strings,
 * binaries and decimal unscaled values. The empty key (no GROUP BY) is the version byte alone.
 */
public final class GroupKeyCodec implements Serializable {
  private static final long serialVersionUID = 1L;

  static final byte VERSION = 1;
  private static final byte ABSENT = 0;
  private static final byte PRESENT = 1;
  /** Keeps one malformed length from allocating unbounded memory. */
  private static final int MAX_VARIABLE_LENGTH = 1 << 24;

  private final List<DataType> types;

  /**
   * @throws ParleyException naming the type, if a grouping type has no canonical encoding here
   */
  public GroupKeyCodec(List<DataType> types) {
    for (DataType type : types) {
      if (!supported(type)) {
        throw new ParleyException("GROUP BY of type " + type.sql() + " is not supported");
      }
    }
    this.types = List.copyOf(types);
  }

  /** The grouping types, in key order. */
  public List<DataType> types() {
    return types;
  }

  private static boolean supported(DataType type) {
    if (type instanceof StringType string) {
      // Under a non-binary collation, equal strings may differ in bytes.
      return string.supportsBinaryEquality();
    }
    return type instanceof BooleanType || type instanceof ByteType || type instanceof ShortType
        || type instanceof IntegerType || type instanceof LongType || type instanceof FloatType
        || type instanceof DoubleType || type instanceof DecimalType || type instanceof BinaryType
        || type instanceof DateType || type instanceof TimestampType || type instanceof TimestampNTZType;
  }

  /** The canonical bytes of the group values at columns {@code firstColumn .. firstColumn + n - 1}. */
  public byte[] encode(Row row, int firstColumn) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 + 9 * types.size());
    out.write(VERSION);
    for (int i = 0; i < types.size(); i++) {
      int column = firstColumn + i;
      if (row.isNullAt(column)) {
        out.write(ABSENT);
      } else {
        out.write(PRESENT);
        encodeValue(types.get(i), row.get(column), out);
      }
    }
    return out.toByteArray();
  }

  private static void encodeValue(DataType type, Object value, ByteArrayOutputStream out) {
    if (type instanceof BooleanType) {
      out.write((Boolean) value ? 1 : 0);
    } else if (type instanceof ByteType) {
      out.write((Byte) value);
    } else if (type instanceof ShortType) {
      writeFixed(out, (Short) value, 2);
    } else if (type instanceof IntegerType) {
      writeFixed(out, (Integer) value, 4);
    } else if (type instanceof LongType) {
      writeFixed(out, (Long) value, 8);
    } else if (type instanceof FloatType) {
      float f = (Float) value;
      // Spark groups -0.0 with 0.0 and every NaN together; floatToIntBits has one NaN.
      writeFixed(out, Float.floatToIntBits(f == 0.0f ? 0.0f : f), 4);
    } else if (type instanceof DoubleType) {
      double d = (Double) value;
      writeFixed(out, Double.doubleToLongBits(d == 0.0 ? 0.0 : d), 8);
    } else if (type instanceof DecimalType decimal) {
      writeVariable(out, unscaled(decimal, value).toByteArray());
    } else if (type instanceof StringType) {
      writeVariable(out, ((String) value).getBytes(StandardCharsets.UTF_8));
    } else if (type instanceof BinaryType) {
      writeVariable(out, (byte[]) value);
    } else if (type instanceof DateType) {
      writeFixed(out, DateTimeUtils.anyToDays(value), 4);
    } else if (type instanceof TimestampType) {
      writeFixed(out, DateTimeUtils.anyToMicros(value), 8);
    } else if (type instanceof TimestampNTZType) {
      writeFixed(out, DateTimeUtils.localDateTimeToMicros((java.time.LocalDateTime) value), 8);
    } else {
      throw new IllegalStateException("unchecked type " + type.sql());
    }
  }

  private static BigInteger unscaled(DecimalType type, Object value) {
    BigDecimal decimal;
    if (value instanceof BigDecimal big) {
      decimal = big;
    } else if (value instanceof org.apache.spark.sql.types.Decimal sparkDecimal) {
      decimal = sparkDecimal.toJavaBigDecimal();
    } else if (value instanceof scala.math.BigDecimal scalaDecimal) {
      decimal = scalaDecimal.bigDecimal();
    } else {
      throw new ParleyException("a " + type.sql() + " group value is a " + value.getClass().getName());
    }
    BigInteger unscaled;
    try {
      unscaled = decimal.setScale(type.scale(), RoundingMode.UNNECESSARY).unscaledValue();
    } catch (ArithmeticException moreDigits) {
      throw new ParleyException("group value " + decimal.toPlainString() + " has more digits than " + type.sql());
    }
    if (unscaled.abs().compareTo(BigInteger.TEN.pow(type.precision())) >= 0) {
      throw new ParleyException("group value " + decimal.toPlainString() + " does not fit " + type.sql());
    }
    return unscaled;
  }

  private static void writeFixed(ByteArrayOutputStream out, long value, int bytes) {
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
      out.write((int) (value >>> shift));
    }
  }

  private static void writeVariable(ByteArrayOutputStream out, byte[] bytes) {
    writeFixed(out, bytes.length, 4);
    out.write(bytes, 0, bytes.length);
  }

  /**
   * The group values of {@code key}, as Spark's external row values of the grouping types ({@code
   * java.sql.Date}, {@code java.sql.Timestamp}, {@code LocalDateTime} for TIMESTAMP_NTZ, {@code
   * BigDecimal} at the type's scale, {@code byte[]}, ...), null for a null group value.
   *
   * @throws ParleyException if {@code key} is not a key of these types in this version
   */
  public Object[] decode(byte[] key) {
    ByteBuffer in = ByteBuffer.wrap(key);
    try {
      byte version = in.get();
      if (version != VERSION) {
        throw malformed("version " + version + ", expected " + VERSION);
      }
      Object[] values = new Object[types.size()];
      for (int i = 0; i < values.length; i++) {
        byte presence = in.get();
        if (presence == ABSENT) {
          values[i] = null;
        } else if (presence == PRESENT) {
          values[i] = decodeValue(types.get(i), in, i);
        } else {
          throw malformed("column " + i + " has presence byte " + presence);
        }
      }
      if (in.hasRemaining()) {
        throw malformed(in.remaining() + " bytes after the last column");
      }
      return values;
    } catch (BufferUnderflowException truncated) {
      throw malformed("it ends early (" + key.length + " bytes)");
    }
  }

  private static Object decodeValue(DataType type, ByteBuffer in, int column) {
    if (type instanceof BooleanType) {
      byte b = in.get();
      if (b != 0 && b != 1) {
        throw malformed("column " + column + " (BOOLEAN) holds byte " + b);
      }
      return b == 1;
    } else if (type instanceof ByteType) {
      return in.get();
    } else if (type instanceof ShortType) {
      return in.getShort();
    } else if (type instanceof IntegerType) {
      return in.getInt();
    } else if (type instanceof LongType) {
      return in.getLong();
    } else if (type instanceof FloatType) {
      int bits = in.getInt();
      if (bits != Float.floatToIntBits(Float.intBitsToFloat(bits)) || bits == Float.floatToIntBits(-0.0f)) {
        throw malformed("column " + column + " (FLOAT) is not canonical");
      }
      return Float.intBitsToFloat(bits);
    } else if (type instanceof DoubleType) {
      long bits = in.getLong();
      if (bits != Double.doubleToLongBits(Double.longBitsToDouble(bits)) || bits == Double.doubleToLongBits(-0.0)) {
        throw malformed("column " + column + " (DOUBLE) is not canonical");
      }
      return Double.longBitsToDouble(bits);
    } else if (type instanceof DecimalType decimal) {
      byte[] bytes = readVariable(in, column);
      if (bytes.length == 0) {
        throw malformed("column " + column + " (" + decimal.sql() + ") is empty");
      }
      BigInteger unscaled = new BigInteger(bytes);
      if (unscaled.toByteArray().length != bytes.length
          || unscaled.abs().compareTo(BigInteger.TEN.pow(decimal.precision())) >= 0) {
        throw malformed("column " + column + " does not hold a canonical " + decimal.sql());
      }
      return new BigDecimal(unscaled, decimal.scale());
    } else if (type instanceof StringType) {
      byte[] bytes = readVariable(in, column);
      try {
        CharBuffer chars =
            StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes));
        return chars.toString();
      } catch (CharacterCodingException notUtf8) {
        throw malformed("column " + column + " (STRING) is not UTF-8");
      }
    } else if (type instanceof BinaryType) {
      return readVariable(in, column);
    } else if (type instanceof DateType) {
      return DateTimeUtils.toJavaDate(in.getInt());
    } else if (type instanceof TimestampType) {
      return DateTimeUtils.toJavaTimestamp(in.getLong());
    } else if (type instanceof TimestampNTZType) {
      long micros = in.getLong();
      try {
        return DateTimeUtils.microsToLocalDateTime(micros);
      } catch (RuntimeException outOfRange) {
        throw malformed("column " + column + " (TIMESTAMP_NTZ) is out of range");
      }
    }
    throw new IllegalStateException("unchecked type " + type.sql());
  }

  private static byte[] readVariable(ByteBuffer in, int column) {
    int length = in.getInt();
    if (length < 0 || length > MAX_VARIABLE_LENGTH || length > in.remaining()) {
      throw malformed("column " + column + " declares " + length + " bytes, " + in.remaining() + " remain");
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }

  private static ParleyException malformed(String reason) {
    return new ParleyException("malformed group key: " + reason);
  }

  /** Canonical text of the key's types, for layout digests. */
  public String layout() {
    List<String> names = new ArrayList<>();
    for (DataType type : types) {
      names.add(type.sql());
    }
    return "group-key v" + VERSION + "(" + String.join(", ", names) + ")";
  }
}
