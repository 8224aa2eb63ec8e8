package io.parley.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Parsing, --help and usage errors of every command, without starting Spark or a coordinator. */
class CliTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "init", "coordinator", "party", "sql", "demo", "bench", "bench aggregate"})
  void everyCommandPrintsHelp(String command) {
    List<String> args = new java.util.ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
    args.add("--help");
    CliRun run = CliRun.parley(args.toArray(new String[0]));
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().startsWith("Usage: parley" + (command.isEmpty() ? "" : " " + command)), run::toString);
    assertEquals("", run.err(), run::toString);
  }

  @Test
  void helpListsTheContractFlags() {
    assertTrue(CliRun.parley("init", "--help").out().contains("--coordinator=HOST:PORT"));
    String sql = CliRun.parley("sql", "--help").out();
    for (String flag : List.of("--conf=FILE", "--table=NAME=PATH", "-e, --execute=SQL", "--output=FILE.csv", "--verbose")) {
      assertTrue(sql.contains(flag), () -> flag + " missing from\n" + sql);
    }
    String bench = CliRun.parley("bench", "aggregate", "--help").out();
    for (String flag : List.of("--parties=P", "--rows-per-party=N", "--groups=G", "--iterations=K", "--slice-elements=E")) {
      assertTrue(bench.contains(flag), () -> flag + " missing from\n" + bench);
    }
    assertTrue(CliRun.parley("coordinator", "--help").out().contains("--transcript=FILE"));
  }

  @Test
  void eachMainClassRunsItsOwnCommand() {
    CliRun init = CliRun.of(new InitCommand(), "--help");
    assertEquals(0, init.exitCode());
    assertTrue(init.out().startsWith("Usage: init"), init::toString);
    CliRun bench = CliRun.of(new BenchCommand(), "aggregate", "--help");
    assertEquals(0, bench.exitCode());
    assertTrue(bench.out().startsWith("Usage: bench aggregate"), bench::toString);
  }

  @Test
  void unknownFlagIsOneLineAndExitTwo() {
    CliRun run = CliRun.parley("sql", "--conf", "x.conf", "-e", "SELECT 1", "--bogus");
    assertUsageError(run, "--bogus");
  }

  @Test
  void benchAggregateNamesItsQueries() {
    assertTrue(CliRun.parley("bench", "aggregate", "--help").out().contains("--query=Q"));
    assertUsageError(CliRun.parley("bench", "aggregate", "--query", "mode"), "'mode' is not one of sum, median, extremes");
  }

  @Test
  void missingCommandIsAUsageError() {
    assertUsageError(CliRun.parley(), "missing command");
    assertUsageError(CliRun.parley("bench"), "missing benchmark");
    assertUsageError(CliRun.parley("frobnicate"), "frobnicate");
  }

  @Test
  void missingRequiredFlagNamesIt() {
    assertUsageError(CliRun.parley("sql", "--conf", "x.conf"), "--execute");
    assertUsageError(CliRun.parley("init", "--parties", "a,b", "--table", "t=x INT"), "--dir");
    assertUsageError(CliRun.parley("coordinator"), "--conf");
  }

  @Test
  void malformedValuesNameTheFlagAndValue() {
    assertUsageError(CliRun.parley("party", "--conf", "x.conf", "--table", "sales"), "sales");
    assertUsageError(CliRun.parley("party", "--conf", "x.conf", "--table", "1x=/data"), "1x");
    assertUsageError(CliRun.parley("init", "--dir", "d", "--parties", "a,b", "--table", "t=x INT", "--coordinator", "nohost"), "nohost");
    assertUsageError(CliRun.parley("init", "--dir", "d", "--parties", "a,b", "--table", "sales=region STRNG,"), "sales");
    assertUsageError(CliRun.parley("bench", "aggregate", "--groups", "many"), "many");
  }

  @Test
  void partyWithoutConfNamesTheMissingSetting() {
    CliRun run = CliRun.parley("party", "--table", "sales=/tmp/sales.csv");
    assertEquals(Cli.EXIT_USAGE, run.exitCode(), run::toString);
    assertEquals(1, run.errLines().size(), run::toString);
    assertTrue(run.err().startsWith("parley: missing setting spark.parley."), run::toString);
  }

  @Test
  void missingConfFileNamesTheFile() {
    CliRun run = CliRun.parley("sql", "--conf", "/nonexistent/alpha.conf", "-e", "SELECT 1");
    assertEquals(Cli.EXIT_FAILURE, run.exitCode(), run::toString);
    assertEquals(List.of("parley: file not found: /nonexistent/alpha.conf"), run.errLines(), run::toString);
  }

  @Test
  void verbosePrintsTheStackTrace() {
    CliRun run = CliRun.parley("sql", "--verbose", "--conf", "/nonexistent/alpha.conf", "-e", "SELECT 1");
    assertEquals(Cli.EXIT_FAILURE, run.exitCode());
    assertTrue(run.err().startsWith("parley: file not found"), run::toString);
    assertTrue(run.err().contains("\tat "), run::toString);
  }

  static void assertUsageError(CliRun run, String mentioned) {
    assertEquals(Cli.EXIT_USAGE, run.exitCode(), run::toString);
    assertEquals(1, run.errLines().size(), run::toString);
    String line = run.errLines().get(0);
    assertTrue(line.startsWith("parley: "), run::toString);
    assertTrue(line.contains(mentioned), () -> "'" + mentioned + "' not in: " + line);
    assertFalse(run.err().contains("\tat "), run::toString);
    assertEquals("", run.out(), run::toString);
  }
}
