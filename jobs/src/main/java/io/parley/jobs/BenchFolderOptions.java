package io.parley.jobs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * What every {@code parley bench} command shares: a temporary folder for its data, federation
 * and logs (deleted afterwards unless {@code --keep}) and how long to wait for each child JVM.
 */
final class BenchFolderOptions {
  @Option(names = "--keep", description = "Keep the temporary folder (data, federation, logs).")
  boolean keep;

  @Option(names = "--ready-timeout", paramLabel = "SECONDS", description = "Wait for each child (default: ${DEFAULT-VALUE}).")
  int readyTimeoutSeconds = 300;

  /** A benchmark's body, run in its temporary folder. */
  interface Body {
    int run(Path work, PrintStream out) throws InterruptedException;
  }

  Duration readyTimeout() {
    return Duration.ofSeconds(readyTimeoutSeconds);
  }

  /** Runs {@code body} in a new temporary folder named {@code prefix…}, then deletes it unless {@code --keep}. */
  int inTemporaryFolder(String prefix, PrintStream out, Body body) throws IOException, InterruptedException {
    Path work = Files.createTempDirectory(prefix);
    try {
      return body.run(work, out);
    } finally {
      if (keep) {
        out.println("kept " + work);
      } else {
        DemoCommand.deleteRecursively(work);
      }
    }
  }
}
