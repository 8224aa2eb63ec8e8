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
 * Queries on shares in a federation of four: three compute parties with data (alpha, beta, gamma)
 * and delta, a data owner that does not compute; delta's rows are shared with the compute parties
 * and every result equals plain Spark's over the pooled rows of all four.
 */
class InputPartySqlTest {
  private static final List<String> PARTIES = List.of("alpha", "beta", "delta", "gamma");
  private static final List<String> COMPUTE = List.of("alpha", "beta", "gamma");

  @TempDir static Path dir;
  private static InputPartyFederation federation;

  @BeforeAll
  static void start() throws IOException {
    federation = InputPartyFederation.start(dir, PARTIES, COMPUTE, PARTIES);
  }

  @AfterAll
  static void stop() {
    if (federation != null) {
      federation.close();
    }
  }

  @Test
  void extremesPerGroupIncludeTheInputPartysRows() {
    federation.assertLikePlainSpark(federation.spark,
        "SELECT region, secure_min(units) AS lo, secure_max(units) AS hi, secure_min(price) AS pmin,"
            + " secure_max(amount) AS amax, secure_max_by(units, price) AS units_at_top,"
            + " secure_min_by(amount, id) AS first_amount, secure_sum(units) AS total, secure_count(*) AS n"
            + " FROM sales GROUP BY region",
        1);
  }

  @Test
  void medianPercentileAndExtremesOverTheWholeFederation() {
    federation.assertLikePlainSpark(federation.spark,
        "SELECT secure_median(units) AS med, secure_percentile(price, 0.9) AS p90, secure_min(amount) AS lo,"
            + " secure_max_by(id, units) AS id_at_max, secure_count(*) AS n FROM sales",
        -1);
  }

  @Test
  void suppressedGroupsAndPercentilesPerGroupLeaveNoValueAtTheCoordinator() {
    SparkSession strict = federation.harness.newSession("alpha", Map.of("spark.parley.policy.minGroupSize", "3"));
    String query = "SELECT region, secure_median(price) AS med, secure_percentile(units, 0.25) AS q1,"
        + " secure_max(units) AS hi, secure_count(*) AS n FROM sales GROUP BY region";
    federation.harness.clearTranscript();
    List<Row> rows = strict.sql(query).collectAsList();
    assertTrue(rows.stream().noneMatch(row -> row.getString(0).equals("tiny")), rows::toString);
    assertTrue(rows.stream().anyMatch(row -> row.getString(0).equals("north")), "delta's own region: " + rows);
    federation.assertTranscriptHoldsNone(federation.inputPartySecrets());
    assertSameResult(strict.sql(query), federation.plain(query + " HAVING count(*) >= 3"), 1);
  }

  @Test
  void theInputPartysMinimumGroupSizeApplies() {
    federation.harness.startResponder("delta",
        federation.harness.newSession("delta", Map.of("spark.parley.policy.minGroupSize", "12")));
    try {
      String query = "SELECT region, secure_max(price) AS top, secure_count(*) AS n FROM sales GROUP BY region";
      assertSameResult(federation.spark.sql(query), federation.plain(query + " HAVING count(*) >= 12"), 1);
    } finally {
      federation.harness.startResponder("delta");
    }
  }
}
