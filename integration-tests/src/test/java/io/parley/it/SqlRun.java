package io.parley.it;

import java.time.Duration;
import java.util.List;

/** A finished command: its exit status, its stdout and stderr lines, where its logs are, how long it ran. */
record SqlRun(int exitCode, List<String> stdout, List<String> stderr, String logs, Duration elapsed) {
  /** The stderr lines that are Parley's own error lines ({@code parley: ...}), not log lines. */
  List<String> parleyErrorLines() {
    return stderr.stream().filter(line -> line.startsWith("parley: ")).toList();
  }

  /** For assertion messages: the status, the error lines and the logs. */
  String describe() {
    List<String> errors = parleyErrorLines();
    List<String> tail = stderr.subList(Math.max(0, stderr.size() - 15), stderr.size());
    return "exit status " + exitCode + " after " + elapsed.toSeconds() + " s"
        + (errors.isEmpty() ? "" : ", " + String.join(" | ", errors))
        + "\nlast stderr lines:\n  " + String.join("\n  ", tail)
        + "\nlogs: " + logs;
  }
}
