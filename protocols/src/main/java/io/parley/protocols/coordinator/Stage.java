package io.parley.protocols.coordinator;

/** Where a session is; messages that belong to another stage are rejected. */
enum Stage {
  /** Waiting for every participant's Join. */
  JOINING("joining"),
  /** Roster known; relaying the group secret and collecting group-key tokens. */
  ALIGNING("aligning group keys"),
  /** Union known; adding masked vector chunks. */
  SUMMING("summing vectors"),
  DONE("done"),
  ABORTED("aborted");

  private final String description;

  Stage(String description) {
    this.description = description;
  }

  String description() {
    return description;
  }
}
