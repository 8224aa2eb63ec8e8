package io.parley.jobs.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A parley child JVM: its ready line, its log, and a clear error when it exits first. */
class ChildJvmTest {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void waitsForTheLineAndLogsOutput(@TempDir Path temp) throws Exception {
    try (ChildJvm child = ChildJvm.startParley("version", List.of("--version"), List.of(), Map.of(), temp.resolve("v.log"))) {
      assertTrue(child.awaitLine(Pattern.compile("^parley (\\S+)"), TIMEOUT).group(1).length() > 0);
      assertEquals(0, child.stop());
      assertTrue(Files.readAllLines(temp.resolve("v.log")).stream().anyMatch(line -> line.startsWith("parley ")));
    }
  }

  @Test
  void whatAChildPrintsWhileItStopsIsKept(@TempDir Path temp) throws Exception {
    io.parley.jobs.DevFederation federation =
        io.parley.jobs.DevFederation.write(
            io.parley.jobs.files.HadoopFiles.withDefaults(), temp.resolve("fed").toString(), "stop-test",
            List.of("alpha", "beta"), Map.of("t", "x INT"), io.parley.jobs.DevFederation.DEFAULT_COORDINATOR, false,
            new java.security.SecureRandom());
    try (ChildJvm child =
        ChildJvm.startParley(
            "coordinator",
            List.of("coordinator", "--conf", federation.coordinatorConf(), "--listen", "127.0.0.1:0", "--memory-report"),
            List.of(), Map.of(), temp.resolve("c.log"))) {
      child.awaitLine(Pattern.compile("^coordinator listening on "), TIMEOUT);
      child.stop();
      // The report is printed by the shutdown hook that SIGTERM runs.
      assertTrue(child.reportedNumber(io.parley.jobs.MemoryReportOption.LINE).isPresent(), child.stdoutLines()::toString);
    }
  }

  @Test
  void aChildThatExitsFirstIsReportedWithItsOwnError(@TempDir Path temp) throws Exception {
    try (ChildJvm child = ChildJvm.startParley("party x", List.of("party", "--bogus"), List.of(), Map.of(), temp.resolve("x.log"))) {
      IllegalStateException failure =
          assertThrows(IllegalStateException.class, () -> child.awaitLine(Pattern.compile("ready"), TIMEOUT));
      assertTrue(failure.getMessage().startsWith("party x exited before it was ready (exit status 2): Unknown option: '--bogus'"),
          failure.getMessage());
      assertTrue(failure.getMessage().contains(temp.resolve("x.log").toString()), failure.getMessage());
    }
  }
}
