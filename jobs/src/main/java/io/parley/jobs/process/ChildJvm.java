package io.parley.jobs.process;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A {@code parley} command running in its own JVM: the same java, the same classpath and Spark's
 * JVM flags. Its stdout and stderr go to a log file; stdout lines are also kept so the parent can
 * wait, with a hard timeout, for the line that says the child is ready. Closing it sends SIGTERM
 * (the child's shutdown hooks stop it cleanly), then kills it if it does not exit in time.
 */
public final class ChildJvm implements AutoCloseable {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final Process process;
  private final Path log;
  private final List<String> stdout = new ArrayList<>();
  private boolean stdoutEnded;
  private final Thread killOnExit;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.killOnExit = new Thread(process::destroyForcibly, "parley-kill-" + name);
    Runtime.getRuntime().addShutdownHook(killOnExit);
    Thread reader = new Thread(this::pumpStdout, "parley-stdout-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code io.parley.jobs.Main args…} in a new JVM.
   *
   * @param name how messages name the child ("coordinator", "party beta")
   * @param extraJvmOptions e.g. {@code -Xmx1g}, after Spark's flags
   * @param environment variables added to this process's environment
   */
  public static ChildJvm startParley(
      String name, List<String> args, List<String> extraJvmOptions, Map<String, String> environment, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(sparkJvmOptions());
    String log4j = System.getProperty("log4j2.configurationFile");
    if (log4j != null) {
      command.add("-Dlog4j2.configurationFile=" + log4j);
    }
    command.add("-Dspark.ui.showConsoleProgress=false");
    command.addAll(extraJvmOptions);
    command.add("-cp");
    command.add(classpath());
    command.add("io.parley.jobs.Main");
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    builder.redirectErrorStream(true);
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      return new ChildJvm(name, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Spark's own list of JVM flags for Java 17 (module opens Kryo and Spark need), without the
   * incubating vector module: Spark SQL does not use it, and the JVM announces it on stderr, where
   * a parley error must be the only line.
   */
  public static List<String> sparkJvmOptions() {
    return Arrays.stream(JavaModuleOptions.defaultModuleOptionArray())
        .filter(option -> !option.startsWith("--add-modules=jdk.incubator.vector"))
        .toList();
  }

  /** This JVM's classpath, plus the jar or folder Parley's classes came from if it is missing. */
  static String classpath() {
    String classpath = System.getProperty("java.class.path", "");
    try {
      String own = new File(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
      if (!Arrays.asList(classpath.split(File.pathSeparator)).contains(own)) {
        classpath = classpath.isEmpty() ? own : own + File.pathSeparator + classpath;
      }
    } catch (URISyntaxException | NullPointerException | SecurityException e) {
      // keep the classpath as it is: the child fails with a clear "class not found" in its log
    }
    return classpath;
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits until the child prints a line matching {@code ready} and returns the match. Fails,
   * naming the child and its log, if it exits first or {@code timeout} passes.
   */
  public Matcher awaitLine(Pattern ready, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = 0;
    synchronized (stdout) {
      while (true) {
        for (; checked < stdout.size(); checked++) {
          Matcher matcher = ready.matcher(stdout.get(checked));
          if (matcher.find()) {
            return matcher;
          }
        }
        if (stdoutEnded) {
          throw new IllegalStateException(
              name + " exited before it was ready" + exitStatus() + ": " + lastMessage() + " (log: " + log + ")");
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              name + " was not ready within " + timeout.toSeconds() + " s (log: " + log + ")");
        }
        TimeUnit.NANOSECONDS.timedWait(stdout, left);
      }
    }
  }

  /** Every stdout line so far. */
  public List<String> stdoutLines() {
    synchronized (stdout) {
      return List.copyOf(stdout);
    }
  }

  /** The first number group of the last stdout line matching {@code line}, e.g. a figure printed on exit. */
  public OptionalLong reportedNumber(Pattern line) {
    List<String> lines = stdoutLines();
    for (int i = lines.size() - 1; i >= 0; i--) {
      Matcher matcher = line.matcher(lines.get(i));
      if (matcher.find()) {
        return OptionalLong.of(Long.parseLong(matcher.group(1)));
      }
    }
    return OptionalLong.empty();
  }

  /** The child's peak resident memory (VmHWM from /proc), when the platform reports it. */
  public OptionalLong peakResidentBytes() {
    return PeakMemory.residentHighWaterMark(process.pid());
  }

  /**
   * Sends SIGTERM without waiting, so several children can stop at once. Through the process
   * handle: {@code Process.destroy()} also closes the child's output pipe, and what the child
   * prints while it stops (its memory report, its last error) would be lost.
   */
  public void signalStop() {
    process.toHandle().destroy();
  }

  /**
   * SIGTERM, a bounded wait for the shutdown hooks, then SIGKILL; returns the exit status once the
   * child's last stdout line has been read.
   */
  public int stop() throws InterruptedException {
    if (process.isAlive()) {
      signalStop();
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    synchronized (stdout) {
      long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
      while (!stdoutEnded && System.nanoTime() < deadline) {
        TimeUnit.NANOSECONDS.timedWait(stdout, deadline - System.nanoTime());
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting; the hook runs anyway and finds the child gone
    }
    return process.isAlive() ? -1 : process.exitValue();
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void pumpStdout() {
    try (BufferedReader reader =
            new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        OutputStream logFile = Files.newOutputStream(log)) {
      String line;
      while ((line = reader.readLine()) != null) {
        logFile.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        logFile.flush();
        synchronized (stdout) {
          stdout.add(line);
          stdout.notifyAll();
        }
      }
    } catch (IOException e) {
      // the child's pipe broke: it has exited, which the waiters learn below
    } finally {
      synchronized (stdout) {
        stdoutEnded = true;
        stdout.notifyAll();
      }
    }
  }

  private String exitStatus() {
    try {
      if (process.waitFor(5, TimeUnit.SECONDS)) {
        return " (exit status " + process.exitValue() + ")";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "";
  }

  /** The child's own {@code parley:} error line if it printed one, else its last line. */
  private String lastMessage() {
    List<String> lines = stdoutLines();
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith("parley: ")) {
        return lines.get(i).substring("parley: ".length());
      }
    }
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (!lines.get(i).isBlank()) {
        return lines.get(i).strip();
      }
    }
    return "no output";
  }
}
