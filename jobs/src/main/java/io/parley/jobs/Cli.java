package io.parley.jobs;

import io.parley.protocols.ParleyException;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * Runs one picocli command the way every Parley entry point must: usage errors and failures
 * become exactly one {@code parley: ...} line on stderr, exit status 2 for usage errors and 1
 * for failures, and a stack trace only with {@code --verbose}.
 */
public final class Cli {
  /** Exit status of a command that did what it was asked. */
  public static final int EXIT_OK = 0;
  /** Exit status of a command that failed while running. */
  public static final int EXIT_FAILURE = 1;
  /** Exit status of a command given flags it cannot use. */
  public static final int EXIT_USAGE = 2;

  private Cli() {}

  /** Parses {@code args} for {@code command}, runs it and exits the JVM with its status. */
  public static void exit(Object command, String... args) {
    System.exit(execute(command, args));
  }

  /** Parses {@code args} for {@code command}, runs it and returns its exit status. */
  public static int execute(Object command, String... args) {
    return commandLine(command, args).execute(args);
  }

  /** A command line configured with Parley's error handling; {@code args} decide verbosity. */
  public static CommandLine commandLine(Object command, String... args) {
    boolean verbose = Arrays.asList(args).contains("--verbose");
    CommandLine commandLine = new CommandLine(command);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setParameterExceptionHandler(
        (ex, ignoredArgs) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("parley: " + oneLine(ex.getMessage()) + helpHint(ex.getCommandLine()));
          if (verbose) {
            ex.printStackTrace(err);
          }
          err.flush();
          return EXIT_USAGE;
        });
    commandLine.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          PrintWriter err = cmd.getErr();
          err.println("parley: " + describe(ex));
          if (verbose) {
            ex.printStackTrace(err);
          }
          err.flush();
          return ex instanceof UsageException ? EXIT_USAGE : EXIT_FAILURE;
        });
    return commandLine;
  }

  private static String helpHint(CommandLine commandLine) {
    return " (see '" + commandLine.getCommandSpec().qualifiedName() + " --help')";
  }

  /**
   * One line for the user: a {@link ParleyException} anywhere in the cause chain wins (Spark wraps
   * task failures), then Spark's own message without its plan, then the exception's type.
   */
  static String describe(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ParleyException || cause instanceof UsageException) {
        return oneLine(cause.getMessage());
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    String message = failure.getMessage();
    if (message == null || message.isBlank()) {
      Throwable root = failure;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      message = root.getMessage();
      if (message == null || message.isBlank()) {
        return root.getClass().getSimpleName();
      }
    }
    String line = oneLine(message);
    boolean spark = failure.getClass().getName().startsWith("org.apache.spark");
    return spark
            || failure instanceof java.io.IOException
            || failure instanceof java.io.UncheckedIOException
            || failure instanceof IllegalArgumentException
        ? line
        : failure.getClass().getSimpleName() + ": " + line;
  }

  /** The first non-blank line of {@code message}, without Spark's trailing plan separator. */
  static String oneLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    for (String line : message.split("\\R")) {
      String trimmed = line.strip();
      if (!trimmed.isEmpty()) {
        return trimmed.endsWith(";") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
      }
    }
    return "unknown error";
  }
}
