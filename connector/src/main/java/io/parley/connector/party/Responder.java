package io.parley.connector.party;

import io.parley.protocols.ParleyException;
import io.parley.protocols.wire.Invitation;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A party's always-on answer to federated queries: it subscribes to the coordinator's invitations
 * and answers each on its own thread with {@link FederatedAggregation#respond} (policy first, then
 * Spark jobs over the session's local data). Invitations to sessions this party initiated itself
 * are left to the initiating query, which joins them.
 */
public final class Responder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Responder.class);

  private final SparkSession spark;
  private final PartyRuntime runtime;
  private final ExecutorService sessions;
  private final Set<String> active = ConcurrentHashMap.newKeySet();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile boolean closing;
  private volatile AutoCloseable subscription;

  private Responder(SparkSession spark, PartyRuntime runtime) {
    this.spark = spark;
    this.runtime = runtime;
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory factory =
        task -> {
          Thread thread = new Thread(task, "parley-responder-" + runtime.party() + "-" + threads.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        };
    this.sessions = Executors.newCachedThreadPool(factory);
  }

  /** Subscribes {@code spark}'s party to invitations; it answers them until {@link #close}. */
  public static Responder start(SparkSession spark) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    Responder responder = new Responder(spark, runtime);
    responder.subscription = runtime.client().subscribe(responder::onInvitation, responder::onEnd);
    LOG.info("party {} answers invitations from coordinator {}", runtime.party(), runtime.coordinator());
    return responder;
  }

  public String party() {
    return runtime.party();
  }

  private void onInvitation(Invitation invitation) {
    String sessionId = invitation.getSessionId();
    if (invitation.getInitiator().equals(runtime.party())) {
      return;
    }
    boolean auction = invitation.getPurpose() == io.parley.protocols.wire.SessionPurpose.SESSION_PURPOSE_MPC
        && isAuction(invitation);
    if (invitation.getPurpose() != io.parley.protocols.wire.SessionPurpose.SESSION_PURPOSE_AGGREGATE && !auction) {
      // Other share computations have their engine and sessions but no Spark side yet.
      declineQuietly(sessionId, "party " + runtime.party() + " answers only secure aggregation sessions and auctions, not "
          + invitation.getPurpose());
      return;
    }
    try {
      sessions.execute(() -> answer(invitation));
    } catch (RejectedExecutionException stopping) {
      declineQuietly(sessionId, "party " + runtime.party() + "'s responder is stopping");
    }
  }

  private void answer(Invitation invitation) {
    String sessionId = invitation.getSessionId();
    active.add(sessionId);
    SparkSession.setActiveSession(spark);
    try {
      if (invitation.getPurpose() == io.parley.protocols.wire.SessionPurpose.SESSION_PURPOSE_MPC) {
        io.parley.connector.auction.SealedBidAuctions.respond(spark, invitation, shareQuery(invitation));
      } else {
        FederatedAggregation.respond(spark, invitation);
      }
    } catch (ParleyException e) {
      LOG.warn("session {}: party {} did not complete: {}", sessionId, runtime.party(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("session {}: party {} failed ({})", sessionId, runtime.party(), e.getClass().getName());
    } finally {
      SparkSession.clearActiveSession();
      active.remove(sessionId);
    }
  }

  private static boolean isAuction(Invitation invitation) {
    try {
      return shareQuery(invitation).hasAuction();
    } catch (ParleyException malformed) {
      return false;
    }
  }

  /** An MPC invitation's query: protobuf only, never Java serialization. */
  private static io.parley.protocols.wire.ShareQuery shareQuery(Invitation invitation) {
    try {
      return io.parley.protocols.wire.ShareQuery.parseFrom(invitation.getQuery());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new ParleyException("the query of session " + invitation.getSessionId() + " is not a valid ShareQuery message");
    }
  }

  private void declineQuietly(String sessionId, String reason) {
    try {
      FederatedAggregation.decline(runtime, sessionId, reason);
    } catch (RuntimeException e) {
      LOG.info("session {}: decline not delivered ({})", sessionId, e.getClass().getSimpleName());
    }
  }

  private void onEnd(Throwable error) {
    if (!closing) {
      LOG.error("party {}: the coordinator ended the invitation stream{}", runtime.party(),
          error == null ? "" : ": " + error.getMessage());
    }
    terminated.countDown();
  }

  /**
   * Stops answering: unsubscribes, cancels the Spark jobs of sessions in progress (which aborts
   * them) and waits briefly for their threads.
   */
  @Override
  public void close() {
    closing = true;
    AutoCloseable current = subscription;
    if (current != null) {
      try {
        current.close();
      } catch (Exception e) {
        LOG.info("party {}: closing the subscription failed ({})", runtime.party(), e.getClass().getSimpleName());
      }
    }
    for (String sessionId : active) {
      spark.sparkContext().cancelJobGroup(FederatedAggregation.JOB_GROUP_PREFIX + sessionId);
    }
    sessions.shutdownNow();
    try {
      if (!sessions.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("party {}: sessions still running after close: {}", runtime.party(), active);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    terminated.countDown();
  }

  /** Blocks until {@link #close} or until the coordinator ends the invitation stream. */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }
}
