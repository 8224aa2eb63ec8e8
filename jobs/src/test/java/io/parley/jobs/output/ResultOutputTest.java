package io.parley.jobs.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.jobs.files.HadoopFiles;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console table, the CSV file and the secure-versus-plain comparison. */
class ResultOutputTest {
  static final StructType SCHEMA = StructType.fromDDL("region STRING, total DECIMAL(22,2), n BIGINT, mean DOUBLE");

  static ResultTable table(Object[]... rows) {
    return new ResultTable(SCHEMA, java.util.Arrays.stream(rows).map(RowFactory::create).toList());
  }

  @Test
  void rendersLikeSparkShowWithoutTruncation() {
    ResultTable table =
        table(
            new Object[] {"north", new BigDecimal("1234.50"), 3L, 411.5},
            new Object[] {"a region with a long name", null, 0L, null});
    assertEquals(
        List.of(
            "+-------------------------+-------+---+-----+",
            "|region                   |total  |n  |mean |",
            "+-------------------------+-------+---+-----+",
            "|north                    |1234.50|3  |411.5|",
            "|a region with a long name|NULL   |0  |NULL |",
            "+-------------------------+-------+---+-----+"),
        table.lines());
  }

  @Test
  void csvHasAHeaderQuotesWhatNeedsItAndLeavesNullsEmpty(@TempDir Path temp) throws Exception {
    ResultTable table =
        table(
            new Object[] {"north, upper", new BigDecimal("1E+3").setScale(2), 3L, 0.1},
            new Object[] {"say \"hi\"", null, 0L, null});
    String expected = "region,total,n,mean\n\"north, upper\",1000.00,3,0.1\n\"say \"\"hi\"\"\",,0,\n";
    assertEquals(expected, CsvOutput.render(table));
    Path file = temp.resolve("out").resolve("result.csv");
    CsvOutput.write(table, HadoopFiles.withDefaults(), file.toString());
    assertEquals(expected, Files.readString(file));
  }

  @Test
  void comparisonIsExactForDecimalsAndCountsAndRelativeForDoubles() {
    ResultTable plain = table(new Object[] {"north", new BigDecimal("10.00"), 3L, 1.0 / 3});
    assertTrue(ResultComparison.difference(table(new Object[] {"north", new BigDecimal("10.00"), 3L, 1.0 / 3 * (1 + 1e-12)}), plain).isEmpty());
    assertTrue(ResultComparison.difference(table(new Object[] {"north", new BigDecimal("10.01"), 3L, 1.0 / 3}), plain)
        .orElseThrow().contains("total"));
    assertTrue(ResultComparison.difference(table(new Object[] {"north", new BigDecimal("10.00"), 4L, 1.0 / 3}), plain)
        .orElseThrow().contains("column n"));
    assertTrue(ResultComparison.difference(table(new Object[] {"north", new BigDecimal("10.00"), 3L, 1.0 / 3 * (1 + 1e-8)}), plain)
        .orElseThrow().contains("mean"));
    assertTrue(ResultComparison.difference(table(), plain).orElseThrow().contains("0 rows"));
    ResultTable otherTypes =
        new ResultTable(StructType.fromDDL("region STRING, total DECIMAL(22,2), n INT, mean DOUBLE"),
            List.of(RowFactory.create("north", new BigDecimal("10.00"), 3, 1.0 / 3)));
    assertTrue(ResultComparison.difference(otherTypes, plain).orElseThrow().contains("types"));
    assertTrue(ResultComparison.difference(table(new Object[] {"north", null, 3L, Double.NaN}),
        table(new Object[] {"north", null, 3L, Double.NaN})).isEmpty());
  }
}
