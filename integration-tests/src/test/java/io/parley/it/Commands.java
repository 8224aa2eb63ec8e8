package io.parley.it;

import io.parley.jobs.process.ChildJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Command lines the tests start: the parley launcher, and plain JVMs on a Spark-only classpath. */
final class Commands {
  /** Heap, collector and JIT of every child JVM: small and quick to start, since two cores and several JVMs share the machine. */
  static final String CHILD_JVM_OPTIONS = "-Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

  /**
   * Jars of the test classpath that are not part of a Spark distribution: Parley itself (it must
   * come from the shaded jar), its own dependencies, and test-only jars.
   */
  private static final Pattern NOT_SPARK =
      Pattern.compile(
          "(/io/parley/|/parley-(protocols|connector|jobs)-|/protocols/target/|/connector/target/|/jobs/target/|/integration-tests/target/"
              + "|hadoop-client-minicluster|/junit|junit-|opentest4j|apiguardian|surefire"
              + "|/grpc-|/bcprov-|/bcpkix-|/bcutil-|/picocli-|/kryo5-)");

  private Commands() {}

  /** {@code jobs/bin/parley ARGS}; the launcher {@code exec}s java, so the process is the JVM. */
  static List<String> parley(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add("bash");
    command.add(Checkout.launcher().toString());
    command.addAll(args);
    return command;
  }

  /** Environment of every parley process: loopback only, small heaps. */
  static Map<String, String> parleyEnvironment() {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("SPARK_LOCAL_IP", "127.0.0.1");
    environment.put("PARLEY_JAVA_OPTS", CHILD_JVM_OPTIONS);
    return environment;
  }

  /**
   * {@code java} with Spark's JVM flags running {@code mainClass} on {@code classpath}.
   *
   * @param jvmOptions added after Spark's flags (heap, {@code -D} settings)
   */
  static List<String> java(List<String> jvmOptions, List<String> classpath, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ChildJvm.sparkJvmOptions());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(String.join(File.pathSeparator, classpath));
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /**
   * The jars of this JVM's classpath that a Spark distribution would hold (Spark, Scala, Hadoop's
   * client and their dependencies), without Parley or its own dependencies: what a cluster has
   * before {@code spark.jars} or spark-submit adds the shaded jar.
   */
  static List<String> sparkDistributionClasspath() {
    List<String> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (entry.endsWith(".jar") && Files.isRegularFile(Path.of(entry)) && !NOT_SPARK.matcher(entry.replace('\\', '/')).find()) {
        jars.add(entry);
      }
    }
    if (jars.stream().noneMatch(jar -> jar.contains("spark-core_"))) {
      throw new IllegalStateException("spark-core is not on the test classpath: " + System.getProperty("java.class.path"));
    }
    return jars;
  }
}
