package io.parley.protocols.psi;

import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.crypto.SecretBytes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the PSI variants between a receiver ("alpha"), a sender ("beta") and, for sums, the
 * coordinator, in one process. Every message crosses as encoded bytes and is recorded, so tests can
 * inspect what each side received.
 */
final class InProcessPsi {
  static final String RECEIVER = "alpha";
  static final String SENDER = "beta";
  static final String COORDINATOR = "coordinator";

  final List<byte[]> toReceiver = new ArrayList<>();
  final List<byte[]> toSender = new ArrayList<>();
  final List<byte[]> toCoordinator = new ArrayList<>();

  private final PsiDomain domain;
  private final SecureRandom receiverRandom;
  private final SecureRandom senderRandom;
  private final SecretBytes pairSecret;

  InProcessPsi(PsiDomain domain, long seed) {
    this.domain = domain;
    this.receiverRandom = Drbg.seeded(seed * 3 + 1);
    this.senderRandom = Drbg.seeded(seed * 3 + 2);
    byte[] secret = new byte[32];
    Drbg.seeded(seed * 3 + 3).nextBytes(secret);
    this.pairSecret = SecretBytes.of(secret);
  }

  boolean[] intersection(byte[][] receiverIds, byte[][] senderIds) {
    PsiReceiver receiver = receiver(PsiVariant.INTERSECTION, receiverIds);
    PsiSender sender = sender(PsiVariant.INTERSECTION, senderIds, null);
    byte[][] replies = exchange(receiver, sender);
    return receiver.intersection(replies[0], replies[1]);
  }

  long cardinality(byte[][] receiverIds, byte[][] senderIds) {
    PsiReceiver receiver = receiver(PsiVariant.CARDINALITY, receiverIds);
    PsiSender sender = sender(PsiVariant.CARDINALITY, senderIds, null);
    byte[][] replies = exchange(receiver, sender);
    return receiver.intersectionSize(replies[0], replies[1]);
  }

  /** Returns the result as the receiver and the sender each unmask it. */
  PsiSumResult[] sum(byte[][] receiverIds, byte[][] senderIds, long[][] senderValues) {
    PsiReceiver receiver = receiver(PsiVariant.INTERSECTION_SUM, receiverIds);
    PsiSender sender = sender(PsiVariant.INTERSECTION_SUM, senderIds, senderValues);
    PsiSumMasks receiverMasks = PsiSumMasks.derive(pairSecret, domain);
    PsiSumMasks senderMasks = PsiSumMasks.derive(pairSecret, domain);
    byte[][] replies = exchange(receiver, sender);
    byte[] payload = record(toCoordinator, sender.maskedPayload(senderMasks));
    byte[] report =
        record(
            toCoordinator,
            receiver.matchReport(replies[0], replies[1], receiverMasks, sender.payloadWidth()));
    byte[] result = IntersectionSumCoordinator.sum(payload, SENDER, report, RECEIVER);
    record(toReceiver, result);
    record(toSender, result);
    return new PsiSumResult[] {
      PsiSumResult.unmask(result, COORDINATOR, receiverMasks),
      PsiSumResult.unmask(result, COORDINATOR, senderMasks)
    };
  }

  private PsiReceiver receiver(PsiVariant variant, byte[][] ids) {
    return new PsiReceiver(
        SENDER, PsiKey.generate(domain, receiverRandom), variant, ids, receiverRandom);
  }

  private PsiSender sender(PsiVariant variant, byte[][] ids, long[][] values) {
    return new PsiSender(
        RECEIVER, PsiKey.generate(domain, senderRandom), variant, ids, values, senderRandom);
  }

  /** Receiver → sender, then the sender's two replies: {reblinded receiver points, its own}. */
  private byte[][] exchange(PsiReceiver receiver, PsiSender sender) {
    byte[] blindedByReceiver = record(toSender, receiver.blindedIdentifiers());
    byte[] reblinded = record(toReceiver, sender.reblind(blindedByReceiver));
    byte[] blindedBySender = record(toReceiver, sender.blindedIdentifiers());
    return new byte[][] {reblinded, blindedBySender};
  }

  private static byte[] record(List<byte[]> inbox, byte[] message) {
    inbox.add(message);
    return message;
  }
}
