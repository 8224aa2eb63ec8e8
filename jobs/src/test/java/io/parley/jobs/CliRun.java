package io.parley.jobs;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/** A command run in this JVM with its stdout and stderr captured. */
record CliRun(int exitCode, String out, String err) {
  static CliRun of(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Cli.commandLine(command, args);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  static CliRun parley(String... args) {
    return of(new Main(), args);
  }

  List<String> errLines() {
    return Arrays.stream(err.split("\\R")).filter(line -> !line.isBlank()).toList();
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }
}
