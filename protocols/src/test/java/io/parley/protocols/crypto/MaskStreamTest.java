package io.parley.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.junit.jupiter.api.Test;

class MaskStreamTest {
  private static final HexFormat HEX = HexFormat.of();

  private static SecretBytes randomKey(SecureRandom random, int length) {
    byte[] key = new byte[length];
    random.nextBytes(key);
    return SecretBytes.of(key);
  }

  /** Words [first, first + count) computed independently with BouncyCastle's AES in CTR (SIC). */
  private static long[] bouncyCastleWords(byte[] key, long first, int count) {
    // Start at the counter block holding the first word (seekTo's byte position would overflow).
    byte[] counter = ByteBuffer.allocate(16).putLong(8, first >>> 1).array();
    SICBlockCipher ctr = new SICBlockCipher(AESEngine.newInstance());
    ctr.init(true, new ParametersWithIV(new KeyParameter(key), counter));
    ctr.seekTo((first & 1) * 8);
    byte[] stream = new byte[count * 8];
    ctr.processBytes(new byte[count * 8], 0, stream.length, stream, 0);
    long[] words = new long[count];
    ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(words);
    return words;
  }

  private record KnownAnswer(byte[] key, long firstWord, long[] words) {}

  private static List<KnownAnswer> knownAnswers() throws IOException {
    List<KnownAnswer> answers = new ArrayList<>();
    try (InputStream in = MaskStreamTest.class.getResourceAsStream("mask-stream-kat.txt");
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      byte[] key = null;
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] fields = line.split(" ");
        if (fields[0].equals("key")) {
          key = HEX.parseHex(fields[1]);
        } else if (fields[0].equals("words")) {
          long first = Long.parseLong(fields[1]);
          long[] words = new long[Integer.parseInt(fields[2])];
          for (int i = 0; i < words.length; i++) {
            words[i] = Long.parseUnsignedLong(reader.readLine().trim(), 16);
          }
          answers.add(new KnownAnswer(key, first, words));
        } else {
          throw new IOException("unexpected line in mask-stream-kat.txt: " + line);
        }
      }
    }
    return answers;
  }

  @Test
  void matchesKnownAnswersAndBouncyCastle() throws IOException {
    List<KnownAnswer> answers = knownAnswers();
    assertEquals(5, answers.size());
    for (KnownAnswer answer : answers) {
      long[] words = new long[answer.words().length];
      new MaskStream(SecretBytes.of(answer.key())).words(answer.firstWord(), words, 0, words.length);
      assertArrayEquals(answer.words(), words, "MaskStream at word " + answer.firstWord());
      assertArrayEquals(
          answer.words(),
          bouncyCastleWords(answer.key(), answer.firstWord(), words.length),
          "BouncyCastle at word " + answer.firstWord());
    }
  }

  @Test
  void longRunsMatchBouncyCastleAcrossChunkBoundaries() {
    SecureRandom random = Drbg.seeded(11);
    for (int keyLength : new int[] {16, 32}) {
      SecretBytes key = randomKey(random, keyLength);
      long[] words = new long[5000]; // several internal chunks
      new MaskStream(key).words(7, words, 0, words.length);
      assertArrayEquals(bouncyCastleWords(key.bytes(), 7, words.length), words);
    }
  }

  @Test
  void seekingAgreesWithSequentialExpansion() {
    SecureRandom random = Drbg.seeded(12);
    SecretBytes key = randomKey(random, 32);
    int total = 6000;
    long[] reference = new long[total];
    new MaskStream(key).words(0, reference, 0, total);
    MaskStream stream = new MaskStream(key);
    for (int trial = 0; trial < 300; trial++) {
      int first = random.nextInt(total);
      int length = random.nextInt(total - first + 1);
      int offset = 1 + 2 * random.nextInt(5); // odd offsets into the target
      long[] slice = new long[offset + length + 3];
      stream.words(first, slice, offset, length);
      assertArrayEquals(
          Arrays.copyOfRange(reference, first, first + length),
          Arrays.copyOfRange(slice, offset, offset + length),
          "slice at word " + first + " of length " + length);
      assertEquals(0, slice[offset - 1]);
      assertEquals(0, slice[offset + length]);
    }
  }

  @Test
  void consecutiveCallsContinueTheStream() {
    SecretBytes key = randomKey(Drbg.seeded(13), 16);
    long[] whole = new long[100];
    new MaskStream(key).words(3, whole, 0, 100);
    MaskStream stream = new MaskStream(key);
    long[] pieces = new long[100];
    stream.words(3, pieces, 0, 33);
    stream.words(36, pieces, 33, 1);
    stream.words(37, pieces, 34, 66);
    assertArrayEquals(whole, pieces);
  }

  @Test
  void farSeeksAgreeWithBouncyCastle() {
    SecretBytes key = randomKey(Drbg.seeded(14), 32);
    MaskStream stream = new MaskStream(key);
    for (long first : new long[] {1L << 40, (1L << 40) + 1, (1L << 62) - 3, Long.MAX_VALUE - 10}) {
      long[] words = new long[10];
      stream.words(first, words, 0, 10);
      assertArrayEquals(bouncyCastleWords(key.bytes(), first, 10), words, "at word " + first);
    }
  }

  @Test
  void addThenSubtractRestoresTheTarget() {
    SecureRandom random = Drbg.seeded(15);
    MaskStream stream = new MaskStream(randomKey(random, 32));
    long[] target = new long[4099];
    for (int i = 0; i < target.length; i++) {
      target[i] = random.nextLong();
    }
    long[] original = target.clone();
    stream.addTo(17, target, 3, 4090);
    assertFalse(Arrays.equals(original, target));
    assertEquals(original[2], target[2]);
    assertEquals(original[4093], target[4093]);
    stream.subtractFrom(17, target, 3, 4090);
    assertArrayEquals(original, target);

    long[] zeros = new long[50];
    stream.addTo(1, zeros, 0, 50);
    long[] words = new long[50];
    stream.words(1, words, 0, 50);
    assertArrayEquals(words, zeros);
  }

  @Test
  void pairwiseMasksCancel() {
    SecretBytes key = randomKey(Drbg.seeded(16), 16);
    long[] lowerParty = {1, 2, 3, 4, 5};
    long[] higherParty = {10, 20, 30, 40, 50};
    new MaskStream(key).addTo(100, lowerParty, 0, 5);
    new MaskStream(key).subtractFrom(100, higherParty, 0, 5);
    for (int i = 0; i < 5; i++) {
      assertEquals(11L * (i + 1), lowerParty[i] + higherParty[i]);
    }
  }

  @Test
  void differentKeysGiveDifferentStreams() {
    SecureRandom random = Drbg.seeded(17);
    long[] a = new long[4];
    long[] b = new long[4];
    new MaskStream(randomKey(random, 32)).words(0, a, 0, 4);
    new MaskStream(randomKey(random, 32)).words(0, b, 0, 4);
    assertFalse(Arrays.equals(a, b));
  }

  @Test
  void rejectsBadKeysAndRanges() {
    for (int length : new int[] {0, 15, 24, 31, 33}) {
      ParleyException e =
          assertThrows(
              ParleyException.class, () -> new MaskStream(SecretBytes.of(new byte[length])));
      assertTrue(e.getMessage().contains("16 or 32 bytes"), e.getMessage());
    }
    MaskStream stream = new MaskStream(SecretBytes.of(new byte[16]));
    assertThrows(IllegalArgumentException.class, () -> stream.words(-1, new long[1], 0, 1));
    assertThrows(
        IllegalArgumentException.class, () -> stream.words(Long.MAX_VALUE, new long[2], 0, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> stream.addTo(0, new long[4], 2, 3));
    assertFalse(stream.toString().contains("00000000"));
  }
}
