package io.parley.protocols.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CoverageTest {
  @Test
  void countsWhatWasSentAndCompletes() {
    Coverage coverage = new Coverage(100);
    coverage.add(50, 25);
    coverage.add(0, 10);
    assertEquals(35, coverage.covered());
    coverage.add(10, 40); // closes the gap before 50
    assertEquals(75, coverage.covered());
    assertFalse(coverage.complete());
    coverage.add(75, 25);
    assertTrue(coverage.complete());
    assertThrows(IllegalStateException.class, () -> coverage.add(99, 1));
    assertThrows(IllegalArgumentException.class, () -> coverage.firstOverlap(99, 2));
    assertThrows(IllegalArgumentException.class, () -> coverage.add(-1, 1));
  }

  @Test
  void findsTheFirstOverlappingElement() {
    Coverage coverage = new Coverage(100);
    coverage.add(10, 10); // [10, 20)
    coverage.add(40, 5); // [40, 45)
    assertEquals(-1, coverage.firstOverlap(0, 10));
    assertEquals(-1, coverage.firstOverlap(20, 20));
    assertEquals(10, coverage.firstOverlap(5, 6));
    assertEquals(15, coverage.firstOverlap(15, 1));
    assertEquals(40, coverage.firstOverlap(20, 30));
    assertEquals(10, coverage.firstOverlap(10, 1));
    assertEquals(44, coverage.firstOverlap(44, 50));
    assertEquals(-1, coverage.firstOverlap(45, 55));
  }

  @Test
  void oneElementChunksAtEveryOtherIndexCostNoMoreThanTheBits() {
    Coverage coverage = new Coverage(1_000_000);
    for (long offset = 0; offset < 1_000_000; offset += 2) {
      coverage.add(offset, 1);
    }
    assertEquals(500_000, coverage.covered());
    assertEquals(2, coverage.firstOverlap(1, 2), "element 2 was sent, 1 was not");
    assertEquals(125_000, Coverage.bytesFor(1_000_000));
    for (long offset = 1; offset < 1_000_000; offset += 2) {
      coverage.add(offset, 1);
    }
    assertTrue(coverage.complete());
  }
}
