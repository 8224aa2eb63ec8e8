package io.parley.protocols.coordinator;

/** Where a session is; messages that belong to another stage are rejected. */
enum Stage {
  /** Waiting for every participant's Join. */
  JOINING("joining"),
  /** Roster known; relaying the group secret and collecting group-key tokens. */
  ALIGNING("aligning group keys"),
  /** Union known; adding masked vector chunks. */
  SUMMING("summing vectors"),
  /** MPC sessions only: roster known; relaying engine messages until every participant finished. */
  RELAYING("relaying engine messages"),
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
