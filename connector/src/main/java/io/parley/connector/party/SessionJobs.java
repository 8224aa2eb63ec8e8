package io.parley.connector.party;

import java.util.function.Supplier;
import org.apache.spark.SparkContext;

/**
 * Runs a session's Spark jobs under a job group and a description the Spark UI and notebooks show
 * ("parley: &lt;query&gt; [session &lt;id&gt;]: &lt;stage&gt;"), with interrupt-on-cancel, and puts the
 * caller's thread-local job properties back afterwards. Cancelling the group cancels the jobs, and
 * a cancelled job aborts the session.
 */
public final class SessionJobs {
  private static final String JOB_DESCRIPTION = "spark.job.description";
  private static final String JOB_GROUP_ID = "spark.jobGroup.id";
  private static final String JOB_INTERRUPT_ON_CANCEL = "spark.job.interruptOnCancel";

  private SessionJobs() {}

  /** The job group a session uses unless its caller has one: {@code parley-session-<id>}. */
  public static String sessionGroup(String sessionId) {
    return FederatedAggregation.JOB_GROUP_PREFIX + sessionId;
  }

  /** The caller's job group on this thread, or null. */
  public static String callerGroup(SparkContext sc) {
    return sc.getLocalProperty(JOB_GROUP_ID);
  }

  /** Runs {@code job} under {@code group} with {@code description}, then restores this thread's job properties. */
  public static <T> T run(SparkContext sc, String group, String description, Supplier<T> job) {
    String previousDescription = sc.getLocalProperty(JOB_DESCRIPTION);
    String previousGroup = sc.getLocalProperty(JOB_GROUP_ID);
    String previousInterrupt = sc.getLocalProperty(JOB_INTERRUPT_ON_CANCEL);
    sc.setJobGroup(group, description, true);
    try {
      return job.get();
    } finally {
      sc.setLocalProperty(JOB_DESCRIPTION, previousDescription);
      sc.setLocalProperty(JOB_GROUP_ID, previousGroup);
      sc.setLocalProperty(JOB_INTERRUPT_ON_CANCEL, previousInterrupt);
    }
  }
}
