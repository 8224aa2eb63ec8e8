package io.parley.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child process of a test, with stdout and stderr kept apart: each goes to its own log file
 * under target/ (kept for failures) and is kept in memory, so a test can wait, always with a
 * hard timeout, for a line on either. Closing it sends SIGTERM and, after a bound, SIGKILL.
 */
final class LaunchedProcess implements AutoCloseable {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  /** Which output stream a wait looks at. */
  enum Output { STDOUT, STDERR }

  private final String name;
  private final Process process;
  private final Path stdoutLog;
  private final Path stderrLog;
  private final Object lock = new Object();
  private final List<String> stdout = new ArrayList<>();
  private final List<String> stderr = new ArrayList<>();
  private int endedStreams;
  private final Thread killOnExit;

  private LaunchedProcess(String name, Process process, Path logDir) {
    this.name = name;
    this.process = process;
    String file = name.replaceAll("[^A-Za-z0-9._-]+", "-");
    this.stdoutLog = logDir.resolve(file + ".out");
    this.stderrLog = logDir.resolve(file + ".err");
    this.killOnExit = new Thread(process::destroyForcibly, "kill-" + file);
    Runtime.getRuntime().addShutdownHook(killOnExit);
    pump(process.getInputStream(), stdoutLog, stdout, "stdout-" + file);
    pump(process.getErrorStream(), stderrLog, stderr, "stderr-" + file);
  }

  /**
   * Starts {@code command} with {@code environment} added to this JVM's.
   *
   * @param name names the process in messages and its log files ({@code NAME.out}, {@code NAME.err})
   */
  static LaunchedProcess start(String name, List<String> command, Map<String, String> environment, Path logDir) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    try {
      Files.createDirectories(logDir);
      Files.writeString(logDir.resolve(name.replaceAll("[^A-Za-z0-9._-]+", "-") + ".cmd"), String.join(" ", command) + "\n");
      return new LaunchedProcess(name, builder.start(), logDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  String name() {
    return name;
  }

  /** The process id; the launcher {@code exec}s java, so for a parley command this is the JVM itself. */
  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  List<String> stdoutLines() {
    synchronized (lock) {
      return List.copyOf(stdout);
    }
  }

  List<String> stderrLines() {
    synchronized (lock) {
      return List.copyOf(stderr);
    }
  }

  /** Where this process's output is, for failure messages. */
  String logs() {
    return stdoutLog + " and " + stderrLog;
  }

  /**
   * Waits until a line of {@code output} matches {@code line} and returns the match. Fails,
   * naming the process and its logs, if it exits first or {@code timeout} passes.
   */
  Matcher awaitLine(Output output, Pattern line, Duration timeout) throws InterruptedException {
    List<String> lines = output == Output.STDOUT ? stdout : stderr;
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = 0;
    synchronized (lock) {
      while (true) {
        for (; checked < lines.size(); checked++) {
          Matcher matcher = line.matcher(lines.get(checked));
          if (matcher.find()) {
            return matcher;
          }
        }
        if (endedStreams == 2) {
          throw new AssertionError(
              name + " exited before printing a line matching '" + line + "'" + exitStatus() + "; see " + logs());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              name + " printed no line matching '" + line + "' within " + timeout.toSeconds() + " s; see " + logs());
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
    }
  }

  /**
   * Waits for the process to exit and for its last output line to be read; on timeout kills it
   * and fails, naming its logs.
   */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError(name + " did not finish within " + timeout.toSeconds() + " s and was killed; see " + logs());
    }
    awaitStreamsEnd();
    return process.exitValue();
  }

  /** Freezes the process (SIGSTOP): it keeps its connections open but answers nothing. */
  void suspend() throws InterruptedException {
    signal("STOP");
  }

  /** Lets a suspended process run again (SIGCONT). */
  void resume() throws InterruptedException {
    signal("CONT");
  }

  private void signal(String signal) throws InterruptedException {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new AssertionError("kill -" + signal + " " + process.pid() + " did not finish within 10 s");
      }
      if (kill.exitValue() != 0) {
        throw new AssertionError("kill -" + signal + " " + process.pid() + " (" + name + ") failed: "
            + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + signal + ": " + e.getMessage(), e);
    }
  }

  /** SIGTERM without waiting, so several processes can stop at once. */
  void signalStop() {
    process.destroy();
  }

  /** SIGTERM, a bounded wait, then SIGKILL; returns the exit status (-1 if it would not die). */
  int stop() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    awaitStreamsEnd();
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting: the hook runs anyway and finds the process gone
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

  private void awaitStreamsEnd() throws InterruptedException {
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    synchronized (lock) {
      while (endedStreams < 2 && System.nanoTime() < deadline) {
        TimeUnit.NANOSECONDS.timedWait(lock, deadline - System.nanoTime());
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

  private void pump(InputStream stream, Path log, List<String> lines, String threadName) {
    Thread reader = new Thread(
        () -> {
          try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
              OutputStream file = Files.newOutputStream(log)) {
            String line;
            while ((line = in.readLine()) != null) {
              file.write((line + "\n").getBytes(StandardCharsets.UTF_8));
              file.flush();
              synchronized (lock) {
                lines.add(line);
                lock.notifyAll();
              }
            }
          } catch (IOException e) {
            // the pipe broke: the process has exited, which waiters learn below
          } finally {
            synchronized (lock) {
              endedStreams++;
              lock.notifyAll();
            }
          }
        },
        threadName);
    reader.setDaemon(true);
    reader.start();
  }
}
