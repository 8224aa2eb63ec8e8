package io.parley.connector.party;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.protocols.ParleyException;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** What a party's runtime refuses before any session starts. */
class PartyRuntimeTest {

  @Test
  void speculativeTasksAreRefusedBecauseTheyWouldSendTwice() {
    ParleyException refused = assertThrows(ParleyException.class,
        () -> PartyRuntime.requireNoSpeculation(new SparkConf(false).set("spark.speculation", "true")));
    assertEquals("spark.speculation is true: a speculative copy of a Parley task would send to the coordinator a"
        + " second time, which ends the session; set spark.speculation=false for this party", refused.getMessage());
    assertDoesNotThrow(() -> PartyRuntime.requireNoSpeculation(new SparkConf(false)));
    assertDoesNotThrow(() -> PartyRuntime.requireNoSpeculation(new SparkConf(false).set("spark.speculation", "false")));
  }
}
