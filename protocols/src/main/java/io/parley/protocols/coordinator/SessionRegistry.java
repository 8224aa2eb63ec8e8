package io.parley.protocols.coordinator;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The sessions in progress, and why recent sessions ended (a bounded memory, so a late call for
 * an aborted session still gets the abort reason, and a finished session is not mistaken for an
 * unknown one).
 */
final class SessionRegistry implements Session.EndListener {
  static final int ENDED_SESSIONS_REMEMBERED = 4096;
  private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{32}");

  private final Map<String, Session> active = new ConcurrentHashMap<>();
  private final Map<String, Status> ended =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Status> eldest) {
          return size() > ENDED_SESSIONS_REMEMBERED;
        }
      };

  void add(Session session) {
    active.put(session.id(), session);
  }

  /** The active session {@code id}; otherwise the status its end left, or NOT_FOUND. */
  Session get(String id) {
    if (!SESSION_ID.matcher(id).matches()) {
      throw Status.INVALID_ARGUMENT
          .withDescription("'" + Session.sanitize(id) + "' is not a session id (32 hex digits)")
          .asRuntimeException();
    }
    Session session = active.get(id);
    if (session != null) {
      return session;
    }
    Status end;
    synchronized (ended) {
      end = ended.get(id);
    }
    if (end != null) {
      throw end.asRuntimeException();
    }
    throw Status.NOT_FOUND.withDescription("session " + id + " is unknown to the coordinator").asRuntimeException();
  }

  List<Session> active() {
    return new ArrayList<>(active.values());
  }

  /** Parked calls of active session {@code id}; 0 when it is not active. */
  int waitingCalls(String id) {
    Session session = active.get(id);
    return session == null ? 0 : session.waitingCalls();
  }

  /** Bytes of PsiSum messages active session {@code id} holds; 0 when it is not active. */
  long psiSumBytes(String id) {
    Session session = active.get(id);
    return session == null ? 0 : session.psiSumBytes();
  }

  int activeCount() {
    return active.size();
  }

  boolean contains(String id) {
    return active.containsKey(id);
  }

  @Override
  public void ended(Session session, Status status) {
    synchronized (ended) {
      ended.put(session.id(), status);
    }
    active.remove(session.id());
  }
}
