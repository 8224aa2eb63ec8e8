package io.parley.connector.join;

import io.parley.connector.party.ExecutorClients;
import io.parley.protocols.ParleyException;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.mpc.Network;
import io.parley.protocols.psi.IdentifierNormalizer;
import io.parley.protocols.psi.PsiKey;
import io.parley.protocols.psi.PsiLink;
import io.parley.protocols.psi.PsiMessages;
import io.parley.protocols.psi.PsiSumMasks;
import io.parley.protocols.psi.SecureShuffle;
import java.io.Serializable;
import java.math.BigDecimal;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import scala.Tuple2;

/**
 * What a party's executors run in a private join: identifiers to canonical bytes, deduplication
 * under a keyed partitioner, hashing to the curve and blinding, reblinding the peer's batches,
 * global shuffles, and the slices of a sum's two messages, which the tasks send to the coordinator
 * themselves. Each task that talks to the peer opens its own sealed network for its operation and
 * partition through its executor JVM's coordinator client; randomness is {@link Drbg#strong()} per
 * task.
 */
final class PsiTasks {
  /** Relay operation of each party's own blinded batches {@code H(x)^k}, one per partition. */
  static final String OPERATION_BLINDED = "psi-blinded";
  /** Relay operation of the doubly blinded batches a party returns to its peer. */
  static final String OPERATION_RETURNED = "psi-returned";
  /** Words per element of a sum's payload: low 32 bits, high 32 bits (signed), non-null count, rows. */
  static final int SUM_WIDTH = 4;

  private PsiTasks() {}

  /** The coordinator, TLS material and sealed channel an executor needs to relay its batch. */
  static final class ExecutorLink implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String coordinator;
    private final TlsMaterial tls;
    private final Duration callTimeout;
    private final PsiLink link;

    ExecutorLink(String coordinator, TlsMaterial tls, Duration callTimeout, PsiLink link) {
      this.coordinator = coordinator;
      this.tls = tls;
      this.callTimeout = callTimeout;
      this.link = link;
    }

    Network network(String operation, int partition, SecureRandom random) {
      return link.network(client(), operation, partition, random);
    }

    /** This executor JVM's coordinator client (one channel per JVM). */
    CoordinatorClient client() {
      return ExecutorClients.get(coordinator, tls, callTimeout);
    }

    String sessionId() {
      return link.sessionId();
    }

    String peer() {
      return link.peer();
    }

    int peerId() {
      return link.peerId();
    }

    byte[] receive(String operation, int partition, SecureRandom random) {
      try {
        return network(operation, partition, random).receive(peerId());
      } catch (ParleyException e) {
        throw new ParleyException("private join (session " + link.sessionId() + "): batch " + partition + " of "
            + operation + " from party " + peer() + " was rejected (" + e.getMessage() + ")", e);
      }
    }

    @Override
    public String toString() {
      return "ExecutorLink[" + coordinator + ", " + link + "]";
    }
  }

  /** An identifier's canonical bytes as a key: equality and hash by content. */
  static final class ByteKey implements Serializable, Comparable<ByteKey> {
    private static final long serialVersionUID = 1L;
    byte[] bytes;

    ByteKey() {}

    ByteKey(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof ByteKey key && Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(ByteKey other) {
      return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public String toString() {
      return "ByteKey[" + bytes.length + " bytes]";
    }
  }

  /**
   * Places each distinct identifier by HMAC-SHA256 under a key drawn for this run and known only to
   * this party: the batch an identifier lands in is pseudorandom and independent of anything the
   * peer can compute (Spark's own hash partitioning is a public function of the identifier, so the
   * peer could tell which of its identifiers a batch could hold).
   */
  static final class KeyedPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final byte[] key;
    private final int partitions;
    private transient ThreadLocal<Mac> macs;

    KeyedPartitioner(byte[] key, int partitions) {
      this.key = key.clone();
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object identifier) {
      if (macs == null) {
        macs = ThreadLocal.withInitial(this::newMac);
      }
      byte[] tag = macs.get().doFinal(((ByteKey) identifier).bytes);
      long value = ((tag[0] & 0xffL) << 24) | ((tag[1] & 0xffL) << 16) | ((tag[2] & 0xffL) << 8) | (tag[3] & 0xffL);
      return (int) (value % partitions);
    }

    private Mac newMac() {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
      }
    }

    @Override
    public String toString() {
      return "KeyedPartitioner[" + partitions + ", key redacted]";
    }
  }

  /**
   * Rows (identifier[, summed value]) to (canonical identifier, payload words); rows with a null
   * identifier never join and are dropped here.
   */
  static final class CanonicalKeys implements PairFlatMapFunction<Iterator<Row>, ByteKey, long[]> {
    private static final long serialVersionUID = 1L;
    private static final long[] NO_WORDS = new long[0];
    private static final long[] ONE_ROW = {0, 0, 0, 1};
    private final IdentifierNormalizer normalizer;
    private final boolean integralIdentifier;
    private final boolean summing;
    private final DataType sumType;

    /**
     * @param summing whether this party is the sender of a sum
     * @param sumType the summed column's type (column 1 of the rows), or null to count rows only
     */
    CanonicalKeys(IdentifierNormalizer normalizer, DataType identifierType, boolean summing, DataType sumType) {
      this.normalizer = normalizer;
      this.integralIdentifier = JoinPlan.isIntegral(identifierType);
      this.summing = summing;
      this.sumType = sumType;
    }

    private long[] payload(Row row) {
      if (!summing) {
        return NO_WORDS;
      }
      return sumType == null ? ONE_ROW : sumWords(row, 1, sumType);
    }

    @Override
    public Iterator<Tuple2<ByteKey, long[]>> call(Iterator<Row> rows) {
      return new Iterator<>() {
        private Tuple2<ByteKey, long[]> next = advance();

        private Tuple2<ByteKey, long[]> advance() {
          while (rows.hasNext()) {
            Row row = rows.next();
            byte[] canonical = canonical(row, 0, integralIdentifier, normalizer);
            if (canonical != null) {
              return new Tuple2<>(new ByteKey(canonical), payload(row));
            }
          }
          return null;
        }

        @Override
        public boolean hasNext() {
          return next != null;
        }

        @Override
        public Tuple2<ByteKey, long[]> next() {
          if (next == null) {
            throw new java.util.NoSuchElementException();
          }
          Tuple2<ByteKey, long[]> current = next;
          next = advance();
          return current;
        }
      };
    }
  }

  static byte[] canonical(Row row, int column, boolean integral, IdentifierNormalizer normalizer) {
    if (row.isNullAt(column)) {
      return null;
    }
    return integral ? normalizer.canonicalBytes(((Number) row.get(column)).longValue())
        : normalizer.canonicalBytes(row.getString(column));
  }

  /** A row's payload: its value split into 32-bit halves (sums of up to 2^31 rows never carry), non-null, one row. */
  static long[] sumWords(Row row, int column, DataType type) {
    if (row.isNullAt(column)) {
      return new long[] {0, 0, 0, 1};
    }
    long value;
    if (type instanceof DecimalType decimal) {
      BigDecimal exact = row.getDecimal(column).setScale(decimal.scale());
      value = exact.unscaledValue().longValueExact();
    } else {
      value = ((Number) row.get(column)).longValue();
    }
    return new long[] {value & 0xffffffffL, value >> 32, 1, 1};
  }

  /** Merges the payloads of one identifier's rows (a distinct identifier is sent once). */
  static final class AddWords implements Function2<long[], long[], long[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public long[] call(long[] a, long[] b) {
      if (a.length == 0) {
        return a;
      }
      long[] sum = a.clone();
      for (int w = 0; w < sum.length; w++) {
        sum[w] += b[w];
      }
      return sum;
    }
  }

  /**
   * This party's batch {@code p}: its distinct identifiers in a fresh uniformly random order
   * (Fisher-Yates from {@link Drbg#strong()}), each hashed to the curve and blinded with this
   * party's key, sent to the peer as one sealed message of {@link PsiMessages} points. Keeps the
   * identifiers and payload words in the order sent (the batch's only record, checkpointed by the
   * caller: recomputing it would draw another order).
   */
  static final class BlindAndSend
      implements Function2<Integer, Iterator<Tuple2<ByteKey, long[]>>, Iterator<Tuple2<byte[][], long[]>>> {
    private static final long serialVersionUID = 1L;
    private final PsiKey key;
    private final ExecutorLink link;
    private final int width;

    BlindAndSend(PsiKey key, ExecutorLink link, int width) {
      this.key = key;
      this.link = link;
      this.width = width;
    }

    @Override
    public Iterator<Tuple2<byte[][], long[]>> call(Integer batch, Iterator<Tuple2<ByteKey, long[]>> identifiers) {
      List<Tuple2<ByteKey, long[]>> distinct = new ArrayList<>();
      identifiers.forEachRemaining(distinct::add);
      SecureRandom random = Drbg.strong();
      int[] order = SecureShuffle.permutation(distinct.size(), random);
      byte[][] canonical = new byte[order.length][];
      long[] payload = new long[order.length * width];
      for (int slot = 0; slot < order.length; slot++) {
        Tuple2<ByteKey, long[]> element = distinct.get(order[slot]);
        canonical[slot] = element._1().bytes;
        if (width > 0) {
          System.arraycopy(element._2(), 0, payload, slot * width, width);
        }
      }
      byte[] points = PsiMessages.encodePoints(PsiMessages.Type.BLINDED_IDENTIFIERS, key.blindAll(canonical));
      link.network(OPERATION_BLINDED, batch, random).send(link.peerId(), points);
      return List.of(new Tuple2<>(canonical, payload)).iterator();
    }
  }

  /**
   * The peer's batch {@code q}: fetched, checked (size, and every point by {@link PsiKey#reblindAll}:
   * canonical, on the curve, not of small order) and reblinded with this party's key. Returned to
   * the peer in the order received when the peer learns its rows; emitted as (point, position in
   * the peer's send order) rows when this party matches.
   */
  static final class FetchAndReblind implements Function2<Integer, Iterator<Integer>, Iterator<Row>> {
    private static final long serialVersionUID = 1L;
    private final PsiKey key;
    private final ExecutorLink link;
    private final int[] sizes;
    private final long[] offsets;
    private final boolean returnInOrder;

    FetchAndReblind(PsiKey key, ExecutorLink link, DriverMessages.Batches peerBatches, boolean returnInOrder) {
      this.key = key;
      this.link = link;
      this.sizes = peerBatches.sizes();
      this.offsets = peerBatches.offsets();
      this.returnInOrder = returnInOrder;
    }

    @Override
    public Iterator<Row> call(Integer batch, Iterator<Integer> ignored) {
      SecureRandom random = Drbg.strong();
      byte[][] points = PsiMessages.decodePoints(link.receive(OPERATION_BLINDED, batch, random),
          PsiMessages.Type.BLINDED_IDENTIFIERS, link.peer());
      if (points.length != sizes[batch]) {
        throw new ParleyException("private join: party " + link.peer() + " announced " + sizes[batch]
            + " identifiers in batch " + batch + " but sent " + points.length);
      }
      byte[][] reblinded = key.reblindAll(points, link.peer());
      if (returnInOrder) {
        link.network(OPERATION_RETURNED, batch, random).send(link.peerId(),
            PsiMessages.encodePoints(PsiMessages.Type.REBLINDED_IDENTIFIERS, reblinded));
      }
      List<Row> rows = new ArrayList<>(reblinded.length);
      for (int i = 0; i < reblinded.length; i++) {
        rows.add(RowFactory.create(reblinded[i], offsets[batch] + i));
      }
      return rows.iterator();
    }
  }

  /** A uniformly random batch for each doubly blinded point (the first half of a global shuffle). */
  static final class RandomBatch implements PairFlatMapFunction<Iterator<Row>, Integer, byte[]> {
    private static final long serialVersionUID = 1L;
    private final int batches;

    RandomBatch(int batches) {
      this.batches = batches;
    }

    @Override
    public Iterator<Tuple2<Integer, byte[]>> call(Iterator<Row> rows) {
      SecureRandom random = Drbg.strong();
      List<Tuple2<Integer, byte[]>> out = new ArrayList<>();
      rows.forEachRemaining(row -> out.add(new Tuple2<>(random.nextInt(batches), (byte[]) row.get(0))));
      return out.iterator();
    }
  }

  /**
   * The second half of the global shuffle: a batch's points in a fresh uniformly random order, sent
   * back to the peer. With the uniformly random batch of each point, the whole arrangement is
   * independent of the order in which the peer sent them. Returns the batch's size.
   */
  static final class ShuffleAndReturn implements Function2<Integer, Iterator<Tuple2<Integer, byte[]>>, Iterator<Integer>> {
    private static final long serialVersionUID = 1L;
    private final ExecutorLink link;

    ShuffleAndReturn(ExecutorLink link) {
      this.link = link;
    }

    @Override
    public Iterator<Integer> call(Integer batch, Iterator<Tuple2<Integer, byte[]>> placed) {
      List<byte[]> points = new ArrayList<>();
      placed.forEachRemaining(point -> points.add(point._2()));
      byte[][] shuffled = points.toArray(new byte[0][]);
      SecureRandom random = Drbg.strong();
      SecureShuffle.shuffle(shuffled, random);
      link.network(OPERATION_RETURNED, batch, random).send(link.peerId(),
          PsiMessages.encodePoints(PsiMessages.Type.REBLINDED_IDENTIFIERS, shuffled));
      return List.of(shuffled.length).iterator();
    }
  }

  /**
   * This party's own batch {@code p} returned doubly blinded in the order sent: each point beside
   * the identifier it stands for (intersection, at a party that learns its rows).
   */
  static final class FetchOwnReturned implements Function2<Integer, Iterator<Tuple2<byte[][], long[]>>, Iterator<Row>> {
    private static final long serialVersionUID = 1L;
    private final ExecutorLink link;

    FetchOwnReturned(ExecutorLink link) {
      this.link = link;
    }

    @Override
    public Iterator<Row> call(Integer batch, Iterator<Tuple2<byte[][], long[]>> sent) {
      byte[][] canonical = sent.next()._1();
      byte[][] points = PsiMessages.decodePoints(link.receive(OPERATION_RETURNED, batch, Drbg.strong()),
          PsiMessages.Type.REBLINDED_IDENTIFIERS, link.peer());
      if (points.length != canonical.length) {
        throw new ParleyException("private join: party " + link.peer() + " returned " + points.length
            + " points for the " + canonical.length + " of batch " + batch);
      }
      List<Row> rows = new ArrayList<>(points.length);
      for (int i = 0; i < points.length; i++) {
        rows.add(RowFactory.create(points[i], canonical[i]));
      }
      return rows.iterator();
    }
  }

  /** This party's own points returned doubly blinded and globally shuffled (size and sum, receiver). */
  static final class FetchShuffled implements Function2<Integer, Iterator<Integer>, Iterator<Row>> {
    private static final long serialVersionUID = 1L;
    private final ExecutorLink link;
    private final int[] sizes;

    FetchShuffled(ExecutorLink link, int[] sizes) {
      this.link = link;
      this.sizes = sizes;
    }

    @Override
    public Iterator<Row> call(Integer batch, Iterator<Integer> ignored) {
      byte[][] points = PsiMessages.decodePoints(link.receive(OPERATION_RETURNED, batch, Drbg.strong()),
          PsiMessages.Type.REBLINDED_IDENTIFIERS, link.peer());
      if (points.length != sizes[batch]) {
        throw new ParleyException("private join: party " + link.peer() + " announced " + sizes[batch]
            + " points in returned batch " + batch + " but sent " + points.length);
      }
      List<Row> rows = new ArrayList<>(points.length);
      for (byte[] point : points) {
        rows.add(RowFactory.create((Object) point));
      }
      return rows.iterator();
    }
  }

  /**
   * The sender's payload of batch {@code p}, masked at its place in the whole send order (elements
   * {@code [offsets[p], offsets[p] + size)}), sent by this task to the coordinator's PsiSum as its
   * slice of the declared payload. Returns the number of elements sent. The batch comes from the
   * checkpointed blinding stage, so a recomputed task would send the same slice again, which the
   * coordinator refuses as an overlap (the session then fails; it never counts a slice twice).
   */
  static final class SendMaskedPayload
      implements Function2<Integer, Iterator<Tuple2<byte[][], long[]>>, Iterator<Long>> {
    private static final long serialVersionUID = 1L;
    private final PsiSumMasks masks;
    private final long[] offsets;
    private final ExecutorLink link;

    SendMaskedPayload(PsiSumMasks masks, long[] offsets, ExecutorLink link) {
      this.masks = masks;
      this.offsets = offsets;
      this.link = link;
    }

    @Override
    public Iterator<Long> call(Integer batch, Iterator<Tuple2<byte[][], long[]>> sent) {
      long[] words = sent.next()._2().clone();
      masks.maskPayload(offsets[batch], SUM_WIDTH, words);
      link.client().sendPsiSumPayload(link.sessionId(), offsets[batch], words, SUM_WIDTH);
      return List.of((long) (words.length / SUM_WIDTH)).iterator();
    }
  }

  /**
   * The receiver's matched positions (indices in the sender's send order) of one partition, sent
   * by this task to the coordinator's PsiSum as a slice of the declared match report. Returns the
   * partition's share of the mask correction: {@code [count, mask sum word 0 .. SUM_WIDTH-1]}, the
   * payload masks at its positions summed (the driver adds the partitions' shares and subtracts the
   * output mask; only that total reaches the coordinator, never a partition's share).
   */
  static final class SendMatchedPositions
      implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<Row>, long[]> {
    private static final long serialVersionUID = 1L;
    private final PsiSumMasks masks;
    private final ExecutorLink link;

    SendMatchedPositions(PsiSumMasks masks, ExecutorLink link) {
      this.masks = masks;
      this.link = link;
    }

    @Override
    public Iterator<long[]> call(Iterator<Row> rows) {
      int[] positions = new int[64];
      int count = 0;
      while (rows.hasNext()) {
        if (count == positions.length) {
          positions = Arrays.copyOf(positions, count * 2);
        }
        positions[count++] = Math.toIntExact(rows.next().getLong(0));
      }
      positions = Arrays.copyOf(positions, count);
      Arrays.sort(positions); // payloadMaskSum streams the mask in increasing order
      link.client().sendPsiSumPositions(link.sessionId(), positions, 0, count);
      long[] share = new long[1 + SUM_WIDTH];
      share[0] = count;
      System.arraycopy(masks.payloadMaskSum(positions, SUM_WIDTH), 0, share, 1, SUM_WIDTH);
      return List.of(share).iterator();
    }
  }

  /** Each of this party's rows with its identifier's canonical bytes appended (null for a null identifier). */
  static final class AppendCanonical implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    private final IdentifierNormalizer normalizer;
    private final int identifierColumn;
    private final boolean integral;

    AppendCanonical(IdentifierNormalizer normalizer, int identifierColumn, DataType identifierType) {
      this.normalizer = normalizer;
      this.identifierColumn = identifierColumn;
      this.integral = JoinPlan.isIntegral(identifierType);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row row = rows.next();
          Object[] values = new Object[row.length() + 1];
          for (int c = 0; c < row.length(); c++) {
            values[c] = row.get(c);
          }
          values[row.length()] = canonical(row, identifierColumn, integral, normalizer);
          return RowFactory.create(values);
        }
      };
    }
  }
}
