/**
 * Three-party replicated secret sharing over Z/2^64 (Araki et al. 2016; ABY3), semi-honest with an
 * honest majority: the engine behind comparisons, min/max, order statistics and selection,
 * vectorised on batches.
 *
 * <h2>Layers</h2>
 *
 * <ul>
 *   <li>{@link io.parley.protocols.mpc.ReplicatedParty}: one compute party's operations on {@link
 *       io.parley.protocols.mpc.ArithmeticShares} and {@link
 *       io.parley.protocols.mpc.BooleanShares}: input, linear operations, multiplication,
 *       truncation, reveal to chosen parties, boolean AND/XOR, conversions, comparisons, select,
 *       min/max/arg-max trees, a three-pass shuffle and order statistics. Each method's Javadoc
 *       gives its rounds and bytes per element, and what it reveals where it opens anything.
 *   <li>{@link io.parley.protocols.mpc.Envelope}: every message's wire form (version, operation,
 *       per-direction sequence number, length-checked payload), checked on receipt.
 *   <li>{@link io.parley.protocols.mpc.Network}: where envelopes travel. {@link
 *       io.parley.protocols.mpc.InMemoryNetwork} for tests; decorators count ({@link
 *       io.parley.protocols.mpc.CountingNetwork}), misbehave ({@link
 *       io.parley.protocols.mpc.TamperingNetwork}) or encrypt and authenticate end to end ({@link
 *       io.parley.protocols.mpc.SealedNetwork}).
 * </ul>
 *
 * <h2>The coordinator relay</h2>
 *
 * {@link io.parley.protocols.mpc.ComputeSession} joins an MPC session of the coordinator (three
 * compute parties named by the initiator; signed X25519 session keys through {@link
 * io.parley.protocols.session.SessionKeyExchange}) and hands out one network per operation and
 * partition: {@code SealedNetwork} over {@link io.parley.protocols.mpc.RelayNetwork}, which relays
 * and fetches through the coordinator in envelopes of at most 4 MiB tagged {@code
 * <operation>/<partition>/<sequence>/<chunk>}. Each message is sealed with AES-256-GCM under the
 * pair's relay key ({@code HKDF(s_ij, "parley/v1/relay")}), in frames of 16 KiB, with associated
 * data {@code "parley/v1/mpc" | context | from | to | counter | frame | frames}, where {@code
 * context = "parley/v1/mpc-context" | session | operation | partition}. The envelope's own version, operation and sequence number
 * sit inside the ciphertext, so they are authenticated too; a message replayed, reordered,
 * redirected, altered, or taken from another session or partition fails to open, and the receive
 * fails with a {@link io.parley.protocols.ParleyException} instead of using it. The coordinator
 * sees only sealed bytes, their sizes and timing. Partition tasks sharing one pair of PRF keys
 * must start at disjoint correlation words ({@code ReplicatedParty.connect(network, random,
 * partition << 40)}).
 *
 * <h2>Spark executors</h2>
 *
 * {@link io.parley.protocols.mpc.SessionNetworks} is a session's Serializable executor view
 * (session id, parties, relay keys): each partition task opens the sealed network of its
 * (operation, partition) over its executor JVM's own coordinator client. For stages split over
 * partitions the engine offers {@code exchangeInputLengths} (inputs whose sizes only the owners
 * know), {@code shuffleWithinSegments} (one permutation per group) and {@code
 * orderStatisticsOfShuffled} (selection in already shuffled groups, all groups in lockstep).
 */
package io.parley.protocols.mpc;
