package io.parley.protocols.aggregation;

import io.parley.protocols.crypto.MaskStream;
import io.parley.protocols.crypto.SecretBytes;
import java.util.List;

/**
 * A party's state in one secure aggregation session once every participant's signed key checked
 * out: who takes part, who leads, and the session's tokens and masks.
 */
public final class JoinedSession {
  private final String sessionId;
  private final String self;
  private final List<String> participants;
  private final GroupTokens tokens;
  private final MaskPlan maskPlan;
  private final SecretBytes outputMask;

  JoinedSession(
      String sessionId, String self, List<String> participants, GroupTokens tokens, MaskPlan maskPlan, SecretBytes outputMask) {
    this.sessionId = sessionId;
    this.self = self;
    this.participants = List.copyOf(participants);
    this.tokens = tokens;
    this.maskPlan = maskPlan;
    this.outputMask = outputMask;
  }

  public String sessionId() {
    return sessionId;
  }

  public String self() {
    return self;
  }

  /** Every participant, sorted by name; the first one is the leader. */
  public List<String> participants() {
    return participants;
  }

  /** The leader draws the group secret and adds the output mask. */
  public boolean isLeader() {
    return participants.get(0).equals(self);
  }

  public GroupTokens tokens() {
    return tokens;
  }

  public MaskPlan maskPlan() {
    return maskPlan;
  }

  /** Turns the coordinator's sum (Σ + output mask) into Σ, in place, from word 0. */
  public void removeOutputMask(long[] sum) {
    new MaskStream(outputMask).subtractFrom(0, sum, 0, sum.length);
  }

  @Override
  public String toString() {
    return "JoinedSession[" + sessionId + ", " + self + " of " + participants + ", secrets redacted]";
  }
}
