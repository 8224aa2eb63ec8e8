package io.parley.connector.join;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.protocols.ParleyException;
import io.parley.protocols.coordinator.CoordinatorServer;
import org.junit.jupiter.api.Test;

/** Where a sum over the intersection stops: both PsiSum messages within the coordinator's 1 GiB. */
class PrivateJoinSumLimitTest {
  private static final long BUDGET = CoordinatorServer.PSI_SUM_BUDGET_BYTES;

  @Test
  void aboutThirtyMillionSenderIdentifiersFitWhateverTheReceiverHolds() {
    // 32 bytes per sender identifier, 4 per possible match, 56 bytes of headers and mask words.
    assertDoesNotThrow(() -> PrivateJoins.requireSumFits("j", "beta", 29_826_160, 50_000_000, BUDGET));
    ParleyException over = assertThrows(ParleyException.class,
        () -> PrivateJoins.requireSumFits("bank.customers ⋈ shop.orders", "beta", 29_826_161, 50_000_000, BUDGET));
    assertEquals("bank.customers ⋈ shop.orders: party beta has 29826161 distinct identifiers, too many for a sum over "
        + "the intersection: its masked payload and the match report could reach 1073741852 bytes, more than the "
        + "1073741824 the coordinator holds for a session's PsiSum messages; narrow party beta's side with a filter",
        over.getMessage());
  }

  @Test
  void aSmallReceiverLeavesRoomForMoreSenderIdentifiers() {
    // Matches are at most the receiver's distinct count: with 1,000 the payload alone binds.
    assertDoesNotThrow(() -> PrivateJoins.requireSumFits("j", "beta", 33_554_000, 1_000, BUDGET));
    assertThrows(ParleyException.class, () -> PrivateJoins.requireSumFits("j", "beta", 33_554_432, 1_000, BUDGET));
  }
}
