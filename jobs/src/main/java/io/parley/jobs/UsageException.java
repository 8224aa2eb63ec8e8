package io.parley.jobs;

/**
 * A flag's value that cannot be used (an unknown table, a malformed schema, a folder that is not
 * empty): reported as one {@code parley:} line with exit status 2, like a picocli usage error.
 */
public final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
