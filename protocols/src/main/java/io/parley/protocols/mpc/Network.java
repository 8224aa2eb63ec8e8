package io.parley.protocols.mpc;

/**
 * Point-to-point messages between the compute parties of one protocol run, in the style of
 * FRESCO's {@code Network}. Parties are numbered {@code 0 .. partyCount()-1}. Messages between one
 * ordered pair of parties arrive in the order they were sent; a receive blocks until the next one
 * arrives or the implementation's timeout passes, and then fails with a {@link
 * io.parley.protocols.ParleyException} naming the party waited for.
 *
 * <p><b>Buffer ownership.</b> {@link #send} hands the array to the network: the caller must not
 * read or modify it afterwards (the in-memory network passes the very array to the receiver, and
 * decorators may encrypt it in place or keep it). {@link #receive} returns an array the caller
 * owns outright and may modify.
 *
 * <p>An endpoint belongs to one party and is used by one thread at a time.
 */
public interface Network {
  /** This endpoint's party id. */
  int myId();

  /** The number of parties, ids {@code 0 .. partyCount()-1}. */
  int partyCount();

  /** Sends {@code message} to {@code toParty}; ownership of the array passes to the network. */
  void send(int toParty, byte[] message);

  /** The next message from {@code fromParty}, owned by the caller. */
  byte[] receive(int fromParty);

  /** Sends {@code message} to every other party; the receivers each get their own array. */
  default void broadcast(byte[] message) {
    int last = myId() == partyCount() - 1 ? partyCount() - 2 : partyCount() - 1;
    for (int party = 0; party < partyCount(); party++) {
      if (party != myId()) {
        send(party, party == last ? message : message.clone());
      }
    }
  }
}
