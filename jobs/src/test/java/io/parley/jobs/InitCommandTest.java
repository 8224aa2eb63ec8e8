package io.parley.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.jobs.files.HadoopFiles;
import io.parley.protocols.federation.FederationDefinition;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code parley init} writes a federation the protocols accept, with certificates chained to its CA. */
class InitCommandTest {
  static final String SALES = "region STRING, amount DECIMAL(12,2), units INT";

  @TempDir Path temp;

  private CliRun init(Path dir, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of(
        "init", "--dir", dir.toString(), "--parties", "alpha,beta,gamma", "--table", "sales=" + SALES));
    args.addAll(List.of(extra));
    return CliRun.parley(args.toArray(new String[0]));
  }

  @Test
  void writesTheFilesTheArchitectureLists() throws Exception {
    Path dir = temp.resolve("fed");
    CliRun run = init(dir, "--table", "readings=sensor STRING, temperature DOUBLE");
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("", run.err(), run::toString);
    Set<String> files = new TreeSet<>();
    try (var list = Files.list(dir)) {
      list.forEach(path -> files.add(path.getFileName().toString()));
    }
    assertEquals(
        new TreeSet<>(List.of("ca.pem", "ca.key", "alpha.pem", "alpha.key", "beta.pem", "beta.key", "gamma.pem",
            "gamma.key", "coordinator.pem", "coordinator.key", "federation.properties", "coordinator.conf",
            "alpha.conf", "beta.conf", "gamma.conf")),
        files);

    FederationDefinition federation =
        FederationFiles.read(HadoopFiles.withDefaults(), dir.resolve("federation.properties").toString());
    assertEquals("parley-dev", federation.name());
    assertEquals(List.of("alpha", "beta", "gamma"), federation.parties());
    assertEquals(Set.of("sales", "readings"), Set.copyOf(federation.tableNames()));
    assertEquals(List.of("alpha", "beta", "gamma"), federation.computeParties(), "three parties compute by default");
  }

  @Test
  void namesComputePartiesAndTableOwners() throws Exception {
    Path dir = temp.resolve("four");
    CliRun run = CliRun.parley("init", "--dir", dir.toString(), "--parties", "alpha,beta,gamma,delta", "--table", "sales=" + SALES,
        "--table", "customers=id STRING, age INT", "--compute-parties", "delta,alpha,beta", "--owner", "customers=gamma");
    assertEquals(0, run.exitCode(), run::toString);
    FederationDefinition federation =
        FederationFiles.read(HadoopFiles.withDefaults(), dir.resolve("federation.properties").toString());
    assertEquals(List.of("alpha", "beta", "delta"), federation.computeParties());
    assertEquals(java.util.Optional.of("gamma"), federation.owner("customers"));
    assertEquals(java.util.Optional.empty(), federation.owner("sales"));
  }

  @Test
  void certificatesChainToTheCaAndNameTheirOwner() throws Exception {
    Path dir = temp.resolve("fed");
    assertEquals(0, init(dir, "--coordinator", "coord.example.org:7443").exitCode());
    X509Certificate ca = certificate(dir.resolve("ca.pem"));
    ca.verify(ca.getPublicKey());
    for (String name : List.of("alpha", "beta", "gamma", "coordinator")) {
      X509Certificate certificate = certificate(dir.resolve(name + ".pem"));
      certificate.verify(ca.getPublicKey());
      certificate.checkValidity();
      String subject = certificate.getSubjectX500Principal().getName();
      assertTrue(subject.contains("CN=" + name), subject);
      assertTrue(subject.contains("O=parley-dev"), subject);
      assertTrue(subject.contains("OU=" + (name.equals("coordinator") ? "coordinator" : "party")), subject);
      assertKeyMatches(certificate, privateKey(dir.resolve(name + ".key")));
    }
    Set<String> alternativeNames = new TreeSet<>();
    for (List<?> name : certificate(dir.resolve("coordinator.pem")).getSubjectAlternativeNames()) {
      alternativeNames.add(name.get(1).toString());
    }
    assertTrue(alternativeNames.containsAll(Set.of("127.0.0.1", "localhost", "coord.example.org")), alternativeNames::toString);
  }

  @Test
  void confsHaveAbsolutePathsAndTheSparkSettings() throws Exception {
    Path dir = temp.resolve("fed");
    assertEquals(0, init(dir).exitCode());
    Properties alpha = properties(dir.resolve("alpha.conf"));
    assertEquals("io.parley.connector.ParleyExtensions", alpha.getProperty("spark.sql.extensions"));
    assertEquals("io.parley.connector.catalog.ParleyCatalog", alpha.getProperty("spark.sql.catalog.parley"));
    assertEquals("org.apache.spark.serializer.KryoSerializer", alpha.getProperty("spark.serializer"));
    assertEquals("io.parley.connector.serde.ParleyKryoRegistrator", alpha.getProperty("spark.kryo.registrator"));
    assertEquals("alpha", alpha.getProperty("spark.parley.party"));
    assertEquals("127.0.0.1:9443", alpha.getProperty("spark.parley.coordinator"));
    assertEquals(dir.resolve("federation.properties").toAbsolutePath().toString(), alpha.getProperty("spark.parley.federation"));
    assertEquals(dir.resolve("alpha.pem").toAbsolutePath().toString(), alpha.getProperty("spark.parley.tls.certificate"));
    assertEquals(dir.resolve("alpha.key").toAbsolutePath().toString(), alpha.getProperty("spark.parley.tls.privateKey"));
    assertEquals(dir.resolve("ca.pem").toAbsolutePath().toString(), alpha.getProperty("spark.parley.tls.ca"));

    Properties coordinator = properties(dir.resolve("coordinator.conf"));
    assertEquals("127.0.0.1:9443", coordinator.getProperty("spark.parley.coordinator.listen"));
    assertEquals(dir.resolve("coordinator.key").toAbsolutePath().toString(), coordinator.getProperty("spark.parley.tls.privateKey"));
    assertEquals(dir.resolve("federation.properties").toAbsolutePath().toString(), coordinator.getProperty("spark.parley.federation"));
  }

  @Test
  void relativeDirBecomesAbsolute() throws Exception {
    Path dir = temp.resolve("rel");
    Path relative = Path.of("").toAbsolutePath().relativize(dir);
    assertEquals(0, init(relative).exitCode());
    assertTrue(Path.of(properties(dir.resolve("beta.conf")).getProperty("spark.parley.tls.ca")).isAbsolute());
  }

  @Test
  void refusesANonEmptyFolderUnlessForced() throws Exception {
    Path dir = temp.resolve("fed");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("notes.txt"), "mine");
    CliTest.assertUsageError(init(dir), dir.toString());
    assertEquals(0, init(dir, "--force").exitCode());
    assertTrue(Files.exists(dir.resolve("gamma.conf")));
  }

  @Test
  void rejectsBadPartyNamesAndDuplicates() {
    CliTest.assertUsageError(
        CliRun.parley("init", "--dir", temp.resolve("a").toString(), "--parties", "alpha,Beta", "--table", "t=x INT"), "Beta");
    CliTest.assertUsageError(
        CliRun.parley("init", "--dir", temp.resolve("b").toString(), "--parties", "alpha,alpha", "--table", "t=x INT"), "alpha");
    CliTest.assertUsageError(
        CliRun.parley("init", "--dir", temp.resolve("c").toString(), "--parties", "alpha", "--table", "t=x INT"), "at least 2");
    CliTest.assertUsageError(
        CliRun.parley("init", "--dir", temp.resolve("d").toString(), "--parties", "a,b", "--table", "t=x INT", "--table", "t=y INT"), "'t'");
    CliTest.assertUsageError(
        CliRun.parley("init", "--dir", temp.resolve("e").toString(), "--parties", "a,b", "--table", "t=x INT, X DOUBLE"), "X");
    CliTest.assertUsageError(
        CliRun.parley("init", "--dir", temp.resolve("f").toString(), "--parties", "a,b,c", "--table", "t=x INT",
            "--compute-parties", "a,b"), "--compute-parties names a,b; share arithmetic needs exactly 3");
    CliTest.assertUsageError(
        CliRun.parley("init", "--dir", temp.resolve("g").toString(), "--parties", "a,b", "--table", "t=x INT",
            "--owner", "t=z"), "table.t.owner names 'z'");
    assertTrue(Files.notExists(temp.resolve("a")));
    assertTrue(Files.notExists(temp.resolve("f")));
  }

  @Test
  void unknownTableInTableFlagIsNamed() throws Exception {
    Path dir = temp.resolve("fed");
    assertEquals(0, init(dir).exitCode());
    CliRun run = CliRun.parley("sql", "--conf", dir.resolve("alpha.conf").toString(),
        "--table", "sales=/data/sales.csv", "--table", "salez=/data/salez.csv", "-e", "SELECT 1");
    CliTest.assertUsageError(run, "unknown table 'salez'");
    assertTrue(run.err().contains("sales"), run::toString);
  }

  static X509Certificate certificate(Path pem) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
  }

  static PrivateKey privateKey(Path pem) throws Exception {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    assertTrue(text.startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM expected in " + pem);
    String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  static void assertKeyMatches(X509Certificate certificate, PrivateKey key) throws Exception {
    byte[] message = "parley".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(message);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(message);
    assertTrue(verifier.verify(signature), "key does not match " + certificate.getSubjectX500Principal());
  }

  static Properties properties(Path file) throws IOException {
    Properties properties = new Properties();
    try (var reader = Files.newBufferedReader(file)) {
      properties.load(reader);
    }
    return properties;
  }
}
