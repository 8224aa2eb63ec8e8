package io.parley.protocols.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RingVectorsTest {

  @Test
  void encodesLittleEndianWords() {
    byte[] bytes = RingVectors.toBytes(new long[] {0x0102030405060708L, -1L, 42L}, 0, 2);
    assertArrayEquals(
        new byte[] {8, 7, 6, 5, 4, 3, 2, 1, -1, -1, -1, -1, -1, -1, -1, -1}, bytes);
    assertArrayEquals(new long[] {0x0102030405060708L, -1L}, RingVectors.fromBytes(bytes));
  }

  @Test
  void encodesASlice() {
    long[] values = {1, 2, 3, 4, 5};
    assertArrayEquals(new long[] {3, 4}, RingVectors.fromBytes(RingVectors.toBytes(values, 2, 2)));
    assertArrayEquals(new long[0], RingVectors.fromBytes(RingVectors.toBytes(values, 5, 0)));
    assertThrows(ParleyException.class, () -> RingVectors.toBytes(values, 4, 2));
    assertThrows(ParleyException.class, () -> RingVectors.toBytes(values, -1, 1));
  }

  @Test
  void rejectsPartialWords() {
    ParleyException e = assertThrows(ParleyException.class, () -> RingVectors.fromBytes(new byte[12]));
    assertTrue(e.getMessage().contains("12 bytes"), e.getMessage());
    assertThrows(ParleyException.class, () -> RingVectors.addInto(new long[4], 0, new byte[9]));
  }

  @Test
  void addsIntoAnOffsetWithWrapAround() {
    long[] accumulator = {10, Long.MAX_VALUE, -1L, 7};
    RingVectors.addInto(accumulator, 1, RingVectors.toBytes(new long[] {1, 2}, 0, 2));
    assertArrayEquals(new long[] {10, Long.MIN_VALUE, 1, 7}, accumulator);
    assertThrows(
        ParleyException.class,
        () -> RingVectors.addInto(accumulator, 3, RingVectors.toBytes(new long[] {1, 2}, 0, 2)));
  }

  @Test
  void addAndSubtractAreInverse() {
    Random random = new Random(7);
    long[] a = random.longs(1000).toArray();
    long[] b = random.longs(1000).toArray();
    long[] sum = a.clone();
    RingVectors.add(sum, b);
    for (int i = 0; i < a.length; i++) {
      if (sum[i] != a[i] + b[i]) {
        throw new AssertionError("element " + i);
      }
    }
    RingVectors.subtract(sum, b);
    assertArrayEquals(a, sum);
    assertThrows(ParleyException.class, () -> RingVectors.add(new long[2], new long[3]));
  }

  @Test
  void addIntoMatchesAddOnRandomVectors() {
    Random random = new Random(11);
    long[] accumulator = random.longs(300).toArray();
    long[] values = random.longs(300).toArray();
    long[] expected = accumulator.clone();
    RingVectors.add(expected, values);
    RingVectors.addInto(accumulator, 0, RingVectors.toBytes(values, 0, values.length));
    assertArrayEquals(expected, accumulator);
  }

  @Test
  void addsFromAByteBufferView() {
    long[] accumulator = {1, 2, 3};
    byte[] bytes = RingVectors.toBytes(new long[] {9, 10, -3}, 0, 3);
    java.nio.ByteBuffer view = java.nio.ByteBuffer.wrap(bytes, 8, 16).slice();
    RingVectors.addInto(accumulator, 1, view);
    assertArrayEquals(new long[] {1, 12, 0}, accumulator);
    assertThrows(ParleyException.class, () -> RingVectors.addInto(accumulator, 2, view));
  }
}
