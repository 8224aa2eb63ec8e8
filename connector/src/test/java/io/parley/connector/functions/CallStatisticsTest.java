package io.parley.connector.functions;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Secure aggregation without the network: seeded random rows are split among three parties, each
 * party's local aggregates are computed with Spark and encoded, the word vectors are added mod 2^64,
 * and the finished result is compared with Spark's plain function over the pooled rows.
 */
class CallStatisticsTest {
  private static final int PARTIES = 3;
  private static final double RELATIVE_TOLERANCE = 1e-9;
  private static final StructType SCHEMA =
      new StructType()
          .add("party", DataTypes.IntegerType, false)
          .add("g", DataTypes.StringType, false)
          .add("i", DataTypes.IntegerType)
          .add("i2", DataTypes.IntegerType)
          .add("l", DataTypes.LongType)
          .add("l2", DataTypes.LongType)
          .add("d", DataTypes.createDecimalType(12, 2))
          .add("d2", DataTypes.createDecimalType(12, 2))
          .add("x", DataTypes.DoubleType)
          .add("x2", DataTypes.DoubleType);

  private static SparkSession spark;
  private static Dataset<Row> rows;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("CallStatisticsTest")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    rows = spark.createDataFrame(generate(new Random(0x5EC0DEL)), SCHEMA).cache();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /** Groups chosen for their edge cases; values split among the parties at random. */
  private static List<Row> generate(Random random) {
    List<Row> out = new ArrayList<>();
    for (int k = 0; k < 240; k++) {
      out.add(row(random.nextInt(PARTIES), "mixed", random, 0.1,
          () -> random.nextInt(2001) - 1000,
          () -> random.nextLong() >> 20,
          () -> BigDecimal.valueOf(random.nextLong() % 100_000_000L, 2),
          () -> (random.nextDouble() - 0.5) * 2000));
    }
    out.add(row(1, "single", random, 0.0, () -> -17, () -> -123456789012L,
        () -> new BigDecimal("-42.17"), () -> -3.25));
    for (int party = 0; party < PARTIES; party += 2) {
      out.add(RowFactory.create(party, "allnull", null, null, null, null, null, null, null, null));
      out.add(RowFactory.create(party, "allnull", null, null, null, null, null, null, null, null));
    }
    for (int k = 0; k < 30; k++) {
      out.add(row(2, "oneparty", random, 0.1, () -> random.nextInt(), () -> random.nextLong() >> 3,
          () -> BigDecimal.valueOf(random.nextLong() % 1_000_000_000_000L, 2),
          () -> random.nextGaussian() * 1e6));
    }
    for (int k = 0; k < 40; k++) {
      out.add(row(random.nextInt(PARTIES), "largepos", random, 0.05,
          () -> Integer.MAX_VALUE - random.nextInt(1 << 30),
          () -> Long.MAX_VALUE - (random.nextLong() >>> 2),
          () -> new BigDecimal("9999999999.99").subtract(BigDecimal.valueOf(random.nextInt(1 << 30), 2)),
          () -> 1e15 * (1 + random.nextDouble())));
      out.add(row(random.nextInt(PARTIES), "largeneg", random, 0.05,
          () -> Integer.MIN_VALUE + random.nextInt(1 << 30),
          () -> Long.MIN_VALUE + (random.nextLong() >>> 2),
          () -> new BigDecimal("-9999999999.99").add(BigDecimal.valueOf(random.nextInt(1 << 30), 2)),
          () -> -1e15 * (1 + random.nextDouble())));
    }
    for (int k = 0; k < 20; k++) {
      out.add(row(random.nextInt(PARTIES), "constant", random, 0.0, () -> 7, () -> 7L,
          () -> new BigDecimal("7.25"), () -> 0.1));
    }
    for (int k = 0; k < 100; k++) {
      out.add(row(random.nextInt(PARTIES), "bigmean", random, 0.0,
          () -> 1_000_000 + random.nextInt(2001) - 1000,
          () -> 4_000_000_000L + random.nextInt(2_000_001) - 1_000_000,
          () -> BigDecimal.valueOf(100_000_000L + random.nextInt(200_001) - 100_000, 2),
          () -> 1e4 + random.nextGaussian()));
    }
    return out;
  }

  private static Row row(int party, String group, Random random, double nullRate,
      java.util.function.Supplier<Integer> ints, java.util.function.Supplier<Long> longs,
      java.util.function.Supplier<BigDecimal> decimals, java.util.function.Supplier<Double> doubles) {
    Object[] values = new Object[10];
    values[0] = party;
    values[1] = group;
    for (int k = 0; k < 2; k++) {
      values[2 + k] = random.nextDouble() < nullRate ? null : ints.get();
      values[4 + k] = random.nextDouble() < nullRate ? null : longs.get();
      values[6 + k] = random.nextDouble() < nullRate ? null : decimals.get();
      values[8 + k] = random.nextDouble() < nullRate ? null : doubles.get();
    }
    return RowFactory.create(values);
  }

  @TestFactory
  Stream<DynamicTest> everyFunctionMatchesSparkOverThePooledRows() {
    List<DynamicTest> tests = new ArrayList<>();
    List<List<String>> single = List.of(List.of("i"), List.of("l"), List.of("d"), List.of("x"));
    List<List<String>> paired =
        List.of(List.of("i", "i2"), List.of("l", "l2"), List.of("d", "d2"), List.of("x", "x2"),
            List.of("i", "x2"), List.of("d", "l2"));
    for (boolean ansi : new boolean[] {true, false}) {
      for (SecureFunction function : SecureFunction.values()) {
        if (function == SecureFunction.MEDIAN || function == SecureFunction.PERCENTILE || (function.compares() && !ansi)) {
          continue; // per value, on shares: ShareSqlEndToEndTest; and ANSI mode changes no comparison
        }
        List<List<String>> argumentLists = new ArrayList<>(function.maxArguments() == 2 ? paired : single);
        if (function == SecureFunction.MAX_BY || function == SecureFunction.MIN_BY) {
          // Orderings without ties across rows (or, in group constant, with equal x), so the row is Spark's.
          argumentLists = List.of(List.of("i", "x2"), List.of("d", "x2"), List.of("l", "x2"), List.of("x", "l2"));
        }
        if (function == SecureFunction.COUNT) {
          argumentLists.add(List.of());
        }
        for (List<String> arguments : argumentLists) {
          String name = plainCall(function, arguments) + (ansi ? " ansi" : " non-ansi");
          tests.add(DynamicTest.dynamicTest(name, () -> assertMatchesSpark(function, arguments, ansi)));
        }
      }
    }
    return tests.stream();
  }

  private static void assertMatchesSpark(SecureFunction function, List<String> arguments, boolean ansi) {
    spark.conf().set("spark.sql.ansi.enabled", ansi);
    try {
      CallStatistics statistics = CallStatistics.of(function, types(arguments), ansi, false);
      if (function.compares()) {
        assertComparedMatchesSpark(statistics, arguments);
        return;
      }
      Map<String, long[]> pooled = pooledByGroup(statistics, rows, arguments);
      String plain = plainCall(function, arguments);

      Dataset<Row> plainQuery = rows.groupBy(col("g")).agg(expr(plain));
      assertEquals(plainQuery.schema().fields()[1].dataType(), statistics.resultType(), "result type of " + plain);
      Map<String, Object> expected = new TreeMap<>();
      Map<String, RuntimeException> sparkErrors = new TreeMap<>();
      try {
        for (Row row : plainQuery.collectAsList()) {
          expected.put(row.getString(0), row.get(1));
        }
      } catch (RuntimeException someGroupFails) {
        for (String group : pooled.keySet()) {
          try {
            expected.put(group, rows.where(col("g").equalTo(group)).agg(expr(plain)).first().get(0));
          } catch (RuntimeException error) {
            sparkErrors.put(group, error);
          }
        }
      }
      assertEquals(pooled.keySet().size(), expected.size() + sparkErrors.size(), "groups");
      for (Map.Entry<String, long[]> group : pooled.entrySet()) {
        String what = plain + " for group " + group.getKey() + (ansi ? " (ANSI)" : "");
        if (sparkErrors.containsKey(group.getKey())) {
          assertThrows(ParleyException.class, () -> statistics.finish(group.getValue(), 0),
              what + ": Spark fails with " + sparkErrors.get(group.getKey()).getMessage());
        } else {
          assertTrue(expected.containsKey(group.getKey()), what);
          assertSparkValue(expected.get(group.getKey()), statistics.finish(group.getValue(), 0), what);
        }
      }
    } finally {
      spark.conf().unset("spark.sql.ansi.enabled");
    }
  }

  /**
   * The comparing calls by the insecure reference of what the parties compute on shares: each
   * party's candidate (its local extreme, or the sentinel and the absent flag where it has no
   * value) combined in party order, the right one taken when its key wins or the left one is
   * absent and the right one is not.
   */
  private static void assertComparedMatchesSpark(CallStatistics statistics, List<String> arguments) {
    String plain = plainCall(statistics.function(), arguments);
    List<Column> local = statistics.localAggregates(arguments.stream().map(a -> col(a)).toList());
    Column[] rest = local.subList(1, local.size()).toArray(new Column[0]);
    Map<String, long[][]> byGroup = new TreeMap<>();
    for (Row partial : rows.groupBy(col("party"), col("g")).agg(local.get(0), rest).collectAsList()) {
      long[][] candidates = byGroup.computeIfAbsent(partial.getString(1), g -> {
        long[][] absent = new long[PARTIES][statistics.words()];
        for (long[] words : absent) {
          statistics.encodeAbsent(words, 0);
        }
        return absent;
      });
      statistics.encode(partial, 2, candidates[partial.getInt(0)], 0);
    }
    boolean smallest = statistics.function() == SecureFunction.MIN || statistics.function() == SecureFunction.MIN_BY;
    boolean by = statistics.words() == CallStatistics.EXTREME_BY_WORDS;
    int absentWord = statistics.words() - 1;
    Map<String, Object> expected = new TreeMap<>();
    for (Row row : rows.groupBy(col("g")).agg(expr(plain)).collectAsList()) {
      expected.put(row.getString(0), row.get(1));
    }
    assertEquals(expected.keySet(), byGroup.keySet(), "groups of " + plain);
    for (Map.Entry<String, long[][]> group : byGroup.entrySet()) {
      long[] best = group.getValue()[0];
      for (long[] right : List.of(group.getValue()[1], group.getValue()[2])) {
        boolean wins = smallest ? right[0] < best[0] : best[0] < right[0];
        if (wins || (best[absentWord] == 1 && right[absentWord] == 0)) {
          best = right;
        }
      }
      Object secure = statistics.finishCompared(best[0], by ? best[1] : 0, by && best[2] == 1, best[absentWord] == 1);
      assertSparkValue(expected.get(group.getKey()), secure, plain + " for group " + group.getKey());
    }
  }

  /** Each party's local aggregates, encoded, summed word by word over the parties per group. */
  private static Map<String, long[]> pooledByGroup(CallStatistics statistics, Dataset<Row> data, List<String> arguments) {
    List<Column> local = statistics.localAggregates(arguments.stream().map(a -> col(a)).toList());
    Column[] rest = local.subList(1, local.size()).toArray(new Column[0]);
    List<Row> partials = data.groupBy(col("party"), col("g")).agg(local.get(0), rest).collectAsList();
    Map<String, long[]> pooled = new TreeMap<>();
    for (Row partial : partials) {
      long[] words = new long[statistics.words()];
      statistics.encode(partial, 2, words, 0);
      long[] sum = pooled.computeIfAbsent(partial.getString(1), g -> new long[statistics.words()]);
      for (int w = 0; w < words.length; w++) {
        sum[w] += words[w];
      }
    }
    return pooled;
  }

  private static List<DataType> types(List<String> columns) {
    return columns.stream().map(c -> SCHEMA.apply(c).dataType()).toList();
  }

  private static String plainCall(SecureFunction function, List<String> arguments) {
    String name = function.sqlName().substring("secure_".length());
    return name + "(" + (arguments.isEmpty() ? "*" : String.join(", ", arguments)) + ")";
  }

  static void assertSparkValue(Object expected, Object actual, String what) {
    if (expected == null) {
      assertNull(actual, what);
      return;
    }
    assertNotNull(actual, what + ": expected " + expected);
    assertEquals(expected.getClass(), actual.getClass(), what);
    if (expected instanceof Double e) {
      double a = (Double) actual;
      if (Double.isNaN(e) || Double.isInfinite(e) || e == 0.0) {
        assertEquals(e, a, 0.0, what);
      } else {
        assertEquals(e, a, RELATIVE_TOLERANCE * Math.abs(e), what);
      }
    } else {
      assertEquals(expected, actual, what); // Long, and BigDecimal with its scale
    }
  }

  /**
   * Where Spark's double arithmetic rounds visibly (values around 4·10^12 spread by 10^6: Spark's
   * covariance update loses about 8 digits), the exact statistics give the exactly rounded result.
   */
  @Test
  void exactMomentsAreExactWhereSparksDoublesRound() {
    Random random = new Random(7);
    List<Row> data = new ArrayList<>();
    for (int k = 0; k < 100; k++) {
      data.add(RowFactory.create(random.nextInt(PARTIES), "g",
          4_000_000_000_000L + random.nextInt(2_000_001) - 1_000_000, (long) random.nextInt(2_000_001)));
    }
    StructType schema = new StructType().add("party", DataTypes.IntegerType).add("g", DataTypes.StringType)
        .add("a", DataTypes.LongType).add("b", DataTypes.LongType);
    Dataset<Row> frame = spark.createDataFrame(data, schema);
    BigDecimal n = BigDecimal.valueOf(data.size());
    BigDecimal sumA = BigDecimal.ZERO;
    BigDecimal sumB = BigDecimal.ZERO;
    BigDecimal sumAb = BigDecimal.ZERO;
    for (Row row : data) {
      BigDecimal a = BigDecimal.valueOf(row.getLong(2));
      BigDecimal b = BigDecimal.valueOf(row.getLong(3));
      sumA = sumA.add(a);
      sumB = sumB.add(b);
      sumAb = sumAb.add(a.multiply(b));
    }
    double exact = n.multiply(sumAb).subtract(sumA.multiply(sumB))
        .divide(n.multiply(n.subtract(BigDecimal.ONE)), java.math.MathContext.DECIMAL128).doubleValue();
    CallStatistics statistics = CallStatistics.of(SecureFunction.COVAR_SAMP, types(List.of("l", "l2")), true, false);
    double secure = (Double) statistics.finish(pooledByGroup(statistics, frame, List.of("a", "b")).get("g"), 0);
    assertEquals(exact, secure, Math.ulp(exact));
    double plain = frame.agg(expr("covar_samp(a, b)")).first().getDouble(0);
    assertEquals(exact, plain, 1e-6 * Math.abs(exact), "Spark's own result is only this close");
  }

  @Test
  void noRowsAtAllGiveSparksEmptyAggregate() {
    Dataset<Row> none = rows.where(lit(false));
    for (SecureFunction function : SecureFunction.values()) {
      if (function == SecureFunction.MEDIAN || function == SecureFunction.PERCENTILE) {
        continue;
      }
      List<String> arguments = function.maxArguments() == 2 ? List.of("d", "x") : List.of("l");
      CallStatistics statistics = CallStatistics.of(function, types(arguments), true, false);
      Object expected = none.agg(expr(plainCall(function, arguments))).first().get(0);
      Object secure = function.compares()
          ? statistics.finishCompared(0, 0, false, true)
          : statistics.finish(new long[statistics.words()], 0);
      assertSparkValue(expected, secure, function.sqlName());
    }
  }

  @Test
  void decimalSumOverflowIsAnAnsiErrorOrNullAsInSpark() {
    DataType wide = DataTypes.createDecimalType(38, 10);
    StructType schema = new StructType().add("party", DataTypes.IntegerType).add("g", DataTypes.StringType).add("v", wide);
    BigDecimal big = new BigDecimal("9000000000000000000000000000.0000000000");
    List<Row> data = List.of(
        RowFactory.create(0, "pooled", big), RowFactory.create(1, "pooled", big),
        RowFactory.create(2, "local", big), RowFactory.create(2, "local", big),
        RowFactory.create(0, "fits", big), RowFactory.create(1, "fits", big.negate()));
    Dataset<Row> frame = spark.createDataFrame(data, schema);
    for (SecureFunction function : List.of(SecureFunction.SUM, SecureFunction.AVG)) {
      // Non-ANSI: Spark gives null for overflow, whether in one party's part or in the total.
      spark.conf().set("spark.sql.ansi.enabled", false);
      try {
        CallStatistics lenient = CallStatistics.of(function, List.of(wide), false, false);
        Map<String, long[]> pooled = pooledByGroup(lenient, frame, List.of("v"));
        Map<String, Object> expected = new HashMap<>();
        for (Row row : frame.groupBy("g").agg(expr(plainCall(function, List.of("v")))).collectAsList()) {
          expected.put(row.getString(0), row.get(1));
        }
        assertNull(expected.get("pooled"));
        assertNull(expected.get("local"));
        for (String group : List.of("pooled", "local", "fits")) {
          assertSparkValue(expected.get(group), lenient.finish(pooled.get(group), 0), function + " " + group);
        }
      } finally {
        spark.conf().unset("spark.sql.ansi.enabled");
      }
      // ANSI: an overflow of the total is an error; so is Spark's own (each party's local sum fits here).
      CallStatistics strict = CallStatistics.of(function, List.of(wide), true, false);
      Dataset<Row> pooledOnly = frame.where(col("g").equalTo("pooled"));
      assertThrows(RuntimeException.class, () -> pooledOnly.agg(expr(plainCall(function, List.of("v")))).collectAsList());
      long[] total = pooledByGroup(strict, pooledOnly, List.of("v")).get("pooled");
      ParleyException error = assertThrows(ParleyException.class, () -> strict.finish(total, 0));
      assertTrue(error.getMessage().contains("spark.sql.ansi.enabled"), error.getMessage());
    }
  }

  @Test
  void bigintSumWrapsAroundWithoutAnsiAndFailsWithAnsi() {
    StructType schema = new StructType().add("party", DataTypes.IntegerType).add("g", DataTypes.StringType)
        .add("v", DataTypes.LongType);
    Dataset<Row> frame = spark.createDataFrame(
        List.of(RowFactory.create(0, "g", Long.MAX_VALUE), RowFactory.create(1, "g", Long.MAX_VALUE),
            RowFactory.create(2, "g", 5L)), schema);
    CallStatistics lenient = CallStatistics.of(SecureFunction.SUM, List.of(DataTypes.LongType), false, false);
    long[] pooled = pooledByGroup(lenient, frame, List.of("v")).get("g");
    assertEquals(Long.MAX_VALUE + Long.MAX_VALUE + 5L, lenient.finish(pooled, 0));
    CallStatistics strict = CallStatistics.of(SecureFunction.SUM, List.of(DataTypes.LongType), true, false);
    assertThrows(ParleyException.class, () -> strict.finish(pooled, 0));
    // The exact total decides, not an intermediate sum: MAX + MAX - MAX fits.
    long[] fits = pooled.clone();
    long[] minus = new long[strict.words()];
    Row negative = RowFactory.create(1L, BigDecimal.valueOf(Long.MAX_VALUE).add(BigDecimal.valueOf(5)).negate());
    strict.encode(negative, 0, minus, 0);
    for (int w = 0; w < fits.length; w++) {
      fits[w] += minus[w];
    }
    assertEquals(Long.MAX_VALUE, strict.finish(fits, 0));
  }

  @Test
  void sessionSettingsDecideTheSemantics() {
    SparkSession.setActiveSession(spark);
    StructType schema = new StructType().add("party", DataTypes.IntegerType).add("g", DataTypes.StringType)
        .add("v", DataTypes.DoubleType);
    Dataset<Row> oneRow = spark.createDataFrame(List.of(RowFactory.create(0, "g", 2.5)), schema);
    for (boolean legacy : new boolean[] {false, true}) {
      spark.conf().set("spark.sql.legacy.statisticalAggregate", legacy);
      try {
        for (SecureFunction function : List.of(SecureFunction.VAR_SAMP, SecureFunction.STDDEV_SAMP, SecureFunction.VAR_POP)) {
          CallStatistics statistics = CallStatistics.of(function, List.of(DataTypes.DoubleType));
          Object expected = oneRow.agg(expr(plainCall(function, List.of("v")))).first().get(0);
          assertSparkValue(expected, statistics.finish(pooledByGroup(statistics, oneRow, List.of("v")).get("g"), 0),
              function + " legacy=" + legacy);
        }
      } finally {
        spark.conf().unset("spark.sql.legacy.statisticalAggregate");
      }
    }
    assertEquals(Double.NaN, (Double) CallStatistics.of(SecureFunction.VAR_SAMP, List.of(DataTypes.DoubleType), true, true)
        .finish(pooledByGroup(CallStatistics.of(SecureFunction.VAR_SAMP, List.of(DataTypes.DoubleType), true, true),
            oneRow, List.of("v")).get("g"), 0), 0.0);
    spark.conf().set("spark.sql.ansi.enabled", false);
    try {
      CallStatistics lenient = CallStatistics.of(SecureFunction.CORR, List.of(DataTypes.IntegerType, DataTypes.IntegerType));
      long[] constant = pooledByGroup(lenient, rows.where(col("g").equalTo("constant")), List.of("i", "i2")).get("constant");
      assertNull(lenient.finish(constant, 0));
    } finally {
      spark.conf().unset("spark.sql.ansi.enabled");
    }
    CallStatistics strict = CallStatistics.of(SecureFunction.CORR, List.of(DataTypes.IntegerType, DataTypes.IntegerType));
    long[] constant = pooledByGroup(strict, rows.where(col("g").equalTo("constant")), List.of("i", "i2")).get("constant");
    assertTrue(assertThrows(ParleyException.class, () -> strict.finish(constant, 0)).getMessage().contains("divides by zero"));
  }

  @Test
  void nonFiniteDoublesGiveSparksNanAndInfinities() {
    StructType schema = new StructType().add("party", DataTypes.IntegerType).add("g", DataTypes.StringType)
        .add("v", DataTypes.DoubleType);
    double inf = Double.POSITIVE_INFINITY;
    Dataset<Row> frame = spark.createDataFrame(List.of(
        RowFactory.create(0, "pos", inf), RowFactory.create(1, "pos", 1.0),
        RowFactory.create(0, "both", inf), RowFactory.create(2, "both", -inf),
        RowFactory.create(1, "nan", Double.NaN), RowFactory.create(2, "nan", 3.0),
        RowFactory.create(2, "neg", -inf), RowFactory.create(2, "neg", 3.0)), schema);
    for (SecureFunction function : List.of(SecureFunction.SUM, SecureFunction.AVG, SecureFunction.VAR_POP, SecureFunction.STDDEV_SAMP)) {
      CallStatistics statistics = CallStatistics.of(function, List.of(DataTypes.DoubleType), true, false);
      Map<String, long[]> pooled = pooledByGroup(statistics, frame, List.of("v"));
      for (Row row : frame.groupBy("g").agg(expr(plainCall(function, List.of("v")))).collectAsList()) {
        assertSparkValue(row.get(1), statistics.finish(pooled.get(row.getString(0)), 0), function + " " + row.getString(0));
      }
    }
  }

  @Test
  void doublesBeyondTheFixedPointRangeAreRefusedWithTheRange() {
    CallStatistics statistics = CallStatistics.of(SecureFunction.VAR_POP, List.of(DataTypes.DoubleType), true, false);
    Row local = RowFactory.create(2L, 2e300, 1e10);
    ParleyException error = assertThrows(ParleyException.class, () -> statistics.encode(local, 0, new long[statistics.words()], 0));
    assertTrue(error.getMessage().startsWith("secure_var_pop over DOUBLE: a local sum is outside"), error.getMessage());
    assertTrue(error.getMessage().contains("2^127"), error.getMessage());
  }

  @Test
  void layoutNamesEveryStatisticAndItsWords() {
    CallStatistics sumOfInts = CallStatistics.of(SecureFunction.SUM, List.of(DataTypes.IntegerType), true, false);
    assertEquals("v1 secure_sum(INT) exact_sum [count:2, overflowed:1, sum@10^-0:3] words=6", sumOfInts.layout());
    assertEquals(6, sumOfInts.words());
    CallStatistics avgOfDecimals = CallStatistics.of(SecureFunction.AVG, List.of(DataTypes.createDecimalType(12, 2)), true, false);
    assertEquals("v1 secure_avg(DECIMAL(12,2)) exact_sum [count:2, overflowed:1, sum@10^-2:3] words=6", avgOfDecimals.layout());
    CallStatistics varOfBigints = CallStatistics.of(SecureFunction.VAR_SAMP, List.of(DataTypes.LongType), true, false);
    assertEquals("v1 secure_var_samp(BIGINT) exact_moments [count:2, sum0@10^-0:4, product00(split):6] words=12",
        varOfBigints.layout());
    CallStatistics corrOfDoubles = CallStatistics.of(SecureFunction.CORR, List.of(DataTypes.DoubleType, DataTypes.DoubleType), true, false);
    assertEquals(2 + 1 + 2 * 6 + 3 * 8, corrOfDoubles.words());
    assertEquals(2, CallStatistics.of(SecureFunction.COUNT, List.of(), true, false).words());
    // The session settings change finishing only, never the layout the parties compare.
    assertEquals(varOfBigints.layout(), CallStatistics.of(SecureFunction.VAR_SAMP, List.of(DataTypes.LongType), false, true).layout());
    assertNotEquals(sumOfInts.layout(), CallStatistics.of(SecureFunction.SUM, List.of(DataTypes.LongType), true, false).layout());
  }

  @Test
  void statisticsTravelToExecutorsByJavaSerialization() throws Exception {
    CallStatistics original = CallStatistics.of(SecureFunction.CORR, List.of(DataTypes.createDecimalType(12, 2), DataTypes.LongType), true, false);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(original);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      CallStatistics copy = (CallStatistics) in.readObject();
      assertEquals(original.layout(), copy.layout());
      assertEquals(original.resultType(), copy.resultType());
    }
  }

  @Test
  void corruptPooledVectorsAreRejected() {
    CallStatistics statistics = CallStatistics.of(SecureFunction.SUM, List.of(DataTypes.IntegerType), true, false);
    long[] pooled = new long[statistics.words()];
    Arrays.fill(pooled, -1L); // a mask left in, say
    assertInstanceOf(ParleyException.class, assertThrows(RuntimeException.class, () -> statistics.finish(pooled, 0)));
  }
}
