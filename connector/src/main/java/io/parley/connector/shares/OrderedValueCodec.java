package io.parley.connector.shares;

import io.parley.protocols.ParleyException;
import java.io.Serializable;
import java.math.BigDecimal;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * Values of one Spark type as signed longs whose signed order is Spark's order of the values, so
 * that comparisons on shares compare the values. Exact both ways:
 *
 * <ul>
 *   <li>integral types: the value itself;
 *   <li>DECIMAL(p &lt;= 18): the unscaled value;
 *   <li>DOUBLE and FLOAT (as DOUBLE): the IEEE bits, with the low 63 bits of negative values
 *       flipped ({@code bits ^ ((bits >> 63) & 0x7fffffffffffffffL)}), so negative values order
 *       below positive ones and among themselves by magnitude reversed. NaN is canonicalised to
 *       {@code 0x7ff8000000000000}, above +Infinity as Spark orders it, and -0.0 to 0.0, which
 *       Spark's ordering treats as equal.
 * </ul>
 */
public final class OrderedValueCodec implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The widest DECIMAL whose unscaled values always fit a long. */
  public static final int MAX_DECIMAL_PRECISION = 18;
  private static final long CANONICAL_NAN = 0x7ff8000000000000L;

  private enum Kind { BYTE, SHORT, INT, LONG, DECIMAL, FLOAT, DOUBLE }

  private final DataType type;
  private final Kind kind;
  private final int scale;

  private OrderedValueCodec(DataType type, Kind kind, int scale) {
    this.type = type;
    this.kind = kind;
    this.scale = scale;
  }

  /** Whether values of {@code type} can be compared on shares. */
  public static boolean supports(DataType type) {
    return kindOf(type) != null;
  }

  /**
   * The codec of {@code type}.
   *
   * @throws ParleyException for types other than integral, DECIMAL(p &lt;= 18), FLOAT and DOUBLE
   */
  public static OrderedValueCodec of(DataType type) {
    Kind kind = kindOf(type);
    if (kind == null) {
      throw new ParleyException("values of type " + type.sql() + " cannot be compared on shares: supported are"
          + " TINYINT, SMALLINT, INT, BIGINT, DECIMAL(p<=" + MAX_DECIMAL_PRECISION + "), FLOAT and DOUBLE");
    }
    return new OrderedValueCodec(type, kind, type instanceof DecimalType decimal ? decimal.scale() : 0);
  }

  private static Kind kindOf(DataType type) {
    if (type instanceof ByteType) {
      return Kind.BYTE;
    } else if (type instanceof ShortType) {
      return Kind.SHORT;
    } else if (type instanceof IntegerType) {
      return Kind.INT;
    } else if (type instanceof LongType) {
      return Kind.LONG;
    } else if (type instanceof DecimalType decimal && decimal.precision() <= MAX_DECIMAL_PRECISION) {
      return Kind.DECIMAL;
    } else if (type instanceof FloatType) {
      return Kind.FLOAT;
    } else if (type instanceof DoubleType) {
      return Kind.DOUBLE;
    }
    return null;
  }

  public DataType type() {
    return type;
  }

  /** The ordered encoding of a non-null Spark external value of this codec's type. */
  public long encode(Object value) {
    return switch (kind) {
      case BYTE, SHORT, INT, LONG -> ((Number) value).longValue();
      case DECIMAL -> ((BigDecimal) value).setScale(scale, java.math.RoundingMode.UNNECESSARY).unscaledValue().longValueExact();
      case FLOAT -> encodeDouble(((Float) value).doubleValue());
      case DOUBLE -> encodeDouble((Double) value);
    };
  }

  /** The Spark external value (Byte, Short, Integer, Long, BigDecimal, Float, Double) of an encoding. */
  public Object decode(long encoded) {
    return switch (kind) {
      case BYTE -> (byte) checkedRange(encoded, Byte.MIN_VALUE, Byte.MAX_VALUE);
      case SHORT -> (short) checkedRange(encoded, Short.MIN_VALUE, Short.MAX_VALUE);
      case INT -> (int) checkedRange(encoded, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case LONG -> encoded;
      case DECIMAL -> BigDecimal.valueOf(encoded, scale);
      case FLOAT -> (float) decodeDouble(encoded);
      case DOUBLE -> decodeDouble(encoded);
    };
  }

  /** The value of an encoding as a double (Spark's percentile interpolates in DOUBLE). */
  public double toDouble(long encoded) {
    return switch (kind) {
      case BYTE, SHORT, INT, LONG -> (double) encoded;
      case DECIMAL -> BigDecimal.valueOf(encoded, scale).doubleValue();
      case FLOAT, DOUBLE -> decodeDouble(encoded);
    };
  }

  static long encodeDouble(double value) {
    if (Double.isNaN(value)) {
      return CANONICAL_NAN;
    }
    long bits = Double.doubleToRawLongBits(value == 0.0 ? 0.0 : value);
    return bits ^ ((bits >> 63) & 0x7fffffffffffffffL);
  }

  static double decodeDouble(long encoded) {
    // The flip is an involution: the sign bit is kept, so it tells whether to undo it.
    return Double.longBitsToDouble(encoded ^ ((encoded >> 63) & 0x7fffffffffffffffL));
  }

  private long checkedRange(long encoded, long min, long max) {
    if (encoded < min || encoded > max) {
      throw new ParleyException("a value decoded on shares (" + encoded + ") is outside the range of " + type.sql());
    }
    return encoded;
  }

  @Override
  public String toString() {
    return "OrderedValueCodec[" + type.sql() + "]";
  }
}
