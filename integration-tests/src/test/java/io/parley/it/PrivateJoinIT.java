package io.parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.jobs.FileTranscript;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A private join across processes through {@code jobs/bin/parley}: a coordinator recording its
 * transcript, beta's responder ({@code parley party}, CSV data) and alpha's {@code parley psi}
 * (Parquet data), each its own JVM. The intersection alpha writes as Parquet and the sum it
 * writes as CSV are read back and compared with plain Spark joins of both parties' files; the
 * coordinator's transcript must hold no identifier; a policy refusal is one {@code parley:} line.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PrivateJoinIT {
  static final String SCHEMA = "id STRING, spend BIGINT";
  static final Duration RUN_TIMEOUT = Duration.ofSeconds(240);
  static final Map<String, String> REVEALING = Map.of("spark.parley.policy.psi.revealIntersection", "true");

  static Path work;
  static ProcessFederation federation;
  static Path transcript;
  static Path betaOutputs;
  static LaunchedProcess beta;
  static SparkSession spark;
  static String alphaPath;
  static String betaPath;
  static final List<String> identifiers = new ArrayList<>();

  @BeforeAll
  static void startFederation() throws Exception {
    Checkout.requirePackagedJobs();
    work = Checkout.freshWorkDir(PrivateJoinIT.class);
    spark = PlainSpark.plainSession("PrivateJoinIT plain Spark");
    alphaPath = work.resolve("data/alpha/customers.parquet").toString();
    betaPath = work.resolve("data/beta/customers.csv").toString();
    Random random = new Random(2026);
    List<Row> alpha = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      alpha.add(RowFactory.create("customer-" + (1000 + i), (long) random.nextInt(10_000)));
    }
    alpha.add(RowFactory.create("customer-1001", 5L));
    alpha.add(RowFactory.create(null, 6L));
    spark.createDataFrame(alpha, StructType.fromDDL(SCHEMA)).write().parquet(alphaPath);
    StringBuilder csv = new StringBuilder("id,spend\n");
    for (int i = 250; i < 600; i++) {
      int copies = i % 7 == 0 ? 2 : 1;
      for (int c = 0; c < copies; c++) {
        csv.append("customer-").append(1000 + i).append(',').append(random.nextInt(1_000_000) - 200_000).append('\n');
      }
    }
    csv.append(",17\n");
    Files.createDirectories(Path.of(betaPath).getParent());
    Files.writeString(Path.of(betaPath), csv.toString());
    for (int i = 0; i < 600; i++) {
      identifiers.add("customer-" + (1000 + i));
    }

    federation = new ProcessFederation(work.resolve("federation"), work.resolve("logs"));
    SqlRun init = federation.run("init", List.of("init", "--dir", federation.dir().toString(), "--parties", "alpha,beta",
        "--federation", "parley-psi-it", "--table", "customers=" + SCHEMA, "--table", "bank=" + SCHEMA,
        "--table", "shop=" + SCHEMA, "--owner", "bank=alpha", "--owner", "shop=beta"), ProcessFederation.INIT_TIMEOUT);
    assertEquals(0, init.exitCode(), "parley init failed: " + init.describe());
    transcript = work.resolve("coordinator.transcript");
    federation.startCoordinator(transcript);
    List<String> args = new ArrayList<>(List.of("party", "--conf", federation.conf("beta").toString(),
        "--table", "customers=" + betaPath, "--table", "shop=" + betaPath));
    settings(REVEALING).forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
    betaOutputs = work.resolve("beta-intersections");
    args.addAll(List.of("--set", "spark.parley.psi.outputDir=" + betaOutputs));
    // beta multiplies in Java while alpha takes libsodium (auto): every join here also shows that
    // the two X25519 implementations give the same bytes across processes.
    args.addAll(List.of("--set", "spark.parley.psi.x25519=bouncycastle"));
    beta = LaunchedProcess.start("party-beta", Commands.parley(args), Commands.parleyEnvironment(), federation.logs());
    beta.awaitLine(LaunchedProcess.Output.STDOUT, Pattern.compile("^party beta ready"), ProcessFederation.READY_TIMEOUT);
  }

  @AfterAll
  static void stopFederation() {
    if (beta != null) {
      beta.signalStop();
      beta.close();
    }
    if (federation != null) {
      federation.close();
    }
    if (spark != null) {
      spark.stop();
    }
  }

  static Map<String, String> settings(Map<String, String> extra) {
    Map<String, String> all = new LinkedHashMap<>(ProcessFederation.LOCAL_SPARK);
    all.putAll(extra);
    all.put("spark.parley.coordinator", federation.coordinatorAddress());
    return all;
  }

  static SqlRun psi(String name, Map<String, String> extra, String... flags) throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("psi", "--conf", federation.conf("alpha").toString(),
        "--table", "customers=" + alphaPath, "--with", "beta:customers", "--on", "id"));
    settings(extra).forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
    args.addAll(List.of(flags));
    return federation.run(name, args, RUN_TIMEOUT);
  }

  static void registerPlainViews() {
    spark.read().parquet(alphaPath).createOrReplaceTempView("alpha_customers");
    spark.read().schema(StructType.fromDDL(SCHEMA)).option("header", "true").csv(betaPath)
        .createOrReplaceTempView("beta_customers");
  }

  static List<String> sorted(Dataset<Row> rows) {
    List<String> out = new ArrayList<>();
    rows.collectAsList().forEach(row -> out.add(row.toString()));
    out.sort(Comparator.naturalOrder());
    return out;
  }

  @Test
  void psiWritesTheIntersectionAndTheSumAsPlainJoinsGiveThemAndTheCoordinatorSeesNoIdentifier() throws Exception {
    registerPlainViews();
    Path intersection = work.resolve("results/intersection.parquet");
    SqlRun rows = psi("psi-intersection", REVEALING, "--variant", "intersection", "--output", intersection.toString(),
        "--format", "parquet");
    assertEquals(0, rows.exitCode(), "parley psi failed: " + rows.describe());
    List<String> expected = sorted(spark.sql(
        "SELECT * FROM alpha_customers a LEFT SEMI JOIN beta_customers b ON a.id = b.id"));
    assertEquals(150, expected.size(), "alpha's rows customer-1250 .. customer-1399");
    assertEquals(expected, sorted(spark.read().parquet(intersection.toString())));

    Path sum = work.resolve("results/sum");
    SqlRun summed = psi("psi-sum", Map.of(), "--variant", "sum", "--sum-column", "spend", "--where", "spend >= 100",
        "--output", sum.toString(), "--format", "csv");
    assertEquals(0, summed.exitCode(), "parley psi failed: " + summed.describe());
    Row plain = spark.sql("SELECT count(DISTINCT b.id), count(*), sum(b.spend) FROM beta_customers b LEFT SEMI JOIN "
        + "(SELECT * FROM alpha_customers WHERE spend >= 100) a ON a.id = b.id").first();
    Row secure = spark.read().option("header", "true").schema("intersection_size BIGINT, matched_rows BIGINT, sum_spend BIGINT")
        .csv(sum.toString()).first();
    assertEquals(plain.getLong(0), secure.getLong(0));
    assertEquals(plain.getLong(1), secure.getLong(1));
    assertEquals(plain.getLong(2), secure.getLong(2));
    assertTrue(secure.getLong(1) > secure.getLong(0), "beta's duplicates count as rows: " + secure);

    List<FileTranscript.Entry> entries = FileTranscript.read(transcript.toString());
    assertTrue(entries.stream().anyMatch(e -> e.rpc().equals("Relay") && e.party().equals("beta")), "beta relayed batches");
    assertTrue(entries.stream().anyMatch(e -> e.rpc().equals("PsiSum")), "the sum went through PsiSum");
    long bytes = 0;
    for (FileTranscript.Entry entry : entries) {
      bytes += entry.message().length;
      for (String identifier : identifiers) {
        assertTrue(indexOf(entry.message(), identifier.getBytes(StandardCharsets.UTF_8)) < 0,
            identifier + " in plain text in " + entry.rpc() + " from " + entry.party());
      }
    }
    assertTrue(bytes > 2 * 400 * 32, "transcript of " + bytes + " bytes");
  }

  /**
   * SQL over a join of two tables that two parties own ({@code parley init --owner}), with a WHERE
   * filter on alpha's side, planned as the private join's sum variant: alpha's {@code parley sql}
   * against beta's responder, compared with the plain join of both files.
   */
  @Test
  void sqlOverAJoinOfTwoOwnedTablesMatchesThePlainJoin() throws Exception {
    registerPlainViews();
    Path csv = work.resolve("results/sql-join.csv");
    List<String> args = new ArrayList<>(List.of("sql", "--conf", federation.conf("alpha").toString(),
        "--table", "bank=" + alphaPath));
    settings(Map.of()).forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
    args.addAll(List.of("-e", "SELECT secure_count(*) AS n, secure_sum(s.spend) AS total FROM bank b JOIN shop s"
        + " ON b.id = s.id WHERE b.spend >= 100", "--output", csv.toString()));
    SqlRun run = federation.run("sql-join", args, RUN_TIMEOUT);
    assertEquals(0, run.exitCode(), "parley sql failed: " + run.describe());
    Row plain = spark.sql("SELECT count(*), sum(s.spend) FROM alpha_customers b JOIN beta_customers s ON b.id = s.id"
        + " WHERE b.spend >= 100").first();
    Row secure = spark.read().option("header", "true").schema("n BIGINT, total BIGINT").csv(csv.toString()).first();
    assertTrue(plain.getLong(0) > 100, "joined rows " + plain);
    assertEquals(plain.getLong(0), secure.getLong(0), "secure_count(*)");
    assertEquals(plain.getLong(1), secure.getLong(1), "secure_sum(s.spend)");
  }

  /** With --reveal-to-both, beta's responder writes its own rows of the intersection under its outputDir. */
  @Test
  void anIntersectionRevealedToBothIsWrittenByTheResponderToo() throws Exception {
    registerPlainViews();
    Path intersection = work.resolve("results/both.parquet");
    SqlRun rows = psi("psi-both", REVEALING, "--variant", "intersection", "--reveal-to-both", "--output",
        intersection.toString(), "--format", "parquet");
    assertEquals(0, rows.exitCode(), "parley psi failed: " + rows.describe());
    assertEquals(sorted(spark.sql("SELECT * FROM alpha_customers a LEFT SEMI JOIN beta_customers b ON a.id = b.id")),
        sorted(spark.read().parquet(intersection.toString())));
    // The responder writes after the session ends: wait (bounded) for Spark's marker file.
    Path written = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (written == null && System.nanoTime() < deadline) {
      if (Files.isDirectory(betaOutputs)) {
        try (java.util.stream.Stream<Path> sessions = Files.list(betaOutputs)) {
          written = sessions.filter(session -> Files.exists(session.resolve("_SUCCESS"))).findFirst().orElse(null);
        }
      }
      if (written == null) {
        Thread.sleep(100);
      }
    }
    assertTrue(written != null, "beta wrote no intersection under " + betaOutputs);
    List<String> expected = sorted(spark.sql("SELECT * FROM beta_customers b LEFT SEMI JOIN alpha_customers a ON a.id = b.id"));
    assertTrue(expected.size() > 150, "beta's rows of the intersection, duplicates included: " + expected.size());
    assertEquals(expected, sorted(spark.read().parquet(written.toString())));
  }

  @Test
  void aPolicyThatKeepsTheIntersectionRefusesWithOneLine() throws Exception {
    SqlRun refused = psi("psi-refused", Map.of(), "--variant", "intersection", "--output",
        work.resolve("results/refused").toString());
    assertNotEquals(0, refused.exitCode(), "the intersection ran against alpha's policy: " + refused.describe());
    assertEquals(List.of("parley: party alpha's policy does not let a private join reveal the intersection "
        + "(spark.parley.policy.psi.revealIntersection = false); ask for its size or a sum instead"),
        refused.parleyErrorLines());
    assertTrue(!Files.exists(work.resolve("results/refused")), "a refused join wrote a result");
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
