package io.parley.jobs;

import io.parley.jobs.files.HadoopFiles;
import io.parley.jobs.output.CsvOutput;
import io.parley.jobs.output.ResultTable;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code parley sql}: one federated query as one party; prints the result, optionally writes CSV. */
@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Runs one federated SQL query as a party.",
      "",
      "secure_* aggregates over federated tables are answered by all parties together. Prints the "
          + "result as a table; with --output also writes it as CSV with a header row.",
      ""
    })
public final class SqlCommand implements Callable<Integer> {
  @Mixin PartyOptions party;

  @Option(names = {"-e", "--execute"}, required = true, paramLabel = "SQL", description = "The query.")
  String sql;

  @Option(
      names = "--output",
      paramLabel = "FILE.csv",
      description = "Also write the result to this CSV file (one file, header row; any Hadoop path).")
  String output;

  @Mixin VerboseOption verbose;
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    Cli.exit(new SqlCommand(), args);
  }

  @Override
  public Integer call() {
    if (sql.isBlank()) {
      throw new UsageException("-e names no query");
    }
    SparkSession spark = party.openSession("parley sql");
    try {
      ResultTable result = ResultTable.collect(spark.sql(sql));
      PrintWriter out = spec.commandLine().getOut();
      out.print(result.render());
      out.flush();
      if (output != null) {
        CsvOutput.write(result, HadoopFiles.withDefaults(), HadoopFiles.absolute(output));
      }
      return Cli.EXIT_OK;
    } finally {
      spark.stop();
    }
  }
}
