package io.parley.jobs;

import picocli.CommandLine.Option;

/** {@code --verbose}: stack traces with errors. Read by {@link Cli} before parsing, kept here for --help. */
public final class VerboseOption {
  @Option(names = "--verbose", description = "Print stack traces with errors.")
  boolean verbose;
}
