package io.parley.jobs;

import io.parley.jobs.process.LiveHeap;
import java.io.PrintWriter;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** {@code --memory-report}: on exit, print the largest heap kept after a collection (the benchmark reads it). */
public final class MemoryReportOption {
  /** The line printed on exit; group 1 is the byte count. */
  public static final Pattern LINE = Pattern.compile("^peak live heap: (\\d+) bytes$");

  @Option(names = "--memory-report", description = "On exit, print the peak heap kept after garbage collection.")
  boolean enabled;

  void start() {
    if (enabled) {
      LiveHeap.install();
    }
  }

  void report(PrintWriter out) {
    if (enabled) {
      out.println("peak live heap: " + LiveHeap.peakBytes() + " bytes");
      out.flush();
    }
  }
}
