package io.parley.protocols.coordinator;

/**
 * Receives every request message the coordinator gets, as serialized protobuf bytes, with the
 * sender's party name (from its certificate) and the RPC name (e.g. {@code Join},
 * {@code SubmitVector} once per chunk). Tests use it to show what the coordinator could learn.
 * Implementations must be thread-safe: calls arrive from many gRPC threads at once.
 */
public interface TranscriptSink {
  /** Records nothing. */
  TranscriptSink NONE = (party, rpc, message) -> {};

  void record(String party, String rpc, byte[] message);
}
