package io.parley.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The checkout under test and what the build left in it: the launcher {@code jobs/bin/parley}
 * (which runs {@code jobs/target/classes} with {@code jobs/target/classpath.txt}) and the shaded
 * jar for spark-submit. Surefire names the checkout with {@code -Dparley.repo}.
 */
final class Checkout {
  static final String SHADED_JAR = "parley-jobs-0.1.0-SNAPSHOT-spark.jar";

  private Checkout() {}

  static Path root() {
    String repo = System.getProperty("parley.repo");
    Path root = repo != null && !repo.isBlank()
        ? Path.of(repo)
        : Path.of("").toAbsolutePath().getParent(); // run from integration-tests/ without surefire
    return root.toAbsolutePath().normalize();
  }

  static Path launcher() {
    return root().resolve("jobs/bin/parley");
  }

  static Path shadedJar() {
    return root().resolve("jobs/target").resolve(SHADED_JAR);
  }

  static Path log4jConfig() {
    return root().resolve("conf/log4j2.properties");
  }

  /**
   * Fails unless the jobs module was packaged: without its classes the launcher would start a
   * Maven build of its own in the middle of a test.
   */
  static void requirePackagedJobs() {
    Path jobsTarget = root().resolve("jobs/target");
    for (Path needed : new Path[] {jobsTarget.resolve("classes"), jobsTarget.resolve("classpath.txt"), shadedJar()}) {
      if (!Files.exists(needed)) {
        throw new IllegalStateException(
            needed + " is missing: package the jobs module first (mvn -B install, or mvn -B -DskipTests package -pl jobs -am)");
      }
    }
  }

  /** A fresh, empty folder for one test class under integration-tests/target/it/. */
  static Path freshWorkDir(Class<?> testClass) {
    Path dir = root().resolve("integration-tests/target/it").resolve(testClass.getSimpleName());
    deleteRecursively(dir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    return dir;
  }

  static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
    }
  }
}
