package io.parley.protocols.mpc;

/**
 * The kind of step a message belongs to, carried in every {@link Envelope}. A receiver states the
 * operation it expects, so a message from another step is rejected instead of being misread.
 */
public enum Operation {
  KEY_SETUP(1),
  SHARE_INPUT(2),
  MULTIPLY(3),
  TRUNCATE(4),
  REVEAL(5),
  AND(6),
  SHARE_BOOLEAN_INPUT(7),
  SHUFFLE(8),
  INPUT_LENGTH(9);

  private final byte id;

  Operation(int id) {
    this.id = (byte) id;
  }

  /** The byte on the wire. */
  public byte id() {
    return id;
  }

  /** The operation with wire id {@code id}, or {@code null} if there is none. */
  static Operation fromId(byte id) {
    for (Operation operation : values()) {
      if (operation.id == id) {
        return operation;
      }
    }
    return null;
  }
}
