package io.parley.connector.shares;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

class OrderedValueCodecTest {
  @Test
  void doublesOrderAsSparkOrdersThemAndDecodeExactly() {
    List<Double> values = new ArrayList<>(List.of(Double.NEGATIVE_INFINITY, -Double.MAX_VALUE, -1.0, -Double.MIN_VALUE,
        0.0, Double.MIN_VALUE, 1.0, Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NaN));
    Random random = new Random(7);
    for (int i = 0; i < 200; i++) {
      values.add(random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20));
    }
    OrderedValueCodec codec = OrderedValueCodec.of(DataTypes.DoubleType);
    for (Double a : values) {
      assertEquals(a, (Double) codec.decode(codec.encode(a)), "round trip of " + a);
      for (Double b : values) {
        // Double.compare orders NaN last, as Spark does; only -0.0 vs 0.0 differ (Spark: equal).
        assertEquals(Integer.signum(Double.compare(a, b)), Long.signum(Long.compare(codec.encode(a), codec.encode(b))),
            a + " vs " + b);
      }
    }
    assertEquals(codec.encode(0.0), codec.encode(-0.0));
    assertEquals(0x7ff8000000000000L, codec.encode(Double.longBitsToDouble(0x7ff8000000000123L)));
    Collections.sort(values);
    assertTrue(codec.toDouble(codec.encode(values.get(0))) == Double.NEGATIVE_INFINITY);
  }

  @Test
  void integralsDecimalsAndFloatsKeepTheirTypes() {
    assertEquals(Long.MIN_VALUE, OrderedValueCodec.of(DataTypes.LongType).encode(Long.MIN_VALUE));
    assertEquals((byte) -128, OrderedValueCodec.of(DataTypes.ByteType).decode(-128));
    assertEquals((short) 300, OrderedValueCodec.of(DataTypes.ShortType).decode(300));
    assertEquals(-1, OrderedValueCodec.of(DataTypes.IntegerType).decode(-1));
    OrderedValueCodec decimal = OrderedValueCodec.of(DataTypes.createDecimalType(18, 3));
    assertEquals(-999999999999999999L, decimal.encode(new BigDecimal("-999999999999999.999")));
    assertEquals(new BigDecimal("-0.001"), decimal.decode(decimal.encode(new BigDecimal("-0.001"))));
    assertEquals(2.5, decimal.toDouble(decimal.encode(new BigDecimal("2.500"))));
    OrderedValueCodec floats = OrderedValueCodec.of(DataTypes.FloatType);
    assertEquals(-7.25f, floats.decode(floats.encode(-7.25f)));
    assertTrue(floats.encode(Float.NaN) > floats.encode(Float.POSITIVE_INFINITY));
    assertThrows(ParleyException.class, () -> OrderedValueCodec.of(DataTypes.IntegerType).decode(1L << 40));
  }

  @Test
  void wideDecimalsAndOtherTypesAreRefused() {
    assertFalse(OrderedValueCodec.supports(DataTypes.createDecimalType(19, 0)));
    assertFalse(OrderedValueCodec.supports(DataTypes.StringType));
    assertEquals("values of type DECIMAL(19,0) cannot be compared on shares: supported are TINYINT, SMALLINT, INT,"
            + " BIGINT, DECIMAL(p<=18), FLOAT and DOUBLE",
        assertThrows(ParleyException.class, () -> OrderedValueCodec.of(DataTypes.createDecimalType(19, 0))).getMessage());
  }
}
