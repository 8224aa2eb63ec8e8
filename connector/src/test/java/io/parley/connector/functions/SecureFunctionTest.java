package io.parley.connector.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SecureFunctionTest {
  private static final List<DataType> NUMERIC_TYPES =
      List.of(DataTypes.ByteType, DataTypes.ShortType, DataTypes.IntegerType, DataTypes.LongType,
          DataTypes.FloatType, DataTypes.DoubleType, DataTypes.createDecimalType(5, 2),
          DataTypes.createDecimalType(12, 2), DataTypes.createDecimalType(30, 4),
          DataTypes.createDecimalType(38, 10), DataTypes.createDecimalType(38, 36));

  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = SparkSession.builder().master("local[2]").appName("SecureFunctionTest")
        .config("spark.ui.enabled", "false").getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void namesArityAndLookup() {
    for (SecureFunction function : SecureFunction.values()) {
      assertEquals("secure_" + function.name().toLowerCase(java.util.Locale.ROOT), function.sqlName());
      assertEquals(Optional.of(function), SecureFunction.bySqlName(function.sqlName().toUpperCase(java.util.Locale.ROOT)));
      assertTrue(function.usage().startsWith("_FUNC_("), function.usage());
      // Each function's usage says what it reveals, and to whom.
      assertTrue(function.compares()
          ? function.usage().contains("on secret shares")
          : function.usage().contains("each party learns only the result")
              || function.usage().contains("Each party learns only the result"), function.usage());
      assertTrue(function.examples().startsWith("\n    Examples:\n      > SELECT "), function.examples());
      assertTrue(function.examples().endsWith("\n  "), function.examples());
      assertTrue(function.examples().contains("_FUNC_("), function.examples());
    }
    assertEquals(Optional.empty(), SecureFunction.bySqlName("sum"));
    assertEquals(Optional.empty(), SecureFunction.bySqlName(null));
    assertEquals(0, SecureFunction.COUNT.minArguments());
    assertEquals(1, SecureFunction.COUNT.maxArguments());
    assertEquals(2, SecureFunction.CORR.minArguments());
    assertEquals(1, SecureFunction.VAR_SAMP.maxArguments());
  }

  @Test
  void resultTypesAreSparks() {
    StructType schema = new StructType();
    for (int k = 0; k < NUMERIC_TYPES.size(); k++) {
      schema = schema.add("c" + k, NUMERIC_TYPES.get(k));
    }
    Dataset<Row> empty = spark.createDataFrame(new ArrayList<Row>(), schema);
    empty.createOrReplaceTempView("numbers");
    for (SecureFunction function : SecureFunction.values()) {
      for (int k = 0; k < NUMERIC_TYPES.size(); k++) {
        int other = (k + 3) % NUMERIC_TYPES.size();
        if (function.compares()
            && !(io.parley.connector.shares.OrderedValueCodec.supports(NUMERIC_TYPES.get(k))
                && io.parley.connector.shares.OrderedValueCodec.supports(NUMERIC_TYPES.get(other)))) {
          continue;
        }
        List<DataType> types = function.maxArguments() == 2
            ? List.of(NUMERIC_TYPES.get(k), NUMERIC_TYPES.get(other))
            : List.of(NUMERIC_TYPES.get(k));
        String arguments = function.maxArguments() == 2 ? "c" + k + ", c" + other : "c" + k;
        if (function == SecureFunction.PERCENTILE) {
          // Spark's percentile takes a literal percentage.
          types = List.of(NUMERIC_TYPES.get(k), DataTypes.DoubleType);
          arguments = "c" + k + ", 0.25D";
        }
        String plain = function.sqlName().substring("secure_".length()) + "(" + arguments + ")";
        DataType expected = spark.sql("SELECT " + plain + " FROM numbers").schema().fields()[0].dataType();
        assertEquals(expected, function.resultType(types), plain + " over " + types);
      }
    }
    assertEquals(DataTypes.LongType, SecureFunction.COUNT.resultType(List.of()));
    assertEquals(DataTypes.LongType, SecureFunction.COUNT.resultType(List.of(DataTypes.StringType)));
  }

  @Test
  void typesAndArityTheyCannotTakeAreRefusedWithAShortReason() {
    assertEquals("secure_sum takes numeric values",
        assertThrows(ParleyException.class, () -> SecureFunction.SUM.resultType(List.of(DataTypes.StringType))).getMessage());
    assertEquals("secure_corr takes numeric values",
        assertThrows(ParleyException.class,
            () -> SecureFunction.CORR.resultType(List.of(DataTypes.DoubleType, DataTypes.BooleanType))).getMessage());
    assertThrows(ParleyException.class, () -> SecureFunction.AVG.resultType(List.of(DataTypes.DateType)));
    assertThrows(ParleyException.class, () -> SecureFunction.CORR.resultType(List.of(DataTypes.DoubleType)));
    assertThrows(ParleyException.class, () -> CallStatistics.of(SecureFunction.SUM, List.of(DataTypes.StringType), true, false));
    assertEquals("secure_min takes integral, DECIMAL(p<=18), FLOAT or DOUBLE values, not DECIMAL(30,4)",
        assertThrows(ParleyException.class,
            () -> SecureFunction.MIN.resultType(List.of(DataTypes.createDecimalType(30, 4)))).getMessage());
    assertEquals("secure_max_by takes integral, DECIMAL(p<=18), FLOAT or DOUBLE values, not STRING",
        assertThrows(ParleyException.class,
            () -> SecureFunction.MAX_BY.resultType(List.of(DataTypes.StringType, DataTypes.IntegerType))).getMessage());
    assertEquals("secure_percentile takes a numeric percentage, not STRING",
        assertThrows(ParleyException.class,
            () -> SecureFunction.PERCENTILE.resultType(List.of(DataTypes.IntegerType, DataTypes.StringType))).getMessage());
  }
}
