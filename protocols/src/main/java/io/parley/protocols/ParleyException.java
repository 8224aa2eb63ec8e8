package io.parley.protocols;

/**
 * Parley's one exception family: a message a user can act on, naming the table, column, party or
 * setting at fault. The message is shown as it is ({@code parley: <message>}), so it never holds a
 * secret, a key or another party's data.
 */
public class ParleyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ParleyException(String message) {
    super(message);
  }

  public ParleyException(String message, Throwable cause) {
    super(message, cause);
  }
}
