package io.parley.protocols.coordinator;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.parley.protocols.wire.Invitation;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The open Subscribe stream of each party: at most one; a new one replaces the old. */
final class Subscriptions {
  private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);

  /** One party's invitation stream; sends are serialised because a stream is not thread-safe. */
  static final class Subscriber {
    private final String party;
    private final ServerCallStreamObserver<Invitation> stream;
    private boolean open = true;

    Subscriber(String party, ServerCallStreamObserver<Invitation> stream) {
      this.party = party;
      this.stream = stream;
    }

    synchronized boolean invite(Invitation invitation) {
      if (!open || stream.isCancelled()) {
        return false;
      }
      try {
        stream.onNext(invitation);
        return true;
      } catch (RuntimeException e) {
        open = false;
        LOG.info("subscription of party {} is gone: {}", party, e.toString());
        return false;
      }
    }

    synchronized void end(Status status) {
      if (open) {
        open = false;
        try {
          stream.onError(status.asRuntimeException());
        } catch (RuntimeException e) {
          LOG.debug("subscription of party {} already closed: {}", party, e.toString());
        }
      }
    }

    synchronized boolean isOpen() {
      return open && !stream.isCancelled();
    }
  }

  private final Map<String, Subscriber> byParty = new ConcurrentHashMap<>();

  void subscribe(String party, ServerCallStreamObserver<Invitation> stream) {
    Subscriber subscriber = new Subscriber(party, stream);
    stream.setOnCancelHandler(() -> {
      if (byParty.remove(party, subscriber)) {
        LOG.info("party {} unsubscribed", party);
      }
    });
    Subscriber old = byParty.put(party, subscriber);
    if (old != null) {
      old.end(Status.CANCELLED.withDescription("replaced by a newer subscription of party " + party));
    }
    LOG.info("party {} subscribed for invitations", party);
  }

  boolean isConnected(String party) {
    Subscriber subscriber = byParty.get(party);
    return subscriber != null && subscriber.isOpen();
  }

  boolean invite(String party, Invitation invitation) {
    Subscriber subscriber = byParty.get(party);
    return subscriber != null && subscriber.invite(invitation);
  }

  void endAll(Status status) {
    for (Subscriber subscriber : List.copyOf(byParty.values())) {
      subscriber.end(status);
    }
    byParty.clear();
  }
}
