package io.parley.protocols.coordinator;

/**
 * Where session deadlines get the time from: the system clock in production, a clock the test
 * moves by hand otherwise, so timeouts are testable without sleeping.
 */
public interface Clock {
  /** Milliseconds since the Unix epoch. */
  long millis();

  static Clock system() {
    return System::currentTimeMillis;
  }
}
