package io.parley.connector.party;

import io.parley.protocols.ParleyException;

/**
 * A party refuses a federated query by its policy or because the query asks for more than a
 * federated aggregate may compute. Its message names only the query and the policy, so it is the
 * reason shown to every participant; other failures keep their detail in the party's own log.
 */
public final class QueryRefused extends ParleyException {
  private static final long serialVersionUID = 1L;

  public QueryRefused(String message) {
    super(message);
  }
}
