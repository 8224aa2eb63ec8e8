package io.parley.connector.party;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Another party's query may compute only over the table's columns with deterministic built-ins. */
class QueryGuardTest {
  private static final StructType SALES = StructType.fromDDL("region STRING, amount DECIMAL(12,2), units INT");
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[1]").appName("QueryGuardTest").config("spark.ui.enabled", "false").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static void allowed(String sql) {
    QueryGuard.check(spark, "sales", SALES, "GROUP BY expression", sql);
  }

  private static String refused(String sql) {
    return assertThrows(ParleyException.class, () -> QueryGuard.check(spark, "sales", SALES, "GROUP BY expression", sql))
        .getMessage();
  }

  private static void assertRefused(String sql, String reason) {
    String message = refused(sql);
    assertTrue(message.contains(reason), message);
  }

  @Test
  void columnsLiteralsAndBuiltinsAreAllowed() {
    allowed("region");
    allowed("REGION");
    allowed("width_bucket(CAST(amount AS DOUBLE), CAST(0 AS DOUBLE), CAST(1000 AS DOUBLE), CAST(10 AS BIGINT))");
    allowed("(units > 3) AND (region <> 'north')");
    allowed("upper(substr(region, 1, 2))");
    allowed("CASE WHEN units IS NULL THEN 0 ELSE units * 2 END");
  }

  @Test
  void whatReachesOutsideTheRowIsRefused() {
    assertEquals(
        "the GROUP BY expression 'reflect('java.lang.System', 'getenv', 'HOME')' over federated table sales may not use"
            + " the function reflect: a federated query computes only over the table's own columns with deterministic"
            + " built-in functions",
        refused("reflect('java.lang.System', 'getenv', 'HOME')"));
    assertRefused("java_method('java.lang.System', 'getenv', 'HOME')", "the function java_method");
    assertRefused("input_file_name()", "the function input_file_name");
    assertRefused("current_user()", "the function current_user");
    assertRefused("rand()", "the function rand");
    assertRefused("(SELECT max(secret) FROM other)", "a subquery");
    assertRefused("units IN (SELECT 1)", "a subquery");
    assertRefused("salary", "'salary', which is not a column of sales");
    assertRefused("t.region", "'t.region', which is not a column of sales");
    assertRefused("secure_sum(units)", "the function secure_sum");
    assertRefused("my_udf(region)", "the function my_udf");
    assertRefused("xpath_string(region, '//a')", "the function xpath_string");
    assertRefused("region) OR (1", "cannot parse");
  }
}
