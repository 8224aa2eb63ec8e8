package io.parley.protocols.mpc;

import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.MaskStream;
import io.parley.protocols.crypto.SecretBytes;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One compute party's role in three-party replicated secret sharing over Z/2^64 (Araki et al.
 * 2016; ABY3), semi-honest with an honest majority. Party {@code i} holds {@code (x_i, x_{i+1})}
 * of every value {@code x = x_0 + x_1 + x_2} (indices mod 3); boolean values are shared the same
 * way with XOR. Every operation works on a whole batch ({@code long[]}), allocates arrays only, and
 * must be called by all three parties in the same order with batches of the same length.
 *
 * <p>Correlated randomness comes from PRF keys the pairs share (no dealer): party {@code i} holds
 * {@code k_i} (shared with party {@code i-1}) and {@code k_{i+1}} (shared with party {@code
 * i+1}), expanded by AES-CTR ({@link MaskStream}). Its share of zero for the {@code c}-th
 * correlated word is {@code F(k_i, c) - F(k_{i+1}, c)}; the three shares sum to zero.
 *
 * <p>Costs are stated per element, per party, as rounds and payload bytes sent (each message also
 * carries a 14-byte {@link Envelope} header). "Local" means no communication.
 *
 * <p>Not thread-safe: one instance per party and protocol run (for Spark: per partition task, each
 * with its own {@code firstCorrelationWord} range).
 */
public final class ReplicatedParty {
  /** Replicated sharing here is for exactly three compute parties. */
  public static final int PARTIES = 3;

  private static final int KEY_BYTES = 16;

  private final int self;
  private final int next;
  private final int previous;
  private final Messenger messenger;
  private final PairwiseRandomness randomness;

  private ReplicatedParty(Messenger messenger, PairwiseRandomness randomness) {
    this.messenger = messenger;
    this.randomness = randomness;
    this.self = messenger.self();
    this.next = (self + 1) % PARTIES;
    this.previous = (self + 2) % PARTIES;
  }

  /** {@link #connect(Network, SecureRandom, long)} from correlation word 0. */
  public static ReplicatedParty connect(Network network, SecureRandom random) {
    return connect(network, random, 0);
  }

  /**
   * Sets up the pairwise PRF keys: this party draws {@code k_i} from {@code random} and sends it to
   * party {@code i-1}, and receives {@code k_{i+1}} from party {@code i+1}. One round, 16 bytes.
   * The key travels in the clear inside this network, so in production the network must be the
   * end-to-end encrypted pairwise channel.
   *
   * @param firstCorrelationWord where this run starts in the PRF streams; runs that share keys
   *     (for example the partitions of one Spark stage) must use disjoint ranges, such as {@code
   *     partition << 40} (2^40 words per partition)
   */
  public static ReplicatedParty connect(
      Network network, SecureRandom random, long firstCorrelationWord) {
    Objects.requireNonNull(random, "random");
    if (network.partyCount() != PARTIES || network.myId() < 0 || network.myId() >= PARTIES) {
      throw new ParleyException(
          "replicated secret sharing needs exactly 3 compute parties; the network has "
              + network.partyCount() + " and this party's id is " + network.myId());
    }
    Messenger messenger = new Messenger(network);
    int self = network.myId();
    byte[] ownKey = new byte[KEY_BYTES];
    random.nextBytes(ownKey);
    messenger.sendBytes((self + 2) % PARTIES, Operation.KEY_SETUP, ownKey.clone());
    byte[] nextKey = messenger.receiveBytes((self + 1) % PARTIES, Operation.KEY_SETUP, KEY_BYTES);
    MaskStream ownStream = new MaskStream(SecretBytes.of(ownKey));
    MaskStream nextStream = new MaskStream(SecretBytes.of(nextKey));
    Arrays.fill(ownKey, (byte) 0);
    Arrays.fill(nextKey, (byte) 0);
    return new ReplicatedParty(
        messenger, new PairwiseRandomness(ownStream, nextStream, firstCorrelationWord));
  }

  /** This party's id, 0, 1 or 2. */
  public int partyId() {
    return self;
  }

  // ---------------------------------------------------------------- input

  /**
   * Shares values held by compute party {@code owner}. The owner passes its values; the others
   * pass {@code null} and the same {@code length}. Shares {@code x_owner} and {@code x_owner+1}
   * come from the PRF keys the owner shares with its neighbours; the owner sends the third share,
   * {@code x - x_owner - x_owner+1}, to both. One round; the owner sends 16 bytes per element, the
   * others nothing.
   */
  public ArithmeticShares shareInput(int owner, long[] values, int length) {
    return shareInput(owner, values, length, false).arithmetic();
  }

  /**
   * The most values one party may announce with {@link #exchangeInputLengths}: one word each must
   * fit a single relayed message.
   */
  public static final int MAX_INPUT_LENGTH =
      (RelayNetwork.MAX_MESSAGE_BYTES - Envelope.HEADER_BYTES - 64) / Long.BYTES;

  /**
   * Tells the other two parties how many values this party will input next, and learns how many
   * they will: {@code result[j]} is party {@code j}'s length (this party's own at its id), so each
   * can then call {@link #shareInput} for every owner. What it reveals is what the input's message
   * sizes reveal anyway. One round; 8 bytes to each peer.
   *
   * @throws ParleyException if a peer announces a negative length or more than {@link
   *     #MAX_INPUT_LENGTH}
   */
  public int[] exchangeInputLengths(int ownLength) {
    if (ownLength < 0 || ownLength > MAX_INPUT_LENGTH) {
      throw new IllegalArgumentException(
          "an input of " + ownLength + " values is outside 0.." + MAX_INPUT_LENGTH);
    }
    long[] announced = {ownLength};
    messenger.sendWords(next, Operation.INPUT_LENGTH, announced, 0, 1);
    messenger.sendWords(previous, Operation.INPUT_LENGTH, announced, 0, 1);
    int[] lengths = new int[PARTIES];
    lengths[self] = ownLength;
    for (int peer : new int[] {next, previous}) {
      long[] received = new long[1];
      messenger.receiveWords(peer, Operation.INPUT_LENGTH, received, 0, 1);
      if (received[0] < 0 || received[0] > MAX_INPUT_LENGTH) {
        throw new ParleyException(
            "party " + peer + " announced an input of " + received[0] + " values, outside 0.."
                + MAX_INPUT_LENGTH + "; aborting");
      }
      lengths[peer] = (int) received[0];
    }
    return lengths;
  }

  /**
   * Shares words held by compute party {@code owner} as boolean (XOR) shares, like {@link
   * #shareInput}. One round; the owner sends 16 bytes per word.
   */
  public BooleanShares shareBooleanInput(int owner, long[] words, int length) {
    return shareInput(owner, words, length, true).bool();
  }

  /**
   * Splits values held by a party outside the three compute parties (a data owner that need not
   * compute): element {@code j} of the result is compute party {@code j}'s shares, to be sent to
   * it over its own encrypted channel. The shares {@code x_0, x_1} are drawn from {@code random}
   * and {@code x_2 = x - x_0 - x_1}; each compute party receives 16 bytes per element.
   */
  public static ArithmeticShares[] splitForComputeParties(long[] values, SecureRandom random) {
    int n = values.length;
    long[][] shares = new long[PARTIES][n];
    for (int k = 0; k < n; k++) {
      long x0 = random.nextLong();
      long x1 = random.nextLong();
      shares[0][k] = x0;
      shares[1][k] = x1;
      shares[2][k] = values[k] - x0 - x1;
    }
    ArithmeticShares[] perParty = new ArithmeticShares[PARTIES];
    for (int party = 0; party < PARTIES; party++) {
      perParty[party] =
          new ArithmeticShares(shares[party].clone(), shares[(party + 1) % PARTIES].clone());
    }
    return perParty;
  }

  /**
   * As {@link #splitForComputeParties} for boolean (XOR) shares: {@code x_0, x_1} uniform from
   * {@code random}, {@code x_2 = x ^ x_0 ^ x_1}.
   */
  public static BooleanShares[] splitBooleanForComputeParties(long[] words, SecureRandom random) {
    int n = words.length;
    long[][] shares = new long[PARTIES][n];
    for (int k = 0; k < n; k++) {
      long x0 = random.nextLong();
      long x1 = random.nextLong();
      shares[0][k] = x0;
      shares[1][k] = x1;
      shares[2][k] = words[k] ^ x0 ^ x1;
    }
    BooleanShares[] perParty = new BooleanShares[PARTIES];
    for (int party = 0; party < PARTIES; party++) {
      perParty[party] = new BooleanShares(shares[party].clone(), shares[(party + 1) % PARTIES].clone());
    }
    return perParty;
  }

  private static final byte EXTERNAL_INPUT_VERSION = 1;
  private static final byte EXTERNAL_ARITHMETIC = 1;
  private static final byte EXTERNAL_BOOLEAN = 2;
  private static final int EXTERNAL_HEADER_BYTES = 2 + Integer.BYTES;

  /**
   * The messages an input party (outside the three compute parties) sends to input {@code values}:
   * element {@code j} goes to compute party {@code j} over their sealed channel, and holds its
   * replicated pair {@code (x_j, x_{j+1})} of {@link #splitForComputeParties}. Format: version 1,
   * kind (1 arithmetic), the length {@code n} (4 bytes, big-endian), {@code n} own then {@code n}
   * next words (8 bytes each, big-endian). Each compute party sees two uniform words per value.
   */
  public static byte[][] externalInputMessages(long[] values, SecureRandom random) {
    ArithmeticShares[] split = splitForComputeParties(values, random);
    byte[][] messages = new byte[PARTIES][];
    for (int party = 0; party < PARTIES; party++) {
      messages[party] = externalMessage(EXTERNAL_ARITHMETIC, split[party].own(), split[party].next());
    }
    return messages;
  }

  /** As {@link #externalInputMessages}, for boolean (XOR) shares of {@code words} (kind 2). */
  public static byte[][] externalBooleanInputMessages(long[] words, SecureRandom random) {
    BooleanShares[] split = splitBooleanForComputeParties(words, random);
    byte[][] messages = new byte[PARTIES][];
    for (int party = 0; party < PARTIES; party++) {
      messages[party] = externalMessage(EXTERNAL_BOOLEAN, split[party].own(), split[party].next());
    }
    return messages;
  }

  private static byte[] externalMessage(byte kind, long[] own, long[] nextShare) {
    int n = own.length;
    if (n > MAX_INPUT_LENGTH / 2) {
      throw new ParleyException("an input of " + n + " values does not fit one relayed message; split it");
    }
    java.nio.ByteBuffer message = java.nio.ByteBuffer.allocate(EXTERNAL_HEADER_BYTES + 2 * n * Long.BYTES);
    message.put(EXTERNAL_INPUT_VERSION).put(kind).putInt(n);
    message.asLongBuffer().put(own).put(nextShare);
    return message.array();
  }

  /**
   * The number of values announced by an input party's message ({@link #externalInputMessages}),
   * after checking its version, kind and that its size matches.
   *
   * @throws ParleyException if the message is malformed
   */
  public static int externalInputLength(byte[] message, boolean bool) {
    if (message.length < EXTERNAL_HEADER_BYTES || message[0] != EXTERNAL_INPUT_VERSION
        || message[1] != (bool ? EXTERNAL_BOOLEAN : EXTERNAL_ARITHMETIC)) {
      throw new ParleyException("an input party's shares are not a version-1 " + (bool ? "boolean" : "arithmetic")
          + " input message; aborting without using them");
    }
    int n = java.nio.ByteBuffer.wrap(message, 2, Integer.BYTES).getInt();
    if (n < 0 || n > MAX_INPUT_LENGTH / 2 || message.length != EXTERNAL_HEADER_BYTES + 2L * n * Long.BYTES) {
      throw new ParleyException("an input party's message announces " + n + " values but has " + message.length
          + " bytes; aborting without using it");
    }
    return n;
  }

  /**
   * This compute party's replicated shares of an input party's values, from the message it sent
   * this party ({@link #externalInputMessages}); {@code length} is how many values every compute
   * party expects (-1: whatever the message announces, as the three compute parties then check
   * among themselves by the length they act on).
   *
   * @throws ParleyException if the message is malformed or holds another number of values
   */
  public static ArithmeticShares receiveExternalInput(byte[] message, int length) {
    long[][] pair = externalShares(message, length, false);
    return new ArithmeticShares(pair[0], pair[1]);
  }

  /** As {@link #receiveExternalInput}, for boolean shares ({@link #externalBooleanInputMessages}). */
  public static BooleanShares receiveExternalBooleanInput(byte[] message, int length) {
    long[][] pair = externalShares(message, length, true);
    return new BooleanShares(pair[0], pair[1]);
  }

  private static long[][] externalShares(byte[] message, int length, boolean bool) {
    int n = externalInputLength(message, bool);
    if (length >= 0 && n != length) {
      throw new ParleyException("an input party sent " + n + " values where " + length
          + " were expected; aborting without using them");
    }
    long[] own = new long[n];
    long[] nextShare = new long[n];
    java.nio.LongBuffer words = java.nio.ByteBuffer.wrap(message, EXTERNAL_HEADER_BYTES, 2 * n * Long.BYTES)
        .slice().asLongBuffer();
    words.get(own).get(nextShare);
    return new long[][] {own, nextShare};
  }

  /**
   * Shares of public values: {@code x_0 = c}, {@code x_1 = x_2 = 0}. Local. Useful for constants
   * and indices that enter a computation with secret values.
   */
  public ArithmeticShares publicValues(long[] values) {
    int n = values.length;
    long[] own = new long[n];
    long[] nextShare = new long[n];
    if (self == 0) {
      System.arraycopy(values, 0, own, 0, n);
    } else if (self == 2) {
      System.arraycopy(values, 0, nextShare, 0, n);
    }
    return new ArithmeticShares(own, nextShare);
  }

  private SharedInput shareInput(int owner, long[] values, int length, boolean xor) {
    checkParty(owner, "input owner");
    if (length < 0) {
      throw new IllegalArgumentException("batch length must be >= 0, got " + length);
    }
    if (self == owner) {
      Objects.requireNonNull(values, "the input owner must pass its values");
      if (values.length != length) {
        throw new IllegalArgumentException(
            "party " + owner + " passed " + values.length + " values for a batch of " + length);
      }
    }
    Operation operation = xor ? Operation.SHARE_BOOLEAN_INPUT : Operation.SHARE_INPUT;
    long first = randomness.reserve(length);
    long[] own = new long[length];
    long[] nextShare = new long[length];
    if (self == owner) {
      randomness.ownWords(first, own, length);
      randomness.nextWords(first, nextShare, length);
      long[] third = new long[length];
      for (int k = 0; k < length; k++) {
        third[k] = xor ? values[k] ^ own[k] ^ nextShare[k] : values[k] - own[k] - nextShare[k];
      }
      messenger.sendWords(next, operation, third, 0, length);
      messenger.sendWords(previous, operation, third, 0, length);
    } else if (self == (owner + 1) % PARTIES) {
      randomness.ownWords(first, own, length);
      messenger.receiveWords(owner, operation, nextShare, 0, length);
    } else {
      messenger.receiveWords(owner, operation, own, 0, length);
      randomness.nextWords(first, nextShare, length);
    }
    return new SharedInput(own, nextShare);
  }

  private static final class SharedInput {
    final long[] own;
    final long[] next;

    SharedInput(long[] own, long[] next) {
      this.own = own;
      this.next = next;
    }

    ArithmeticShares arithmetic() {
      return new ArithmeticShares(own, next);
    }

    BooleanShares bool() {
      return new BooleanShares(own, next);
    }
  }

  // ---------------------------------------------------------------- linear, local

  /** {@code a + b}. Local. */
  public ArithmeticShares add(ArithmeticShares a, ArithmeticShares b) {
    int n = sameLength(a, b);
    long[] own = new long[n];
    long[] nextShare = new long[n];
    for (int k = 0; k < n; k++) {
      own[k] = a.own()[k] + b.own()[k];
      nextShare[k] = a.next()[k] + b.next()[k];
    }
    return new ArithmeticShares(own, nextShare);
  }

  /** {@code a - b}. Local. */
  public ArithmeticShares subtract(ArithmeticShares a, ArithmeticShares b) {
    int n = sameLength(a, b);
    long[] own = new long[n];
    long[] nextShare = new long[n];
    for (int k = 0; k < n; k++) {
      own[k] = a.own()[k] - b.own()[k];
      nextShare[k] = a.next()[k] - b.next()[k];
    }
    return new ArithmeticShares(own, nextShare);
  }

  /** {@code -a}. Local. */
  public ArithmeticShares negate(ArithmeticShares a) {
    return multiplyPublic(a, -1L);
  }

  /** {@code a + c} for a public {@code c}. Local. */
  public ArithmeticShares addPublic(ArithmeticShares a, long c) {
    long[] own = a.own().clone();
    long[] nextShare = a.next().clone();
    if (self == 0) {
      for (int k = 0; k < own.length; k++) {
        own[k] += c;
      }
    } else if (self == 2) {
      for (int k = 0; k < nextShare.length; k++) {
        nextShare[k] += c;
      }
    }
    return new ArithmeticShares(own, nextShare);
  }

  /** {@code a[k] + c[k]} for public {@code c}. Local. */
  public ArithmeticShares addPublic(ArithmeticShares a, long[] c) {
    Batches.checkSameLength(a.length(), c.length);
    long[] own = a.own().clone();
    long[] nextShare = a.next().clone();
    if (self == 0) {
      for (int k = 0; k < own.length; k++) {
        own[k] += c[k];
      }
    } else if (self == 2) {
      for (int k = 0; k < nextShare.length; k++) {
        nextShare[k] += c[k];
      }
    }
    return new ArithmeticShares(own, nextShare);
  }

  /** {@code a * c} for a public {@code c}, mod 2^64. Local. */
  public ArithmeticShares multiplyPublic(ArithmeticShares a, long c) {
    int n = a.length();
    long[] own = new long[n];
    long[] nextShare = new long[n];
    for (int k = 0; k < n; k++) {
      own[k] = a.own()[k] * c;
      nextShare[k] = a.next()[k] * c;
    }
    return new ArithmeticShares(own, nextShare);
  }

  /** {@code a[k] * c[k]} for public {@code c}, mod 2^64. Local. */
  public ArithmeticShares multiplyPublic(ArithmeticShares a, long[] c) {
    int n = a.length();
    Batches.checkSameLength(n, c.length);
    long[] own = new long[n];
    long[] nextShare = new long[n];
    for (int k = 0; k < n; k++) {
      own[k] = a.own()[k] * c[k];
      nextShare[k] = a.next()[k] * c[k];
    }
    return new ArithmeticShares(own, nextShare);
  }

  // ---------------------------------------------------------------- multiplication

  /**
   * {@code a * b} mod 2^64. Party {@code i} computes its 3-out-of-3 share {@code z_i = a_i b_i +
   * a_i b_{i+1} + a_{i+1} b_i} plus its zero-share, sends it to party {@code i-1}, and receives
   * {@code z_{i+1}}. One round; 8 bytes per element.
   */
  public ArithmeticShares multiply(ArithmeticShares a, ArithmeticShares b) {
    int n = sameLength(a, b);
    long first = randomness.reserve(n);
    long[] aOwn = a.own();
    long[] aNext = a.next();
    long[] bOwn = b.own();
    long[] bNext = b.next();
    long[] product = new long[n];
    for (int k = 0; k < n; k++) {
      product[k] = aOwn[k] * bOwn[k] + aOwn[k] * bNext[k] + aNext[k] * bOwn[k];
    }
    randomness.addZeroShare(first, product, n);
    messenger.sendWords(previous, Operation.MULTIPLY, product, 0, n);
    long[] nextProduct = new long[n];
    messenger.receiveWords(next, Operation.MULTIPLY, nextProduct, 0, n);
    return new ArithmeticShares(product, nextProduct);
  }

  /**
   * Fixed-point truncation by {@code bits} (ABY3's share truncation, after SecureML): parties 0
   * and 1 view {@code x} as the two-party sharing {@code u = x_0 + x_1} (party 0) and {@code v =
   * x_2} (parties 1 and 2); party 0 takes {@code u >> bits}, parties 1 and 2 take {@code -((-v) >>
   * bits)}, and party 0 re-randomises its part with {@code F(k_1)} and sends it to party 2. One
   * round; party 0 sends 8 bytes per element, the others nothing.
   *
   * <p><b>Error bound.</b> If {@code |x| < 2^l} (as a signed value) and the shares are uniformly
   * random (as after any multiplication or input), the result is {@code floor(x / 2^bits)} or
   * {@code floor(x / 2^bits) + 1}, except with probability at most {@code 2^(l + 1 - 64)} per
   * element, in which case it is wrong by about {@code 2^(64 - bits)}. For fixed point with
   * {@code f} fractional bits, keep products below {@code 2^l} with {@code l} around 40 (failure
   * probability 2^-23 per element) or less.
   */
  public ArithmeticShares truncate(ArithmeticShares a, int bits) {
    if (bits < 1 || bits > 62) {
      throw new IllegalArgumentException("truncation must drop 1..62 bits, got " + bits);
    }
    int n = a.length();
    long first = randomness.reserve(n);
    long[] own = new long[n];
    long[] nextShare = new long[n];
    switch (self) {
      case 0 -> {
        randomness.nextWords(first, nextShare, n);
        for (int k = 0; k < n; k++) {
          own[k] = ((a.own()[k] + a.next()[k]) >> bits) - nextShare[k];
        }
        messenger.sendWords(2, Operation.TRUNCATE, own, 0, n);
      }
      case 1 -> {
        randomness.ownWords(first, own, n);
        for (int k = 0; k < n; k++) {
          nextShare[k] = -((-a.next()[k]) >> bits);
        }
      }
      default -> {
        for (int k = 0; k < n; k++) {
          own[k] = -((-a.own()[k]) >> bits);
        }
        messenger.receiveWords(0, Operation.TRUNCATE, nextShare, 0, n);
      }
    }
    return new ArithmeticShares(own, nextShare);
  }

  /**
   * Fixed-point product: {@link #multiply} then {@link #truncate} by {@code fractionalBits}. Two
   * rounds; 8 bytes per element (plus 8 more at party 0). Error bound as for truncation, with
   * {@code l} the bit size of the untruncated product.
   */
  public ArithmeticShares multiplyFixedPoint(
      ArithmeticShares a, ArithmeticShares b, int fractionalBits) {
    return truncate(multiply(a, b), fractionalBits);
  }

  // ---------------------------------------------------------------- reveal

  /**
   * Opens {@code a} to the {@code recipients} only: recipient {@code r} lacks {@code x_{r+2}},
   * which party {@code r+1} sends it. Recipients get the values; everyone else gets an empty
   * result and learns nothing. One round; 8 bytes per element for each recipient, sent by that
   * recipient's next party.
   */
  public Optional<long[]> reveal(ArithmeticShares a, int... recipients) {
    long[] missing = exchangeMissingShares(a.next(), recipients);
    if (missing == null) {
      return Optional.empty();
    }
    long[] values = new long[a.length()];
    for (int k = 0; k < values.length; k++) {
      values[k] = a.own()[k] + a.next()[k] + missing[k];
    }
    return Optional.of(values);
  }

  /** Opens boolean shares to the {@code recipients} only; costs as {@link #reveal(ArithmeticShares, int...)}. */
  public Optional<long[]> reveal(BooleanShares a, int... recipients) {
    long[] missing = exchangeMissingShares(a.next(), recipients);
    if (missing == null) {
      return Optional.empty();
    }
    long[] words = new long[a.length()];
    for (int k = 0; k < words.length; k++) {
      words[k] = a.own()[k] ^ a.next()[k] ^ missing[k];
    }
    return Optional.of(words);
  }

  private long[] exchangeMissingShares(long[] nextShares, int... recipients) {
    boolean[] receives = new boolean[PARTIES];
    for (int recipient : recipients) {
      checkParty(recipient, "reveal recipient");
      receives[recipient] = true;
    }
    if (receives[previous]) {
      // The previous party holds (x_{i-1}, x_i) and lacks x_{i+1}: this party's next share.
      messenger.sendWords(previous, Operation.REVEAL, nextShares, 0, nextShares.length);
    }
    if (!receives[self]) {
      return null;
    }
    long[] missing = new long[nextShares.length];
    messenger.receiveWords(next, Operation.REVEAL, missing, 0, missing.length);
    return missing;
  }

  // ---------------------------------------------------------------- boolean

  /** {@code a ^ b}. Local. */
  public BooleanShares xor(BooleanShares a, BooleanShares b) {
    int n = sameLength(a, b);
    long[] own = new long[n];
    long[] nextShare = new long[n];
    for (int k = 0; k < n; k++) {
      own[k] = a.own()[k] ^ b.own()[k];
      nextShare[k] = a.next()[k] ^ b.next()[k];
    }
    return new BooleanShares(own, nextShare);
  }

  /** {@code a ^ c} for a public word {@code c}. Local. */
  public BooleanShares xorPublic(BooleanShares a, long c) {
    long[] own = a.own().clone();
    long[] nextShare = a.next().clone();
    if (self == 0) {
      for (int k = 0; k < own.length; k++) {
        own[k] ^= c;
      }
    } else if (self == 2) {
      for (int k = 0; k < nextShare.length; k++) {
        nextShare[k] ^= c;
      }
    }
    return new BooleanShares(own, nextShare);
  }

  /** {@code a & c} for a public word {@code c}. Local. */
  public BooleanShares andPublic(BooleanShares a, long c) {
    int n = a.length();
    long[] own = new long[n];
    long[] nextShare = new long[n];
    for (int k = 0; k < n; k++) {
      own[k] = a.own()[k] & c;
      nextShare[k] = a.next()[k] & c;
    }
    return new BooleanShares(own, nextShare);
  }

  /** {@code a << bits}. Local. */
  public BooleanShares shiftLeft(BooleanShares a, int bits) {
    int n = a.length();
    long[] own = new long[n];
    long[] nextShare = new long[n];
    for (int k = 0; k < n; k++) {
      own[k] = a.own()[k] << bits;
      nextShare[k] = a.next()[k] << bits;
    }
    return new BooleanShares(own, nextShare);
  }

  /** {@code a >>> bits}. Local. */
  public BooleanShares shiftRightUnsigned(BooleanShares a, int bits) {
    int n = a.length();
    long[] own = new long[n];
    long[] nextShare = new long[n];
    for (int k = 0; k < n; k++) {
      own[k] = a.own()[k] >>> bits;
      nextShare[k] = a.next()[k] >>> bits;
    }
    return new BooleanShares(own, nextShare);
  }

  /**
   * {@code a & b}, bitwise: {@code z_i = a_i b_i ^ a_i b_{i+1} ^ a_{i+1} b_i} plus a boolean
   * zero-share, sent to party {@code i-1}. One round; 8 bytes per word.
   */
  public BooleanShares and(BooleanShares a, BooleanShares b) {
    int n = sameLength(a, b);
    long[] product = new long[n];
    localAnd(a.own(), a.next(), b.own(), b.next(), product, 0, n);
    return finishAnd(product);
  }

  /** {@code out[at + k]}: this party's 3-out-of-3 share of {@code a[k] & b[k]}, before masking. */
  private static void localAnd(
      long[] aOwn, long[] aNext, long[] bOwn, long[] bNext, long[] out, int at, int n) {
    for (int k = 0; k < n; k++) {
      out[at + k] = (aOwn[k] & bOwn[k]) ^ (aOwn[k] & bNext[k]) ^ (aNext[k] & bOwn[k]);
    }
  }

  /** Masks local AND shares with a boolean zero-share and exchanges them: the AND's one round. */
  private BooleanShares finishAnd(long[] product) {
    int n = product.length;
    long first = randomness.reserve(n);
    randomness.xorZeroShare(first, product, n);
    messenger.sendWords(previous, Operation.AND, product, 0, n);
    long[] nextProduct = new long[n];
    messenger.receiveWords(next, Operation.AND, nextProduct, 0, n);
    return new BooleanShares(product, nextProduct);
  }

  // ---------------------------------------------------------------- conversions

  /**
   * Arithmetic to boolean shares of the same 64-bit values. Each additive share {@code x_j} is
   * already a (trivial) boolean sharing held by the two parties that know it; a carry-save layer
   * (one AND round) reduces the three to two words, which a Kogge-Stone adder (one round for the
   * generate bits, then six levels of two ANDs each) adds. Eight rounds; 13 words = 104 bytes
   * per element.
   */
  public BooleanShares toBoolean(ArithmeticShares a) {
    return addBooleanCarrySave(a);
  }

  /**
   * The sign bit of each value (bit 0 of the result; bit 63 of the value), that is {@code x < 0}
   * for {@code x} read as a signed 64-bit integer. Exact for every value. The carry-save layer of
   * {@link #toBoolean} (one round, 64 bits), then only the carry into bit 63, by a tree over
   * pairs of bit positions whose generate and propagate bits are packed densely across elements,
   * so each level sends half the bits of the one before. Eight rounds; 253 bits (31.6 bytes) per
   * element, for batches padded to a multiple of 64.
   */
  public BooleanShares mostSignificantBit(ArithmeticShares a) {
    int n = a.length();
    return unpackBits(packedSignBits(padded(a, roundUpTo64(n))), n);
  }

  /**
   * Sign bits of a batch whose length is a multiple of 64, packed: bit {@code e % 64} of word
   * {@code e / 64} is element {@code e}'s.
   */
  private BooleanShares packedSignBits(ArithmeticShares a) {
    BooleanShares[] sumAndCarry = carrySave(a);
    BooleanShares sum = sumAndCarry[0];
    BooleanShares carry = sumAndCarry[1];
    int n = a.length();
    long top = 1L << 63;
    // Position 63 neither generates nor stops a carry (g = 0, p = 1): the tree over all 64
    // positions then yields the carry out of positions 0..62, the carry into the sign bit.
    long ownTop = self == 0 ? top : 0L;
    long nextTop = self == 2 ? top : 0L;
    long[] propagateOwn = new long[n];
    long[] propagateNext = new long[n];
    long[] signOwn = new long[n];
    long[] signNext = new long[n];
    long[] product = new long[n + n / 2];
    long[] sumOwn = sum.own();
    long[] sumNext = sum.next();
    long[] carryOwn = carry.own();
    long[] carryNext = carry.next();
    for (int k = 0; k < n; k++) {
      long xo = sumOwn[k] ^ carryOwn[k];
      long xn = sumNext[k] ^ carryNext[k];
      signOwn[k] = xo;
      signNext[k] = xn;
      propagateOwn[k] = (xo & ~top) ^ ownTop;
      propagateNext[k] = (xn & ~top) ^ nextTop;
      long so = sumOwn[k] & ~top;
      long sn = sumNext[k] & ~top;
      product[k] = (so & carryOwn[k]) ^ (so & carryNext[k]) ^ (sn & carryOwn[k]);
    }
    BooleanShares propagate = new BooleanShares(propagateOwn, propagateNext);
    BooleanShares odd = oddBits(propagate);
    BooleanShares even = evenBits(propagate);
    localAnd(odd.own(), odd.next(), even.own(), even.next(), product, n, n / 2);
    BooleanShares firstRound = finishAnd(product);
    BooleanShares[] first = {firstRound.slice(0, n), firstRound.slice(n, n / 2)};
    BooleanShares generate = first[0];
    BooleanShares nextPropagate = first[1];
    // Level l: generate and propagate have 64 >> l bits per element; pairs of neighbours merge.
    for (int level = 0; level < 6; level++) {
      boolean needNextPropagate = level + 2 <= 5;
      BooleanShares[] merged =
          needNextPropagate
              ? andAll(
                  new BooleanShares[] {oddBits(propagate), oddBits(nextPropagate)},
                  new BooleanShares[] {evenBits(generate), evenBits(nextPropagate)})
              : andAll(
                  new BooleanShares[] {oddBits(propagate)},
                  new BooleanShares[] {evenBits(generate)});
      generate = xor(oddBits(generate), merged[0]);
      propagate = nextPropagate;
      nextPropagate = needNextPropagate ? merged[1] : null;
    }
    return xor(generate, packTopBits(new BooleanShares(signOwn, signNext)));
  }

  /** One AND round over several pairs of batches: {@code lefts[j] & rights[j]}. */
  private BooleanShares[] andAll(BooleanShares[] lefts, BooleanShares[] rights) {
    int total = 0;
    for (int j = 0; j < lefts.length; j++) {
      total = Math.addExact(total, sameLength(lefts[j], rights[j]));
    }
    long[] product = new long[total];
    int at = 0;
    for (int j = 0; j < lefts.length; j++) {
      int n = lefts[j].length();
      localAnd(lefts[j].own(), lefts[j].next(), rights[j].own(), rights[j].next(), product, at, n);
      at += n;
    }
    BooleanShares all = finishAnd(product);
    if (lefts.length == 1) {
      return new BooleanShares[] {all};
    }
    BooleanShares[] parts = new BooleanShares[lefts.length];
    at = 0;
    for (int j = 0; j < lefts.length; j++) {
      parts[j] = all.slice(at, lefts[j].length());
      at += lefts[j].length();
    }
    return parts;
  }

  private static int roundUpTo64(int n) {
    return Math.addExact(n, 63) & ~63;
  }

  /** {@code a} followed by zero shares (of the value 0) up to {@code length}. */
  private static ArithmeticShares padded(ArithmeticShares a, int length) {
    if (a.length() == length) {
      return a;
    }
    return new ArithmeticShares(
        Arrays.copyOf(a.own(), length), Arrays.copyOf(a.next(), length));
  }

  private static BooleanShares evenBits(BooleanShares x) {
    return new BooleanShares(halfBits(x.own(), 0), halfBits(x.next(), 0));
  }

  private static BooleanShares oddBits(BooleanShares x) {
    return new BooleanShares(halfBits(x.own(), 1), halfBits(x.next(), 1));
  }

  /**
   * The bits at positions {@code 2q + parity} of the bit string {@code words} (bit {@code b} of
   * word {@code w} is position {@code 64 w + b}), moved to position {@code q}. A bit permutation,
   * so it applies to XOR shares share by share.
   */
  private static long[] halfBits(long[] words, int parity) {
    long[] half = new long[words.length / 2];
    for (int k = 0; k < half.length; k++) {
      half[k] =
          compressEvenBits(words[2 * k] >>> parity)
              | (compressEvenBits(words[2 * k + 1] >>> parity) << 32);
    }
    return half;
  }

  /** Bits 0, 2, 4, ..., 62 of {@code w} as bits 0..31. */
  private static long compressEvenBits(long w) {
    w &= 0x5555555555555555L;
    w = (w | (w >>> 1)) & 0x3333333333333333L;
    w = (w | (w >>> 2)) & 0x0F0F0F0F0F0F0F0FL;
    w = (w | (w >>> 4)) & 0x00FF00FF00FF00FFL;
    w = (w | (w >>> 8)) & 0x0000FFFF0000FFFFL;
    return (w | (w >>> 16)) & 0x00000000FFFFFFFFL;
  }

  /** Bit 63 of word {@code e} as bit {@code e % 64} of word {@code e / 64}. */
  private static BooleanShares packTopBits(BooleanShares x) {
    return new BooleanShares(topBits(x.own()), topBits(x.next()));
  }

  private static long[] topBits(long[] words) {
    long[] packed = new long[words.length / 64];
    for (int e = 0; e < words.length; e++) {
      packed[e >>> 6] |= (words[e] >>> 63) << (e & 63);
    }
    return packed;
  }

  /** Packed bits back to one word per element, the bit in bit 0. */
  private static BooleanShares unpackBits(BooleanShares packed, int n) {
    return new BooleanShares(unpack(packed.own(), n), unpack(packed.next(), n));
  }

  private static long[] unpack(long[] packed, int n) {
    long[] words = new long[n];
    for (int e = 0; e < n; e++) {
      words[e] = (packed[e >>> 6] >>> (e & 63)) & 1L;
    }
    return words;
  }

  /**
   * The three additive shares as two boolean-shared words with the same sum: {@code sum = x_0 ^
   * x_1 ^ x_2} (local: it is this party's pair of shares) and {@code carry = majority(x_0, x_1,
   * x_2) << 1}. Each {@code x_j} is a trivial boolean sharing held by the two parties that know
   * it. One round; 8 bytes per element.
   */
  private BooleanShares[] carrySave(ArithmeticShares a) {
    int n = a.length();
    long[] aOwn = a.own();
    long[] aNext = a.next();
    // This party's own share is x_self and its next share x_next; as boolean sharings [x_j],
    // each is present (mask -1) or zero (mask 0) in [x0] ^ [x2] (left), [x1] ^ [x2] (right), [x2].
    long ownLeft = self == 0 || self == 2 ? -1L : 0L;
    long nextLeft = next == 0 || next == 2 ? -1L : 0L;
    long ownRight = self == 1 || self == 2 ? -1L : 0L;
    long nextRight = next == 1 || next == 2 ? -1L : 0L;
    long ownIsX2 = self == 2 ? -1L : 0L;
    long nextIsX2 = next == 2 ? -1L : 0L;
    long[] product = new long[n];
    for (int k = 0; k < n; k++) {
      long lo = aOwn[k] & ownLeft;
      long ln = aNext[k] & nextLeft;
      long ro = aOwn[k] & ownRight;
      long rn = aNext[k] & nextRight;
      product[k] = (lo & ro) ^ (lo & rn) ^ (ln & ro);
    }
    // majority(x0, x1, x2) = ((x0 ^ x2) & (x1 ^ x2)) ^ x2
    BooleanShares both = finishAnd(product);
    long[] carryOwn = both.own();
    long[] carryNext = both.next();
    for (int k = 0; k < n; k++) {
      carryOwn[k] = (carryOwn[k] ^ (aOwn[k] & ownIsX2)) << 1;
      carryNext[k] = (carryNext[k] ^ (aNext[k] & nextIsX2)) << 1;
    }
    return new BooleanShares[] {
      new BooleanShares(aOwn, aNext), new BooleanShares(carryOwn, carryNext)
    };
  }

  private BooleanShares addBooleanCarrySave(ArithmeticShares a) {
    BooleanShares[] sumAndCarry = carrySave(a);
    return addBoolean(sumAndCarry[0], sumAndCarry[1]);
  }

  /** {@code a + b} mod 2^64 on boolean shares: Kogge-Stone, seven rounds, 12 words per element. */
  private BooleanShares addBoolean(BooleanShares a, BooleanShares b) {
    int n = sameLength(a, b);
    BooleanShares propagateBits = xor(a, b);
    BooleanShares generate = and(a, b);
    BooleanShares propagate = propagateBits;
    for (int shift = 1; shift < 64; shift <<= 1) {
      if (shift < 32) {
        BooleanShares both =
            and(
                BooleanShares.concat(propagate, propagate),
                BooleanShares.concat(shiftLeft(generate, shift), shiftLeft(propagate, shift)));
        generate = xor(generate, both.slice(0, n));
        propagate = both.slice(n, n);
      } else {
        generate = xor(generate, and(propagate, shiftLeft(generate, shift)));
      }
    }
    return xor(propagateBits, shiftLeft(generate, 1));
  }

  /**
   * Boolean shares of bit 0 of each word to arithmetic shares of that bit (bit injection): with
   * {@code b = b_0 ^ b_1 ^ b_2}, computes {@code c = b_0 + b_1 - 2 b_0 b_1} and then {@code c + b_2
   * - 2 c b_2}. Two rounds; 16 bytes per element. Other bits of the words are ignored.
   */
  public ArithmeticShares bitToArithmetic(BooleanShares bits) {
    int n = bits.length();
    long[] zeros = new long[n];
    ArithmeticShares[] trivial = new ArithmeticShares[PARTIES];
    for (int j = 0; j < PARTIES; j++) {
      long[] own = j == self ? lowBits(bits.own()) : zeros;
      long[] nextShare = j == next ? lowBits(bits.next()) : zeros;
      trivial[j] = new ArithmeticShares(own, nextShare);
    }
    ArithmeticShares firstTwo =
        subtract(add(trivial[0], trivial[1]), multiplyPublic(multiply(trivial[0], trivial[1]), 2));
    return subtract(
        add(firstTwo, trivial[2]), multiplyPublic(multiply(firstTwo, trivial[2]), 2));
  }

  private static long[] lowBits(long[] words) {
    long[] bits = new long[words.length];
    for (int k = 0; k < words.length; k++) {
      bits[k] = words[k] & 1L;
    }
    return bits;
  }

  // ---------------------------------------------------------------- comparison

  /**
   * {@code a < 0} as a signed 64-bit integer, in bit 0 of each result word: {@link
   * #mostSignificantBit}. Eight rounds; 31.6 bytes per element. For values known to lie in {@code
   * [-2^62, 2^62)}, {@code lessThanZero(subtract(a, b))} is a cheaper {@code a < b}.
   */
  public BooleanShares lessThanZero(ArithmeticShares a) {
    return mostSignificantBit(a);
  }

  /**
   * {@code a < b} as signed 64-bit integers, exact over the whole range, in bit 0. With {@code d =
   * a - b} (which may wrap), the sign bits {@code s_a, s_b, s_d} are extracted together (as in
   * {@link #mostSignificantBit}) and the result is {@code s_d ^ ((s_a ^ s_b) & (s_a ^ s_d))}: the
   * sign of {@code a} when the signs differ, else the sign of the difference. Nine rounds; 760
   * bits (95 bytes) per element, for batches padded to a multiple of 64.
   */
  public BooleanShares lessThan(ArithmeticShares a, ArithmeticShares b) {
    return unpackBits(packedLessThan(a, b), a.length());
  }

  /** {@link #lessThan}, the outcomes packed 64 to a word (bit {@code e % 64} of word {@code e / 64}). */
  private BooleanShares packedLessThan(ArithmeticShares a, ArithmeticShares b) {
    int n = sameLength(a, b);
    int paddedLength = roundUpTo64(n);
    BooleanShares signs =
        packedSignBits(
            ArithmeticShares.concat(
                padded(a, paddedLength), padded(b, paddedLength),
                padded(subtract(a, b), paddedLength)));
    int words = paddedLength / 64;
    BooleanShares signA = signs.slice(0, words);
    BooleanShares signB = signs.slice(words, words);
    BooleanShares signD = signs.slice(2 * words, words);
    return xor(signD, and(xor(signA, signB), xor(signA, signD)));
  }

  /** {@code a <= b}, as {@code !(b < a)}. Costs as {@link #lessThan}. */
  public BooleanShares lessOrEqual(ArithmeticShares a, ArithmeticShares b) {
    return xorPublic(lessThan(b, a), 1L);
  }

  /**
   * {@code a == b}, in bit 0. With {@code d = a - b}: party 0 knows {@code u = d_0 + d_1} and
   * parties 1 and 2 know {@code w = -d_2}, and {@code d = 0} exactly when {@code u == w}. Party 0
   * shares {@code u} as boolean input; the word {@code ~(u ^ w)} is all ones exactly when they are
   * equal, which a tree of ANDs over neighbouring bits tests, the bits packed densely across
   * elements. Seven rounds of latency (party 0's input, then six AND levels; each party sends in
   * six of them); 63 bits per element (party 0: 16 bytes more), for batches padded to a multiple
   * of 64.
   */
  public BooleanShares equal(ArithmeticShares a, ArithmeticShares b) {
    int n = sameLength(a, b);
    ArithmeticShares difference = subtract(a, b);
    long[] knownToPartyZero = null;
    if (self == 0) {
      knownToPartyZero = new long[n];
      for (int k = 0; k < n; k++) {
        knownToPartyZero[k] = difference.own()[k] + difference.next()[k];
      }
    }
    BooleanShares fromPartyZero = shareBooleanInput(0, knownToPartyZero, n);
    // -d_2 as the boolean share with index 2: party 1 holds it as next, party 2 as own.
    long[] own = new long[n];
    long[] nextShare = new long[n];
    if (self == 1) {
      for (int k = 0; k < n; k++) {
        nextShare[k] = -difference.next()[k];
      }
    } else if (self == 2) {
      for (int k = 0; k < n; k++) {
        own[k] = -difference.own()[k];
      }
    }
    BooleanShares allOnesIfEqual =
        xorPublic(xor(fromPartyZero, new BooleanShares(own, nextShare)), -1L);
    int paddedLength = roundUpTo64(n);
    BooleanShares bits =
        new BooleanShares(
            Arrays.copyOf(allOnesIfEqual.own(), paddedLength),
            Arrays.copyOf(allOnesIfEqual.next(), paddedLength));
    for (int level = 0; level < 6; level++) {
      bits = and(oddBits(bits), evenBits(bits));
    }
    return unpackBits(bits, n);
  }

  // ---------------------------------------------------------------- selection

  /**
   * {@code bit ? a : b} element-wise, with the condition in bit 0 of {@code bit}: {@code b +
   * [bit] (a - b)}. Three rounds; 24 bytes per element.
   */
  public ArithmeticShares select(BooleanShares bit, ArithmeticShares a, ArithmeticShares b) {
    int n = sameLength(a, b);
    Batches.checkSameLength(n, bit.length());
    ArithmeticShares condition = bitToArithmetic(bit);
    return add(b, multiply(condition, subtract(a, b)));
  }

  /** Element-wise minimum, exact for all signed 64-bit values. Twelve rounds; 119 bytes per element. */
  public ArithmeticShares min(ArithmeticShares a, ArithmeticShares b) {
    return select(lessThan(a, b), a, b);
  }

  /** Element-wise maximum, exact for all signed 64-bit values. Twelve rounds; 119 bytes per element. */
  public ArithmeticShares max(ArithmeticShares a, ArithmeticShares b) {
    return select(lessThan(a, b), b, a);
  }

  /**
   * The smallest value of the batch (a batch of one), by a tree of comparisons of neighbours.
   * {@code ceil(log2 n)} levels of twelve rounds; about 119 bytes per input element in all (levels
   * with fewer than 64 pairs pay for comparisons padded to 64).
   */
  public ArithmeticShares minimum(ArithmeticShares values) {
    return extremum(values, false, false).value();
  }

  /** The largest value of the batch; costs as {@link #minimum}. */
  public ArithmeticShares maximum(ArithmeticShares values) {
    return extremum(values, true, false).value();
  }

  /**
   * The largest value and the position of its first occurrence, both secret (batches of one).
   * Neighbours {@code 2j, 2j+1} are compared at each level of the tree and the right one wins only
   * if strictly larger, so ties go to the lowest position. {@code ceil(log2 n)} levels of twelve
   * rounds; about 127 bytes per input element in all.
   */
  public Extremum argMax(ArithmeticShares values) {
    return extremum(values, true, true);
  }

  /** The smallest value and the position of its first occurrence; costs as {@link #argMax}. */
  public Extremum argMin(ArithmeticShares values) {
    return extremum(values, false, true);
  }

  private Extremum extremum(ArithmeticShares values, boolean largest, boolean withIndex) {
    int n = values.length();
    if (n == 0) {
      throw new ParleyException(
          "cannot take the " + (largest ? "maximum" : "minimum") + " of an empty batch");
    }
    ArithmeticShares current = values;
    ArithmeticShares indices = null;
    if (withIndex) {
      long[] positions = new long[n];
      for (int k = 0; k < n; k++) {
        positions[k] = k;
      }
      indices = publicValues(positions);
    }
    while (current.length() > 1) {
      int length = current.length();
      int pairs = length / 2;
      ArithmeticShares left = evenOrOdd(current, pairs, 0);
      ArithmeticShares right = evenOrOdd(current, pairs, 1);
      BooleanShares takeRight = largest ? lessThan(left, right) : lessThan(right, left);
      ArithmeticShares condition = bitToArithmetic(takeRight);
      ArithmeticShares winners;
      ArithmeticShares winnerIndices = null;
      if (withIndex) {
        ArithmeticShares leftIndex = evenOrOdd(indices, pairs, 0);
        ArithmeticShares rightIndex = evenOrOdd(indices, pairs, 1);
        ArithmeticShares chosen =
            multiply(
                ArithmeticShares.concat(condition, condition),
                ArithmeticShares.concat(
                    subtract(right, left), subtract(rightIndex, leftIndex)));
        winners = add(left, chosen.slice(0, pairs));
        winnerIndices = add(leftIndex, chosen.slice(pairs, pairs));
      } else {
        winners = add(left, multiply(condition, subtract(right, left)));
      }
      if (length % 2 == 1) {
        winners = ArithmeticShares.concat(winners, current.slice(length - 1, 1));
        if (withIndex) {
          winnerIndices = ArithmeticShares.concat(winnerIndices, indices.slice(length - 1, 1));
        }
      }
      current = winners;
      indices = winnerIndices;
    }
    return new Extremum(current, indices);
  }

  /** Elements {@code 2j + parity} for {@code j < pairs}. */
  private static ArithmeticShares evenOrOdd(ArithmeticShares a, int pairs, int parity) {
    long[] own = new long[pairs];
    long[] nextShare = new long[pairs];
    for (int j = 0; j < pairs; j++) {
      own[j] = a.own()[2 * j + parity];
      nextShare[j] = a.next()[2 * j + parity];
    }
    return new ArithmeticShares(own, nextShare);
  }

  // ---------------------------------------------------------------- shuffle and order statistics

  /**
   * Applies one secret, uniformly random permutation to every column (the same permutation to
   * all, so rows stay together). Three passes, one per pair of parties {@code (j, j+1)}: the pair
   * draws a permutation from the PRF key it shares, turns the replicated sharing into a two-party
   * one ({@code x_j + x_{j+1}} and {@code x_{j+2}}), permutes both parts, masks them with two more
   * words from its key and sends them to the third party, which never learns that pass's
   * permutation. Every party misses one of the three permutations, so none knows their
   * composition. Three rounds; each party sends 16 bytes per element and column (8 in each of
   * two passes). Fisher-Yates draws an index below {@code m} as the high word of {@code w * m}
   * for a uniform 64-bit {@code w}: bias below {@code m / 2^64} per draw.
   */
  public ArithmeticShares[] shuffle(ArithmeticShares... columns) {
    if (columns.length == 0) {
      return new ArithmeticShares[0];
    }
    return shuffleWithinSegments(new int[] {columns[0].length()}, columns);
  }

  /**
   * Like {@link #shuffle}, with an independent uniformly random permutation inside each segment:
   * the first {@code segmentLengths[0]} rows are permuted among themselves, then the next {@code
   * segmentLengths[1]}, and so on (for instance one segment per group). Rows never leave their
   * segment, so segment boundaries stay public. Same three rounds and bytes as one shuffle of the
   * whole batch, however many segments.
   */
  public ArithmeticShares[] shuffleWithinSegments(int[] segmentLengths, ArithmeticShares... columns) {
    if (columns.length == 0) {
      return new ArithmeticShares[0];
    }
    int n = columns[0].length();
    for (ArithmeticShares column : columns) {
      Batches.checkSameLength(n, column.length());
    }
    long total = 0;
    for (int length : segmentLengths) {
      if (length < 0) {
        throw new IllegalArgumentException("segment length " + length + " < 0");
      }
      total += length;
    }
    if (total != n) {
      throw new IllegalArgumentException("segments of " + total + " rows for a batch of " + n);
    }
    ArithmeticShares[] current = columns.clone();
    for (int pairFirst = 0; pairFirst < PARTIES; pairFirst++) {
      current = shufflePass(current, n, segmentLengths, pairFirst);
    }
    return current;
  }

  /** One pass: parties {@code j} and {@code j+1} permute, party {@code j+2} receives. */
  private ArithmeticShares[] shufflePass(ArithmeticShares[] columns, int n, int[] segmentLengths, int j) {
    int pairSecond = (j + 1) % PARTIES;
    int outsider = (j + 2) % PARTIES;
    int width = columns.length;
    long permutationFirst = randomness.reserve(n);
    long maskFirst = randomness.reserve(Math.multiplyExact(2 * n, width));
    ArithmeticShares[] result = new ArithmeticShares[width];
    if (self == outsider) {
      // The outsider's own share is the pair's second part, its next share the first part.
      long[] fromSecond = new long[n * width];
      long[] fromFirst = new long[n * width];
      messenger.receiveWords(pairSecond, Operation.SHUFFLE, fromSecond, 0, n * width);
      messenger.receiveWords(j, Operation.SHUFFLE, fromFirst, 0, n * width);
      for (int c = 0; c < width; c++) {
        result[c] =
            new ArithmeticShares(
                Batches.copy(fromSecond, c * n, n), Batches.copy(fromFirst, c * n, n));
      }
      return result;
    }
    boolean first = self == j;
    // The pair's key is k_{j+1}: the first member's next key, the second member's own key.
    long[] words = new long[n];
    if (first) {
      randomness.nextWords(permutationFirst, words, n);
    } else {
      randomness.ownWords(permutationFirst, words, n);
    }
    int[] permutation = permutationFromWords(words, segmentLengths);
    long[] outgoing = new long[n * width];
    for (int c = 0; c < width; c++) {
      ArithmeticShares column = columns[c];
      long[] masks = new long[2 * n];
      if (first) {
        randomness.nextWords(maskFirst + 2L * n * c, masks, 2 * n);
      } else {
        randomness.ownWords(maskFirst + 2L * n * c, masks, 2 * n);
      }
      long[] own = new long[n];
      long[] nextShare = new long[n];
      for (int k = 0; k < n; k++) {
        int from = permutation[k];
        long r = masks[k];
        long s = masks[n + k];
        if (first) {
          // New shares (y_j, y_{j+1}) = (pi(x_j + x_{j+1}) - r - s, r).
          own[k] = column.own()[from] + column.next()[from] - r - s;
          nextShare[k] = r;
        } else {
          // New shares (y_{j+1}, y_{j+2}) = (r, pi(x_{j+2}) + s).
          own[k] = r;
          nextShare[k] = column.next()[from] + s;
        }
      }
      System.arraycopy(first ? own : nextShare, 0, outgoing, c * n, n);
      result[c] = new ArithmeticShares(own, nextShare);
    }
    messenger.sendWords(outsider, Operation.SHUFFLE, outgoing, 0, n * width);
    return result;
  }

  /**
   * Fisher-Yates inside each segment, the draws from uniform words: segment {@code [start, start
   * + length)} uses {@code words[start + 1 .. start + length)}. One segment of {@code n} is a
   * uniform permutation of {@code 0..n-1}.
   */
  private static int[] permutationFromWords(long[] words, int[] segmentLengths) {
    int[] permutation = new int[words.length];
    for (int k = 0; k < permutation.length; k++) {
      permutation[k] = k;
    }
    int start = 0;
    for (int length : segmentLengths) {
      for (int k = length - 1; k > 0; k--) {
        long w = words[start + k];
        long bound = k + 1;
        // High word of the unsigned product w * bound: uniform in [0, bound) up to bound / 2^64.
        int pick = start + (int) (Math.multiplyHigh(w, bound) + ((w >> 63) & bound));
        int swap = permutation[start + k];
        permutation[start + k] = permutation[pick];
        permutation[pick] = swap;
      }
      start += length;
    }
    return permutation;
  }

  /**
   * Shares of the order statistics of {@code values} at the given {@code ranks} (0 is the
   * smallest, {@code n-1} the largest; a batch of {@code ranks.length}, in the order asked),
   * exact for all signed 64-bit values: {@link #shuffle}, then {@link
   * #orderStatisticsOfShuffled(ArithmeticShares, int...)}. What it reveals: {@code n} and the
   * ranks; the results stay secret.
   */
  public ArithmeticShares orderStatistics(ArithmeticShares values, int... ranks) {
    int n = values.length();
    if (n == 0) {
      throw new ParleyException("cannot take order statistics of an empty batch");
    }
    checkRanks(n, ranks);
    return orderStatisticsOfShuffled(shuffle(values)[0], ranks);
  }

  /**
   * Order statistics of values that are already in a uniformly random order no party knows (the
   * output of {@link #shuffle}, or of {@link #shuffleWithinSegments} for one segment), without
   * shuffling again. Each rank is found by selection whose comparisons are opened to all three
   * parties: ties are broken by position (an element before the pivot counts as smaller when
   * {@code <=}, after it when {@code <}), so the order is strict.
   *
   * <p><b>Why no second shuffle is needed, and when it is.</b> Every opened outcome says which of
   * two positions holds the smaller element in the strict (value, position) order. Under a
   * uniformly random permutation unknown to every party, the ranks of the positions are a uniform
   * random permutation of {@code 0..n-1} whatever the values (duplicates included, since ties
   * break by position), and the selection's choices depend only on earlier outcomes: the whole
   * transcript is a function of that random permutation, which a simulator can draw alone. This
   * holds only if the order is uniform given everything a party knows. A batch that is the
   * concatenation of separately shuffled parts is not: whoever chose which values went to which
   * part learns, from comparisons across parts, how the parts' values compare. Shuffle such a
   * batch again ({@link #shuffleWithinSegments}) first.
   *
   * <p>What it reveals: {@code n} and the ranks; the results stay secret. Cost: per cluster of
   * nearby ranks about {@code 1.5n} comparisons of 95 bytes each for a median, fewer towards
   * the ends (Floyd-Rivest: two pivots from a sample bracket the cluster; each value meets the
   * pivot on the larger side first and the other only if needed, so one pass leaves about {@code
   * n^(2/3)}), in
   * batches of ten rounds each (a comparison batch, then its opening, packed 64 to a word);
   * {@code O(log n)} batches, most of them small.
   */
  public ArithmeticShares orderStatisticsOfShuffled(ArithmeticShares shuffled, int... ranks) {
    return orderStatisticsOfShuffled(shuffled, new int[] {shuffled.length()}, new int[][] {ranks});
  }

  /**
   * {@link #orderStatisticsOfShuffled(ArithmeticShares, int...)} for many segments of one batch at
   * once (for instance one per group): segment {@code s} is the next {@code segmentLengths[s]}
   * positions, each segment uniformly shuffled on its own, and {@code ranks[s]} are wanted in it.
   * All segments' selections advance in lockstep, one opened comparison batch per step for all
   * of them, so many groups cost the rounds of the deepest selection. Returns the results segment
   * after segment, each segment's in the order its ranks were asked. What it reveals: the
   * segment lengths and the ranks.
   */
  public ArithmeticShares orderStatisticsOfShuffled(
      ArithmeticShares shuffled, int[] segmentLengths, int[][] ranks) {
    long total = 0;
    for (int length : segmentLengths) {
      total += length;
    }
    if (total != shuffled.length()) {
      throw new IllegalArgumentException(
          "segments of " + total + " values for a batch of " + shuffled.length());
    }
    if (segmentLengths.length != ranks.length) {
      throw new IllegalArgumentException(
          segmentLengths.length + " segments but ranks for " + ranks.length);
    }
    for (int s = 0; s < segmentLengths.length; s++) {
      if (segmentLengths[s] == 0 && ranks[s].length > 0) {
        throw new ParleyException("cannot take order statistics of an empty batch");
      }
      checkRanks(segmentLengths[s], ranks[s]);
    }
    int[][] positions =
        LockstepSelection.select(
            segmentLengths, ranks, (elements, pivots) -> openedSmaller(shuffled, elements, pivots));
    int results = 0;
    for (int[] segment : positions) {
      results += segment.length;
    }
    long[] own = new long[results];
    long[] nextShare = new long[results];
    int r = 0;
    for (int[] segment : positions) {
      for (int position : segment) {
        own[r] = shuffled.own()[position];
        nextShare[r] = shuffled.next()[position];
        r++;
      }
    }
    return new ArithmeticShares(own, nextShare);
  }

  private static void checkRanks(int n, int[] ranks) {
    for (int rank : ranks) {
      if (rank < 0 || rank >= n) {
        throw new ParleyException(
            "order statistic rank " + rank + " is outside 0.." + (n - 1) + " for " + n + " values");
      }
    }
  }

  /**
   * Whether each {@code elements[k]} comes before {@code pivots[k]} in the (value, shuffled
   * position) order, computed on shares and opened to all three parties. An element before its
   * pivot in position is smaller when {@code x_a <= x_p}, that is {@code !(x_p < x_a)}; one after
   * it when {@code x_a < x_p}: one batch of {@code x_left < x_right} with the operands ordered
   * per element. Ten rounds; 95 bytes per comparison, plus the opening packed 64 to a word.
   */
  private boolean[] openedSmaller(ArithmeticShares shuffled, int[] elements, int[] pivots) {
    int m = elements.length;
    long[] leftOwn = new long[m];
    long[] leftNext = new long[m];
    long[] rightOwn = new long[m];
    long[] rightNext = new long[m];
    long[] own = shuffled.own();
    long[] nextShare = shuffled.next();
    for (int k = 0; k < m; k++) {
      int a = elements[k];
      int p = pivots[k];
      int left = a < p ? p : a;
      int right = a < p ? a : p;
      leftOwn[k] = own[left];
      leftNext[k] = nextShare[left];
      rightOwn[k] = own[right];
      rightNext[k] = nextShare[right];
    }
    long[] outcomes =
        reveal(
                packedLessThan(
                    new ArithmeticShares(leftOwn, leftNext),
                    new ArithmeticShares(rightOwn, rightNext)),
                0, 1, 2)
            .orElseThrow();
    boolean[] smaller = new boolean[m];
    for (int k = 0; k < m; k++) {
      boolean outcome = ((outcomes[k >>> 6] >>> (k & 63)) & 1L) == 1L;
      smaller[k] = elements[k] < pivots[k] ? !outcome : outcome;
    }
    return smaller;
  }

  // ---------------------------------------------------------------- checks

  private static int sameLength(ArithmeticShares a, ArithmeticShares b) {
    Batches.checkSameLength(a.length(), b.length());
    return a.length();
  }

  private static int sameLength(BooleanShares a, BooleanShares b) {
    Batches.checkSameLength(a.length(), b.length());
    return a.length();
  }

  private static void checkParty(int party, String role) {
    if (party < 0 || party >= PARTIES) {
      throw new IllegalArgumentException(role + " must be party 0, 1 or 2, got " + party);
    }
  }

  @Override
  public String toString() {
    return "ReplicatedParty[" + self + " of 3, keys redacted]";
  }
}
