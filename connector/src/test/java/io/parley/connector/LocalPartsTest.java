package io.parley.connector;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.party.LocalTables;
import io.parley.connector.party.PartyRuntime;
import io.parley.protocols.ParleyException;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.pki.Credentials;
import io.parley.protocols.pki.FederationCa;
import io.parley.protocols.pki.Pem;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
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
 * A party's local parts ({@link Parley#registerLocal}, CSV and Parquet paths) and its runtime
 * (settings, federation file, certificate checks), with no coordinator.
 */
class LocalPartsTest {
  private static final String SALES_SCHEMA = "region STRING, amount DECIMAL(12,2), units INT";

  @TempDir static Path dir;
  private static SparkSession spark;
  private static Path federation;

  @BeforeAll
  static void startSpark() throws IOException {
    federation = dir.resolve("federation.properties");
    Files.writeString(
        federation,
        "federation.name=local-test\nfederation.parties=alpha,beta\n"
            + "table.sales.schema=" + SALES_SCHEMA + "\ntable.returns.schema=region STRING, refund DOUBLE\n"
            + "table.orders.schema=id INT\n");
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("LocalPartsTest")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString())
            .config("spark.sql.extensions", "io.parley.connector.ParleyExtensions")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /** A fresh session of party alpha (registrations are per session). */
  private static SparkSession alpha(Map<String, String> settings) {
    SparkSession session = spark.newSession();
    session.conf().set("spark.parley.federation", federation.toString());
    session.conf().set("spark.parley.party", "alpha");
    settings.forEach((key, value) -> session.conf().set(key, value));
    return session;
  }

  private static Dataset<Row> read(SparkSession session, String table) {
    return session.read().format("parley").option("table", table).load();
  }

  @Test
  void registeredDataFrameIsTheLocalPartUnderTheFederationsSchema() {
    SparkSession session = alpha(Map.of());
    Dataset<Row> mine =
        session.createDataFrame(
            List.of(RowFactory.create(7L, "east", "12.5", true), RowFactory.create(3L, "west", "1", false)),
            StructType.fromDDL("UNITS BIGINT, region STRING, amount STRING, extra BOOLEAN"));
    Parley.registerLocal(session, "sales", mine);

    Dataset<Row> local = LocalTables.localPart(session, "sales");
    assertEquals(StructType.fromDDL(SALES_SCHEMA), local.schema());
    List<Row> rows = read(session, "sales").orderBy("region").collectAsList();
    assertEquals(List.of("east", "west"), rows.stream().map(r -> r.getString(0)).toList());
    assertEquals(new BigDecimal("12.50"), rows.get(0).getDecimal(1));
    assertEquals(7, rows.get(0).getInt(2));
    assertEquals(10L, session.sql("SELECT sum(units) FROM sales").collectAsList().get(0).getLong(0));

    SparkSession other = alpha(Map.of());
    ParleyException unmapped = assertThrows(ParleyException.class, () -> LocalTables.localPart(other, "sales"));
    assertEquals(
        "party alpha has no local data for federated table sales: set spark.parley.table.sales.path or register a DataFrame",
        unmapped.getMessage(),
        "a registration belongs to its session only");
  }

  @Test
  void registerLocalNamesWhatIsWrong() {
    SparkSession session = alpha(Map.of());
    Dataset<Row> frame =
        session.createDataFrame(List.of(), StructType.fromDDL("region STRING, units ARRAY<INT>"));
    ParleyException unknown =
        assertThrows(ParleyException.class, () -> Parley.registerLocal(session, "nosuch", frame));
    assertEquals(
        "cannot register a local part for nosuch: federation local-test declares no such table (it has orders, returns, sales)",
        unknown.getMessage());
    ParleyException wrong = assertThrows(ParleyException.class, () -> Parley.registerLocal(session, "sales", frame));
    assertTrue(wrong.getMessage().startsWith("local part of federated table sales: the registered DataFrame"), wrong.getMessage());
    assertTrue(wrong.getMessage().contains("column units is ARRAY<INT>, which cannot be cast to the declared INT"),
        wrong.getMessage());
    assertTrue(wrong.getMessage().contains("has no column amount (DECIMAL(12,2))"), wrong.getMessage());
  }

  @Test
  void csvAndParquetPaths() throws IOException {
    Path csv = dir.resolve("sales.csv");
    Files.writeString(csv, "region,amount,units\neast,1.25,2\nwest,,3\n");
    Path parquet = dir.resolve("returns.parquet");
    spark.createDataFrame(
            List.of(RowFactory.create(1.5f, "east", 9), RowFactory.create(2.5f, "north", 8)),
            StructType.fromDDL("REFUND FLOAT, region STRING, other INT"))
        .write().parquet(parquet.toString());
    SparkSession session =
        alpha(Map.of(
            "spark.parley.table.sales.path", csv.toString(),
            "spark.parley.table.returns.path", parquet.toString(),
            "spark.parley.table.orders.path", parquet.toString()));
    assertEquals(StructType.fromDDL(SALES_SCHEMA), read(session, "sales").schema());
    assertEquals(5L, read(session, "sales").agg(org.apache.spark.sql.functions.sum("units")).first().getLong(0));
    Dataset<Row> returns = read(session, "returns");
    assertEquals(StructType.fromDDL("region STRING, refund DOUBLE"), returns.schema());
    assertEquals(4.0, returns.agg(org.apache.spark.sql.functions.sum(col("refund"))).first().getDouble(0));

    ParleyException missing = assertThrows(ParleyException.class, () -> LocalTables.localPart(session, "orders"));
    assertTrue(missing.getMessage().startsWith("local part of federated table orders: Parquet data " + parquet), missing.getMessage());
    assertTrue(missing.getMessage().contains("has no column id (INT)"), missing.getMessage());

    SparkSession nowhere = alpha(Map.of("spark.parley.table.sales.path", dir.resolve("nosuch.csv").toString()));
    ParleyException absent = assertThrows(ParleyException.class, () -> LocalTables.localPart(nowhere, "sales"));
    assertEquals("the local data of party alpha for federated table sales does not exist: " + dir.resolve("nosuch.csv")
        + " (spark.parley.table.sales.path)", absent.getMessage());
  }

  @Test
  void runtimeIsPerSessionSettingsAndChecksTheParty() {
    SparkSession first = alpha(Map.of());
    SparkSession second = alpha(Map.of());
    assertSame(PartyRuntime.of(first), PartyRuntime.of(second), "same settings, same party");
    assertEquals("alpha", PartyRuntime.of(first).party());
    assertEquals(List.of("alpha", "beta"), PartyRuntime.of(first).federation().parties());

    SparkSession stranger = alpha(Map.of("spark.parley.party", "zed"));
    ParleyException notAParty = assertThrows(ParleyException.class, () -> PartyRuntime.of(stranger));
    assertTrue(notAParty.getMessage().startsWith("spark.parley.party is 'zed', which is not a party of federation local-test"),
        notAParty.getMessage());

    SparkSession noFederation = spark.newSession();
    ParleyException missing = assertThrows(ParleyException.class, () -> PartyRuntime.of(noFederation));
    assertTrue(missing.getMessage().startsWith("missing setting spark.parley.federation"), missing.getMessage());

    SparkSession badPath = alpha(Map.of("spark.parley.federation", dir.resolve("nosuch.properties").toString()));
    ParleyException notFound = assertThrows(ParleyException.class, () -> PartyRuntime.of(badPath));
    assertTrue(notFound.getMessage().startsWith("spark.parley.federation: file not found"), notFound.getMessage());
  }

  @Test
  void certificateMustNameTheConfiguredParty() throws IOException {
    SecureRandom random = Drbg.seeded(7);
    FederationCa ca = FederationCa.create("local-test", random);
    Credentials beta = ca.issueParty("beta", random);
    Path caFile = Files.write(dir.resolve("ca.pem"), Pem.certificate(ca.certificate()));
    Path certificate = Files.write(dir.resolve("beta.pem"), Pem.certificate(beta.certificate()));
    Path key = Files.write(dir.resolve("beta.key"), Pem.privateKey(beta.privateKey()));
    Map<String, String> tls =
        Map.of(
            "spark.parley.tls.certificate", certificate.toString(),
            "spark.parley.tls.privateKey", key.toString(),
            "spark.parley.tls.ca", caFile.toString());
    // Planning needs no TLS material; it is read when a session first needs it.
    SparkSession alphaWithBetasCertificate = alpha(tls);
    PartyRuntime runtime = PartyRuntime.of(alphaWithBetasCertificate);
    ParleyException mismatch = assertThrows(ParleyException.class, runtime::tls);
    assertEquals(
        "spark.parley.party is 'alpha' but the certificate " + certificate + " names party 'beta':"
            + " a party's name is its certificate's CN",
        mismatch.getMessage());

    SparkSession betaSession = alpha(tls);
    betaSession.conf().set("spark.parley.party", "beta");
    assertEquals("beta", PartyRuntime.of(betaSession).tls().partyName());

    SparkSession noKey = alpha(Map.of("spark.parley.tls.certificate", certificate.toString()));
    ParleyException missingKey = assertThrows(ParleyException.class, () -> PartyRuntime.of(noKey).tls());
    assertTrue(missingKey.getMessage().startsWith("missing setting spark.parley.tls.privateKey"), missingKey.getMessage());
  }
}
