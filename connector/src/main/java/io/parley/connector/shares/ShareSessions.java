package io.parley.connector.shares;

import io.parley.connector.party.FederatedAggregation;
import io.parley.connector.party.PartyRuntime;
import io.parley.protocols.ParleyException;
import io.parley.protocols.wire.Invitation;
import io.parley.protocols.wire.ShareQuery;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A party's answer to an MPC invitation (as a compute party, or as an input party when it is not
 * among the invitation's compute parties): the invitation's query is a {@link ShareQuery}, and its
 * kind says which computation on shares to run.
 */
public final class ShareSessions {
  private static final Logger LOG = LoggerFactory.getLogger(ShareSessions.class);

  private ShareSessions() {}

  /**
   * Answers {@code invitation} (an MPC session) for the party of {@code spark}: an aggregate runs
   * as {@link ShareAggregation#respond}, a sealed-bid auction as {@code SealedBidAuctions.respond} (both as compute
   * or input party); anything this party cannot run is declined with the reason.
   *
   * @throws ParleyException when the session failed or was declined
   */
  public static void respond(SparkSession spark, Invitation invitation) {
    PartyRuntime runtime = PartyRuntime.of(spark);
    ShareQuery query;
    try {
      query = ShareQuery.parseFrom(invitation.getQuery());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw declined(runtime, invitation, "party " + runtime.party() + " cannot read the query of MPC session "
          + invitation.getSessionId() + ": it is not a ShareQuery message");
    }
    switch (query.getKindCase()) {
      case AGGREGATE -> ShareAggregation.respond(spark, invitation, query);
      case AUCTION -> io.parley.connector.auction.SealedBidAuctions.respond(spark, invitation, query);
      default -> throw declined(runtime, invitation, "party " + runtime.party()
          + " does not know the kind of computation of MPC session " + invitation.getSessionId());
    }
  }

  private static ParleyException declined(PartyRuntime runtime, Invitation invitation, String reason) {
    LOG.info("session {}: party {} declines: {}", invitation.getSessionId(), runtime.party(), reason);
    FederatedAggregation.decline(runtime, invitation.getSessionId(), reason);
    return new ParleyException(reason);
  }
}
