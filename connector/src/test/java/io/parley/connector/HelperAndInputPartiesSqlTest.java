package io.parley.connector;

import static io.parley.connector.ResultComparison.assertSameResult;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries on shares where a compute party holds no data (helper) and two data owners (delta,
 * epsilon) do not compute: compute parties alpha, beta and helper; data at alpha, beta, delta and
 * epsilon. Results equal plain Spark's over the pooled rows.
 */
class HelperAndInputPartiesSqlTest {
  private static final List<String> PARTIES = List.of("alpha", "beta", "delta", "epsilon", "helper");
  private static final List<String> COMPUTE = List.of("alpha", "beta", "helper");
  private static final List<String> DATA = List.of("alpha", "beta", "delta", "epsilon");

  @TempDir static Path dir;
  private static InputPartyFederation federation;

  @BeforeAll
  static void start() throws IOException {
    federation = InputPartyFederation.start(dir, PARTIES, COMPUTE, DATA);
  }

  @AfterAll
  static void stop() {
    if (federation != null) {
      federation.close();
    }
  }

  @Test
  void everyComparingFunctionPerGroupWithSuppression() {
    SparkSession strict = federation.harness.newSession("alpha", Map.of("spark.parley.policy.minGroupSize", "3"));
    String query = "SELECT region, secure_min(units) AS lo, secure_max(price) AS top, secure_max_by(units, price) AS"
        + " units_at_top, secure_min_by(amount, id) AS first_amount, secure_median(units) AS med,"
        + " secure_percentile(price, 0.75) AS q3, secure_sum(amount) AS total, secure_count(*) AS n"
        + " FROM sales GROUP BY region";
    federation.harness.clearTranscript();
    List<Row> rows = strict.sql(query).collectAsList();
    assertTrue(rows.stream().noneMatch(row -> row.getString(0).equals("tiny")), rows::toString);
    federation.assertTranscriptHoldsNone(federation.inputPartySecrets());
    assertSameResult(strict.sql(query), federation.plain(query + " HAVING count(*) >= 3"), 1);
  }

  @Test
  void medianAndExtremesOverTheWholeFederation() {
    federation.assertLikePlainSpark(federation.spark,
        "SELECT secure_median(price) AS med, secure_percentile(units, 0.1) AS p10, secure_max(units) AS hi,"
            + " secure_min_by(id, price) AS id_at_cheapest, secure_count(*) AS n FROM sales",
        -1);
  }
}
