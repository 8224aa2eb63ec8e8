package io.parley.connector.join;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.Parley;
import io.parley.connector.testing.FederationHarness;
import io.parley.protocols.ParleyException;
import io.parley.protocols.psi.HashToCurve;
import io.parley.protocols.psi.PsiDomain;
import io.parley.protocols.wire.PsiSumSlice;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.PrivateJoinSide;
import io.parley.protocols.wire.PrivateJoinVariant;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Private joins end to end: parties alpha (table {@code customers}) and beta (table {@code
 * orders}) and a coordinator in one JVM; every result is compared with plain Spark over both
 * parties' rows (a semi-join: set semantics on the identifier), on seeded random data.
 */
class PrivateJoinsTest {
  private static final String CUSTOMERS = "id STRING, region STRING";
  private static final String ORDERS = "id STRING, amount BIGINT, price DECIMAL(10,2)";
  private static final Map<String, String> REVEALING = Map.of("spark.parley.policy.psi.revealIntersection", "true",
      "spark.parley.psi.partitions", "3");

  @TempDir static Path dir;
  private static FederationHarness harness;
  private static SparkSession alpha;
  private static SparkSession beta;

  @BeforeAll
  static void startFederation() throws IOException {
    Path customers = Files.writeString(dir.resolve("customers.csv"), "id,region\n");
    Path orders = Files.writeString(dir.resolve("orders.csv"), "id,amount,price\n");
    harness = FederationHarness.start(dir, Map.of("customers", CUSTOMERS, "orders", ORDERS),
        Map.of("customers", Map.of("alpha", customers), "orders", Map.of("beta", orders)));
    alpha = harness.newSession("alpha", REVEALING);
    beta = harness.newSession("beta", REVEALING);
    harness.startResponder("beta", beta);
  }

  @AfterAll
  static void stopFederation() {
    if (harness != null) {
      harness.close();
    }
  }

  /** alpha holds ids 0..n-1 (some twice, some null), beta ids from n*(1-overlap) on, so about overlap*n are common. */
  private static void data(int alphaIds, int betaIds, double overlap, long seed) {
    Random random = new Random(seed);
    List<Row> customers = new ArrayList<>();
    for (int i = 0; i < alphaIds; i++) {
      customers.add(RowFactory.create("customer-" + i, random.nextBoolean() ? "east" : "west"));
      if (random.nextInt(8) == 0) {
        customers.add(RowFactory.create("customer-" + i, "north"));
      }
    }
    if (alphaIds > 0) {
      customers.add(RowFactory.create(null, "nowhere"));
    }
    List<Row> orders = new ArrayList<>();
    int first = (int) Math.round(alphaIds * (1 - overlap));
    for (int i = first; i < first + betaIds; i++) {
      int copies = random.nextInt(6) == 0 ? 3 : 1;
      for (int c = 0; c < copies; c++) {
        orders.add(RowFactory.create("customer-" + i, random.nextBoolean() ? null : (long) random.nextInt(2_000_000) - 500_000,
            new BigDecimal(random.nextInt(100_000)).movePointLeft(2)));
      }
    }
    orders.add(RowFactory.create(null, 7L, BigDecimal.ONE));
    register(customers, orders);
  }

  private static List<Row> lastCustomers = List.of();
  private static List<Row> lastOrders = List.of();

  private static void register(List<Row> customers, List<Row> orders) {
    lastCustomers = customers;
    lastOrders = orders;
    Parley.registerLocal(alpha, "customers", alpha.createDataFrame(customers, StructType.fromDDL(CUSTOMERS)));
    Parley.registerLocal(beta, "orders", beta.createDataFrame(orders, StructType.fromDDL(ORDERS)));
    alpha.createDataFrame(customers, StructType.fromDDL(CUSTOMERS)).createOrReplaceTempView("plain_customers");
    alpha.createDataFrame(orders, StructType.fromDDL(ORDERS)).createOrReplaceTempView("plain_orders");
  }

  private static PrivateJoin.Builder join(PrivateJoinVariant variant) {
    return PrivateJoin.newBuilder()
        .setVersion(1)
        .setInitiator(PrivateJoinSide.newBuilder().setParty("alpha").setTable("customers").setIdentifierColumn("id"))
        .setResponder(PrivateJoinSide.newBuilder().setParty("beta").setTable("orders").setIdentifierColumn("id"))
        .setVariant(variant)
        .setDescription("test join");
  }

  private static PrivateJoin intersection() {
    return join(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_INTERSECTION).addRevealTo("alpha").build();
  }

  private static PrivateJoin sum(String column) {
    return join(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SUM).setReceiver("alpha").setSumColumn(column).build();
  }

  private static List<String> sorted(Dataset<Row> rows) {
    List<String> out = new ArrayList<>();
    for (Row row : rows.collectAsList()) {
      out.add(row.toString());
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  @Test
  void intersectionMatchesAPlainSemiJoinAtEveryOverlap() {
    double[] overlaps = {0, 0.01, 0.5, 1};
    for (int c = 0; c < overlaps.length; c++) {
      data(300, 300, overlaps[c], 100 + c);
      List<String> expected = sorted(alpha.sql(
          "SELECT * FROM plain_customers c LEFT SEMI JOIN plain_orders o ON c.id = o.id"));
      List<String> actual = sorted(PrivateJoins.runAsInitiator(alpha, intersection()));
      assertEquals(expected, actual, "overlap " + overlaps[c]);
      if (overlaps[c] == 0) {
        assertTrue(actual.isEmpty());
      } else {
        assertTrue(actual.size() >= 3, "overlap " + overlaps[c] + ": " + actual.size());
      }
    }
  }

  @Test
  void anIntersectionRevealedToBothIsWrittenByTheResponderToo() throws Exception {
    Path outputs = dir.resolve("beta-intersections");
    Map<String, String> overrides = new java.util.HashMap<>(REVEALING);
    overrides.put("spark.parley.psi.outputDir", outputs.toString());
    SparkSession betaWriting = harness.newSession("beta", overrides);
    data(120, 150, 0.5, 21);
    Parley.registerLocal(betaWriting, "orders", betaWriting.createDataFrame(lastOrders, StructType.fromDDL(ORDERS)));
    harness.startResponder("beta", betaWriting);
    try {
      PrivateJoin both = intersection().toBuilder().addRevealTo("beta").build();
      List<String> alphaRows = sorted(PrivateJoins.runAsInitiator(alpha, both));
      assertEquals(sorted(alpha.sql("SELECT * FROM plain_customers c LEFT SEMI JOIN plain_orders o ON c.id = o.id")),
          alphaRows);
      // The responder writes its part after the session ends: wait (bounded) for Spark's marker file.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      Path written = null;
      while (written == null && System.nanoTime() < deadline) {
        if (Files.isDirectory(outputs)) {
          try (java.util.stream.Stream<Path> sessions = Files.list(outputs)) {
            written = sessions.filter(session -> Files.exists(session.resolve("_SUCCESS"))).findFirst().orElse(null);
          }
        }
        if (written == null) {
          Thread.sleep(50);
        }
      }
      assertTrue(written != null, "beta wrote no intersection under " + outputs);
      assertEquals(sorted(alpha.sql("SELECT * FROM plain_orders o LEFT SEMI JOIN plain_customers c ON c.id = o.id")),
          sorted(alpha.read().parquet(written.toString())));
    } finally {
      harness.startResponder("beta", beta);
    }
  }

  @Test
  void sizeAndSumMatchPlainSparkWithFiltersOnEitherSide() {
    data(400, 300, 0.5, 7);
    PrivateJoin.Builder filtered = join(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SUM).setReceiver("alpha").setSumColumn("amount");
    filtered.getInitiatorBuilder().setFilterSql("region = 'east'");
    filtered.getResponderBuilder().setFilterSql("price > 100");
    Row sum = PrivateJoins.runAsInitiator(alpha, filtered.build()).first();
    Row expected = alpha.sql("SELECT count(DISTINCT o.id), count(*), sum(o.amount) FROM plain_orders o LEFT SEMI JOIN "
        + "(SELECT * FROM plain_customers WHERE region = 'east') c ON c.id = o.id WHERE o.price > 100").first();
    assertEquals(expected.getLong(0), sum.getLong(0));
    assertEquals(expected.getLong(1), sum.getLong(1));
    assertEquals(expected.getLong(2), sum.getLong(2));
    assertTrue(sum.getLong(1) > 10, "matched rows " + sum.getLong(1));

    Row decimal = PrivateJoins.runAsInitiator(alpha, sum("price")).first();
    Row plainDecimal = alpha.sql("SELECT count(DISTINCT o.id), count(*), sum(o.price) FROM plain_orders o "
        + "LEFT SEMI JOIN plain_customers c ON c.id = o.id").first();
    assertEquals(plainDecimal.getLong(1), decimal.getLong(1));
    assertEquals(plainDecimal.getDecimal(2), decimal.getDecimal(2));

    PrivateJoin size = join(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SIZE).setReceiver("beta").build();
    long plainSize = alpha.sql("SELECT count(DISTINCT c.id) FROM plain_customers c LEFT SEMI JOIN plain_orders o "
        + "ON c.id = o.id").first().getLong(0);
    assertEquals(plainSize, PrivateJoins.runAsInitiator(alpha, size).first().getLong(0));
    assertTrue(plainSize > 100);
  }

  @Test
  void aSumOverFivePartitionsTravelsFromTheTasksAndMatchesPlainSpark() throws Exception {
    data(500, 400, 0.6, 13);
    Map<String, String> five = new java.util.HashMap<>(REVEALING);
    five.put("spark.parley.psi.partitions", "5");
    SparkSession alphaFive = harness.newSession("alpha", five);
    SparkSession betaFive = harness.newSession("beta", five);
    Parley.registerLocal(alphaFive, "customers", alphaFive.createDataFrame(lastCustomers, StructType.fromDDL(CUSTOMERS)));
    Parley.registerLocal(betaFive, "orders", betaFive.createDataFrame(lastOrders, StructType.fromDDL(ORDERS)));
    harness.startResponder("beta", betaFive);
    try {
      harness.clearTranscript();
      Row sum = PrivateJoins.runAsInitiator(alphaFive, sum("amount")).first();
      Row expected = alpha.sql("SELECT count(DISTINCT o.id), count(*), sum(o.amount) FROM plain_orders o "
          + "LEFT SEMI JOIN plain_customers c ON c.id = o.id").first();
      assertEquals(expected.getLong(0), sum.getLong(0));
      assertEquals(expected.getLong(1), sum.getLong(1));
      assertEquals(expected.getLong(2), sum.getLong(2));
      assertTrue(sum.getLong(0) > 100, "intersection " + sum.getLong(0));

      // beta's five batches each sent their masked slice: together every distinct identifier once,
      // at consecutive offsets of its send order. alpha's tasks sent the matched positions, each once.
      long betaDistinct = alpha.sql("SELECT count(DISTINCT id) FROM plain_orders").first().getLong(0);
      List<PsiSumSlice> payload = new ArrayList<>();
      Set<Integer> positions = new HashSet<>();
      int positionSlices = 0;
      for (FederationHarness.Received received : harness.transcript()) {
        if (!received.rpc().equals("PsiSumSlices")) {
          continue;
        }
        PsiSumSlice slice = PsiSumSlice.parseFrom(received.message());
        if (received.party().equals("beta")) {
          payload.add(slice);
        } else {
          positionSlices++;
          ByteBuffer in = slice.getPositions().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
          while (in.hasRemaining()) {
            assertTrue(positions.add(in.getInt()), "a position sent twice");
          }
        }
      }
      assertEquals(5, payload.size(), "one slice per partition");
      payload.sort(Comparator.comparingLong(PsiSumSlice::getFirstElement));
      long next = 0;
      for (PsiSumSlice slice : payload) {
        assertEquals(next, slice.getFirstElement());
        next += slice.getMaskedWords().size() / (8 * 4);
      }
      assertEquals(betaDistinct, next);
      assertEquals(sum.getLong(0), positions.size());
      assertTrue(positionSlices >= 1);
      assertTrue(positions.stream().allMatch(p -> p >= 0 && p < betaDistinct));
      assertEquals(1, harness.transcript().stream()
          .filter(r -> r.rpc().equals("PsiSumBegin") && r.party().equals("beta")).count());
      assertEquals(1, harness.transcript().stream()
          .filter(r -> r.rpc().equals("PsiSumBegin") && r.party().equals("alpha")).count());
    } finally {
      harness.startResponder("beta", beta);
    }
  }

  @Test
  void emptySidesGiveEmptyResults() {
    register(List.of(RowFactory.create("customer-1", "east")), List.of());
    assertTrue(PrivateJoins.runAsInitiator(alpha, intersection()).collectAsList().isEmpty());
    Row sum = PrivateJoins.runAsInitiator(alpha, sum("amount")).first();
    assertEquals(0, sum.getLong(0));
    assertEquals(0, sum.getLong(1));
    assertNull(sum.get(2), "sum over no rows is null, as Spark's");
    register(List.of(), List.of(RowFactory.create("customer-1", 5L, BigDecimal.TEN)));
    assertEquals(0, PrivateJoins.runAsInitiator(alpha,
        join(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SIZE).setReceiver("alpha").build()).first().getLong(0));
  }

  @Test
  void textFormsMeetUnderTheDeclaredNormalization() {
    register(
        List.of(RowFactory.create("  Alice@Example.ORG", "east"), RowFactory.create("bob@example.org\t", "west"),
            RowFactory.create("carol@example.org", "west"), RowFactory.create("Dave@Example.org", "east")),
        List.of(RowFactory.create("alice@example.org", 1L, BigDecimal.ONE),
            RowFactory.create("BOB@EXAMPLE.ORG", 2L, BigDecimal.ONE),
            RowFactory.create("dave@example.org ", 3L, BigDecimal.ONE)));
    PrivateJoin exact = intersection();
    assertTrue(PrivateJoins.runAsInitiator(alpha, exact).collectAsList().isEmpty(), "no identifier is equal as written");
    PrivateJoin normalized = exact.toBuilder().setNormalization("trim,lowercase").build();
    List<String> expected = sorted(alpha.sql("SELECT * FROM plain_customers c LEFT SEMI JOIN plain_orders o "
        + "ON lower(trim(BOTH ' \t' FROM c.id)) = lower(trim(BOTH ' \t' FROM o.id))"));
    assertEquals(expected, sorted(PrivateJoins.runAsInitiator(alpha, normalized)));
    assertEquals(3, expected.size());
  }

  @Test
  void policiesRefuseWithMessagesNamingPartyAndSetting() {
    data(50, 50, 0.5, 3);
    SparkSession closed = harness.newSession("alpha", Map.of());
    ParleyException own = assertThrows(ParleyException.class, () -> PrivateJoins.runAsInitiator(closed, intersection()));
    assertEquals("party alpha's policy does not let a private join reveal the intersection "
        + "(spark.parley.policy.psi.revealIntersection = false); ask for its size or a sum instead", own.getMessage());

    harness.startResponder("beta", harness.newSession("beta", Map.of()));
    try {
      ParleyException peer = assertThrows(ParleyException.class, () -> PrivateJoins.runAsInitiator(alpha, intersection()));
      assertTrue(peer.getMessage().contains("party beta's policy does not let a private join reveal the intersection "
          + "(spark.parley.policy.psi.revealIntersection = false)"), peer.getMessage());
    } finally {
      harness.startResponder("beta", beta);
    }

    SparkSession strict = harness.newSession("alpha", Map.of("spark.parley.policy.psi.minIntersection", "1000"));
    Parley.registerLocal(strict, "customers", strict.createDataFrame(lastCustomers, StructType.fromDDL(CUSTOMERS)));
    ParleyException small = assertThrows(ParleyException.class, () -> PrivateJoins.runAsInitiator(strict, sum("amount")));
    assertEquals("test join: nothing is released: the intersection is smaller than 1000, the larger "
        + "spark.parley.policy.psi.minIntersection of parties alpha and beta", small.getMessage());

    SparkSession betaStrict = harness.newSession("beta", Map.of("spark.parley.policy.psi.minIntersection", "26"));
    Parley.registerLocal(betaStrict, "orders", betaStrict.createDataFrame(lastOrders, StructType.fromDDL(ORDERS)));
    harness.startResponder("beta", betaStrict);
    try {
      ParleyException peerMinimum = assertThrows(ParleyException.class, () -> PrivateJoins.runAsInitiator(alpha,
          join(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SIZE).setReceiver("alpha").build()));
      assertEquals("test join: nothing is released: the intersection is smaller than 26, the larger "
          + "spark.parley.policy.psi.minIntersection of parties alpha and beta", peerMinimum.getMessage());
    } finally {
      harness.startResponder("beta", beta);
    }

    PrivateJoin.Builder sneaky = join(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SIZE).setReceiver("alpha");
    sneaky.getResponderBuilder().setFilterSql("reflect('java.lang.System', 'getenv', 'HOME') IS NOT NULL");
    ParleyException filter = assertThrows(ParleyException.class, () -> PrivateJoins.runAsInitiator(alpha, sneaky.build()));
    assertTrue(filter.getMessage().contains("may not use the function reflect"), filter.getMessage());
  }

  @Test
  void secureCountAndSumOverAJoinOfTablesTwoPartiesOwnRunAsAPrivateJoin() throws IOException {
    Path owned = dir.resolve("federation-owned.properties");
    Files.writeString(owned, Files.readString(Path.of(harness.settings("alpha").get("spark.parley.federation")))
        + "table.customers.owner=alpha\ntable.orders.owner=beta\n");
    Map<String, String> overrides = new java.util.HashMap<>(REVEALING);
    overrides.put("spark.parley.federation", owned.toString());
    SparkSession alphaOwned = harness.newSession("alpha", overrides);
    SparkSession betaOwned = harness.newSession("beta", overrides);
    Random random = new Random(42);
    List<Row> customers = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      customers.add(RowFactory.create("customer-" + i, random.nextBoolean() ? "east" : "west"));
    }
    data(300, 300, 0.5, 5);
    Parley.registerLocal(alphaOwned, "customers", alphaOwned.createDataFrame(customers, StructType.fromDDL(CUSTOMERS)));
    Parley.registerLocal(betaOwned, "orders", betaOwned.createDataFrame(lastOrders, StructType.fromDDL(ORDERS)));
    alpha.createDataFrame(customers, StructType.fromDDL(CUSTOMERS)).createOrReplaceTempView("unique_customers");
    harness.startResponder("beta", betaOwned);
    try {
      String where = " WHERE c.region = 'east' AND o.price > 100";
      Dataset<Row> secure = alphaOwned.sql("SELECT secure_count(*) AS n, secure_sum(o.amount) AS total "
          + "FROM customers c JOIN orders o ON c.id = o.id" + where);
      assertTrue(secure.queryExecution().executedPlan().toString().contains("PrivateJoinAggregate"),
          secure.queryExecution().executedPlan().toString());
      Row expected = alpha.sql("SELECT count(*), sum(o.amount) FROM unique_customers c JOIN plain_orders o "
          + "ON c.id = o.id" + where).first();
      Row actual = secure.first();
      assertEquals(List.of("n", "total"), List.of(secure.columns()));
      assertEquals(expected.getLong(0), actual.getLong(0));
      assertEquals(expected.getLong(1), actual.getLong(1));
      assertTrue(actual.getLong(0) > 10, "joined rows " + actual.getLong(0));
      Exception twoColumns = assertThrows(Exception.class, () -> alphaOwned.sql("SELECT secure_sum(o.amount), "
          + "secure_sum(o.price) FROM customers c JOIN orders o ON c.id = o.id").first());
      assertTrue(twoColumns.getMessage().contains("cannot be combined with other tables"), twoColumns.getMessage());
    } finally {
      harness.startResponder("beta", beta);
    }
  }

  @Test
  void theCoordinatorSeesNoIdentifierPointValueOrResult() {
    data(200, 200, 0.5, 11);
    harness.clearTranscript();
    Row result = PrivateJoins.runAsInitiator(alpha, sum("amount")).first();
    List<FederationHarness.Received> transcript = harness.transcript();
    assertTrue(transcript.stream().anyMatch(r -> r.rpc().equals("Relay")), "batches went through the relay");
    assertTrue(transcript.stream().anyMatch(r -> r.rpc().equals("PsiSum")), "the sum went through PsiSum");

    List<byte[]> secrets = new ArrayList<>();
    Set<Long> values = new HashSet<>();
    for (Row row : alpha.table("plain_orders").collectAsList()) {
      if (!row.isNullAt(1) && Math.abs(row.getLong(1)) > 1000) {
        values.add(row.getLong(1));
      }
    }
    for (int i = 0; i < 400; i++) {
      byte[] identifier = ("customer-" + i).getBytes(StandardCharsets.UTF_8);
      secrets.add(identifier);
      secrets.add(HashToCurve.hashToCurve(identifier, PsiDomain.TAG_PREFIX.getBytes(StandardCharsets.US_ASCII)));
    }
    values.add(result.getLong(1));
    values.add(result.getLong(2));
    for (long value : values) {
      secrets.add(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(value).array());
      secrets.add(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }
    long bytes = 0;
    for (FederationHarness.Received received : transcript) {
      bytes += received.message().length;
      for (byte[] secret : secrets) {
        assertFalse(contains(received.message(), secret),
            () -> received.rpc() + " from " + received.party() + " holds an identifier, point, value or result");
      }
    }
    assertTrue(bytes > 200 * 32 * 2, "transcript of " + bytes + " bytes");
    // Control: the scan finds a value written in clear.
    byte[] planted = ByteBuffer.allocate(11).put(new byte[] {1, 2, 3}).putLong(result.getLong(2)).array();
    assertTrue(contains(planted, secrets.get(secrets.size() - 2)) || contains(planted, secrets.get(secrets.size() - 1))
        || secrets.stream().anyMatch(secret -> contains(planted, secret)));
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
