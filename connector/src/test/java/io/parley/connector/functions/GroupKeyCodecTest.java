package io.parley.connector.functions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

class GroupKeyCodecTest {
  private static final List<DataType> ALL_TYPES =
      List.of(DataTypes.BooleanType, DataTypes.ByteType, DataTypes.ShortType, DataTypes.IntegerType,
          DataTypes.LongType, DataTypes.FloatType, DataTypes.DoubleType, DataTypes.createDecimalType(12, 2),
          DataTypes.StringType, DataTypes.BinaryType, DataTypes.DateType, DataTypes.TimestampType,
          DataTypes.TimestampNTZType);

  private static Object[] randomValues(Random random) {
    byte[] binary = new byte[random.nextInt(6)];
    random.nextBytes(binary);
    return new Object[] {
      random.nextBoolean(), (byte) random.nextInt(), (short) random.nextInt(), random.nextInt(), random.nextLong(),
      random.nextFloat() * 1e6f - 5e5f, random.nextGaussian() * 1e12,
      BigDecimal.valueOf(random.nextLong() % 1_000_000_000_000L, 2),
      "région " + random.nextInt(1000) + " \uD83D\uDE00", binary,
      Date.valueOf(LocalDate.ofEpochDay(random.nextInt(40_000) - 20_000)),
      Timestamp.from(Instant.ofEpochSecond(random.nextInt(), random.nextInt(1_000_000) * 1000L)),
      LocalDateTime.of(1900 + random.nextInt(300), 1 + random.nextInt(12), 1 + random.nextInt(28),
          random.nextInt(24), random.nextInt(60), random.nextInt(60), random.nextInt(1_000_000) * 1000)
    };
  }

  @Test
  void everyTypeRoundTripsWithAndWithoutNulls() {
    GroupKeyCodec codec = new GroupKeyCodec(ALL_TYPES);
    Random random = new Random(42);
    for (int trial = 0; trial < 200; trial++) {
      Object[] values = randomValues(random);
      for (int k = 0; k < values.length; k++) {
        if (random.nextInt(5) == 0) {
          values[k] = null;
        }
      }
      Object[] withPrefix = new Object[values.length + 2];
      withPrefix[0] = "not a key";
      System.arraycopy(values, 0, withPrefix, 2, values.length);
      byte[] key = codec.encode(RowFactory.create(withPrefix), 2);
      Object[] decoded = codec.decode(key);
      assertEquals(values.length, decoded.length);
      for (int k = 0; k < values.length; k++) {
        if (values[k] instanceof byte[] bytes) {
          assertArrayEquals(bytes, (byte[]) decoded[k]);
        } else {
          assertEquals(values[k], decoded[k], ALL_TYPES.get(k).sql());
        }
      }
      assertArrayEquals(key, codec.encode(RowFactory.create(decoded), 0), "decoded values re-encode alike");
    }
  }

  @Test
  void valuesSparkGroupTogetherGiveEqualBytes() {
    GroupKeyCodec codec = new GroupKeyCodec(List.of(DataTypes.DoubleType, DataTypes.FloatType,
        DataTypes.createDecimalType(12, 2), DataTypes.DateType, DataTypes.TimestampType));
    LocalDate day = LocalDate.of(2024, 2, 29);
    Instant instant = Instant.parse("2024-02-29T12:34:56.123456Z");
    byte[] first = codec.encode(RowFactory.create(-0.0, -0.0f, new BigDecimal("1.5"), Date.valueOf(day), Timestamp.from(instant)), 0);
    byte[] second = codec.encode(RowFactory.create(0.0, 0.0f, new BigDecimal("1.50"), day, instant), 0);
    assertArrayEquals(first, second);
    byte[] nan = codec.encode(RowFactory.create(Double.NaN, Float.NaN, BigDecimal.ONE, day, instant), 0);
    byte[] otherNan = codec.encode(RowFactory.create(Double.longBitsToDouble(0x7ff8_0000_0000_1234L),
        Float.intBitsToFloat(0xffc0_0001), new BigDecimal("1.00"), day, instant), 0);
    assertArrayEquals(nan, otherNan);
    assertFalse(Arrays.equals(first, nan));
  }

  @Test
  void theEmptyKeyIsTheVersionByte() {
    GroupKeyCodec codec = new GroupKeyCodec(List.of());
    byte[] key = codec.encode(RowFactory.create(1L, 2L), 2);
    assertArrayEquals(new byte[] {GroupKeyCodec.VERSION}, key);
    assertEquals(0, codec.decode(key).length);
  }

  @Test
  void differentValuesGiveDifferentBytes() {
    GroupKeyCodec codec = new GroupKeyCodec(List.of(DataTypes.StringType, DataTypes.IntegerType));
    byte[] ab = codec.encode(RowFactory.create("a", 1), 0);
    assertFalse(Arrays.equals(ab, codec.encode(RowFactory.create("a", 2), 0)));
    assertFalse(Arrays.equals(ab, codec.encode(RowFactory.create("a", null), 0)));
    assertFalse(Arrays.equals(ab, codec.encode(RowFactory.create("", 1), 0)));
    assertFalse(Arrays.equals(codec.encode(RowFactory.create(null, 0), 0), codec.encode(RowFactory.create("", 0), 0)));
  }

  @Test
  void complexAndCollatedTypesAreRefused() {
    ParleyException array = assertThrows(ParleyException.class,
        () -> new GroupKeyCodec(List.of(DataTypes.createArrayType(DataTypes.IntegerType))));
    assertEquals("GROUP BY of type ARRAY<INT> is not supported", array.getMessage());
    assertThrows(ParleyException.class,
        () -> new GroupKeyCodec(List.of(DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType))));
    ParleyException collated = assertThrows(ParleyException.class,
        () -> new GroupKeyCodec(List.of(org.apache.spark.sql.types.StringType$.MODULE$.apply("UNICODE_CI"))));
    assertTrue(collated.getMessage().contains("UNICODE_CI"), collated.getMessage());
  }

  @Test
  void malformedKeysAreRejected() {
    GroupKeyCodec codec = new GroupKeyCodec(List.of(DataTypes.BooleanType, DataTypes.StringType,
        DataTypes.createDecimalType(4, 1), DataTypes.DoubleType));
    byte[] good = codec.encode(RowFactory.create(true, "ok", new BigDecimal("123.4"), 1.0), 0);
    assertEquals(4, codec.decode(good).length);

    List<byte[]> bad = new ArrayList<>();
    bad.add(new byte[0]);
    bad.add(withByte(good, 0, (byte) 2)); // version
    bad.add(Arrays.copyOf(good, good.length - 1)); // truncated
    bad.add(Arrays.copyOf(good, good.length + 1)); // trailing byte
    bad.add(withByte(good, 1, (byte) 7)); // presence byte
    bad.add(withByte(good, 2, (byte) 2)); // boolean other than 0/1
    bad.add(withByte(good, 6, (byte) 0x7f)); // string length beyond the key
    bad.add(withByte(good, 8, (byte) 0xC3)); // "ok" becomes invalid UTF-8 ("\xC3k")
    byte[] tooManyDigits = codec.encode(RowFactory.create(true, "ok", new BigDecimal("999.9"), 1.0), 0);
    bad.add(withByte(tooManyDigits, 15, (byte) 0x7f)); // unscaled 0x7f0f = 32527 > 9999
    byte[] negativeZero = good.clone();
    long bits = Double.doubleToRawLongBits(-0.0);
    for (int k = 0; k < 8; k++) {
      negativeZero[good.length - 8 + k] = (byte) (bits >>> (56 - 8 * k));
    }
    bad.add(negativeZero);
    for (byte[] key : bad) {
      ParleyException error = assertThrows(ParleyException.class, () -> codec.decode(key), Arrays.toString(key));
      assertTrue(error.getMessage().startsWith("malformed group key: "), error.getMessage());
    }
  }

  @Test
  void decimalsWiderThanTheTypeAreRefusedWhenEncoding() {
    GroupKeyCodec codec = new GroupKeyCodec(List.of(DataTypes.createDecimalType(4, 1)));
    assertThrows(ParleyException.class, () -> codec.encode(RowFactory.create(new BigDecimal("1.25")), 0));
    assertThrows(ParleyException.class, () -> codec.encode(RowFactory.create(new BigDecimal("1000.0")), 0));
    Row fits = RowFactory.create(new BigDecimal("-999.9"));
    assertEquals(new BigDecimal("-999.9"), codec.decode(codec.encode(fits, 0))[0]);
  }

  @Test
  void layoutNamesTheTypes() {
    assertEquals("group-key v1(STRING, DECIMAL(12,2))",
        new GroupKeyCodec(List.of(DataTypes.StringType, DataTypes.createDecimalType(12, 2))).layout());
  }

  private static byte[] withByte(byte[] key, int index, byte value) {
    byte[] copy = key.clone();
    copy[index] = value;
    return copy;
  }

  static {
    // The test's multi-byte string must survive the platform charset.
    assertEquals(4, "\uD83D\uDE00".getBytes(StandardCharsets.UTF_8).length);
  }
}
