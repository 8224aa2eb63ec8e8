package io.parley.protocols.coordinator;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Responses decided under a session's lock and sent after it is released, so a slow or large
 * response (a whole sum) never holds other calls of the session back.
 */
final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);
  private final List<Runnable> replies = new ArrayList<>();

  void add(Runnable reply) {
    replies.add(reply);
  }

  void send() {
    for (Runnable reply : replies) {
      try {
        reply.run();
      } catch (RuntimeException e) {
        // The caller went away (cancelled or deadline): nothing left to tell it.
        LOG.debug("reply not delivered: {}", e.toString());
      }
    }
    replies.clear();
  }
}
