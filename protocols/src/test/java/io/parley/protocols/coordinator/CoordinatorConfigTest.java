package io.parley.protocols.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.pki.Credentials;
import io.parley.protocols.pki.FederationCa;
import io.parley.protocols.pki.Pem;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class CoordinatorConfigTest {
  private static final FederationCa CA = FederationCa.create("parley-test", CoordinatorFixture.seeded(1));
  private static final Credentials COORDINATOR =
      CA.issueCoordinator(List.of("127.0.0.1", "localhost"), CoordinatorFixture.seeded(2));

  private final Map<String, byte[]> files = new HashMap<>(Map.of(
      "/conf/federation.properties",
      "federation.name=parley-test\nfederation.parties=alpha,beta,gamma\ntable.sales.schema=amount BIGINT\n"
          .getBytes(StandardCharsets.UTF_8),
      "/conf/coordinator.pem", Pem.certificate(COORDINATOR.certificate()),
      "/conf/coordinator.key", Pem.privateKey(COORDINATOR.privateKey()),
      "/conf/ca.pem", Pem.certificate(CA.certificate())));

  private Properties properties() {
    Properties properties = new Properties();
    properties.setProperty("spark.parley.federation", "/conf/federation.properties");
    properties.setProperty("spark.parley.tls.certificate", "/conf/coordinator.pem");
    properties.setProperty("spark.parley.tls.privateKey", "/conf/coordinator.key");
    properties.setProperty("spark.parley.tls.ca", "/conf/ca.pem");
    return properties;
  }

  private CoordinatorConfig read(Properties properties) {
    return CoordinatorConfig.fromProperties(properties, path -> {
      byte[] bytes = files.get(path);
      if (bytes == null) {
        throw new UncheckedIOException(new java.io.FileNotFoundException(path + " (No such file or directory)"));
      }
      return bytes;
    });
  }

  @Test
  void readsEveryKeyWithDefaults() {
    CoordinatorConfig config = read(properties());
    assertEquals("127.0.0.1", config.host());
    assertEquals(9443, config.port());
    assertEquals(Duration.ofMinutes(10), config.maxTimeout());
    assertEquals(List.of("alpha", "beta", "gamma"), config.federation().parties());
    assertEquals(CA.certificate(), config.ca());
    assertFalse(config.toString().contains("PRIVATE"), config.toString());
  }

  @Test
  void readsListenAndMaxTimeout() {
    Properties properties = properties();
    properties.setProperty("spark.parley.coordinator.listen", "0.0.0.0:0");
    properties.setProperty("spark.parley.session.maxTimeout", "2m");
    CoordinatorConfig config = read(properties);
    assertEquals("0.0.0.0", config.host());
    assertEquals(0, config.port());
    assertEquals(Duration.ofMinutes(2), config.maxTimeout());
    properties.setProperty("spark.parley.coordinator.listen", "[::1]:7000");
    assertEquals("::1", read(properties).host());
  }

  @Test
  void parsesDurations() {
    assertEquals(Duration.ofSeconds(30), CoordinatorConfig.parseDuration("k", "30s"));
    assertEquals(Duration.ofMinutes(10), CoordinatorConfig.parseDuration("k", "10m"));
    assertEquals(Duration.ofHours(1), CoordinatorConfig.parseDuration("k", "1h"));
    assertEquals(Duration.ofMillis(1500), CoordinatorConfig.parseDuration("k", "1500"));
    assertEquals(Duration.ofMillis(250), CoordinatorConfig.parseDuration("k", "250ms"));
    for (String bad : List.of("", "ten", "-5s", "5 days", "0s", "99999999999999999999")) {
      ParleyException e = assertThrows(ParleyException.class, () -> CoordinatorConfig.parseDuration("my.key", bad));
      assertTrue(e.getMessage().startsWith("my.key"), e.getMessage());
    }
  }

  @Test
  void namesAMissingKey() {
    for (String key : List.of("spark.parley.federation", "spark.parley.tls.certificate", "spark.parley.tls.privateKey",
        "spark.parley.tls.ca")) {
      Properties properties = properties();
      properties.remove(key);
      ParleyException e = assertThrows(ParleyException.class, () -> read(properties));
      assertEquals("the coordinator configuration has no " + key, e.getMessage());
    }
  }

  @Test
  void namesTheKeyAndFileThatCannotBeRead() {
    Properties properties = properties();
    properties.setProperty("spark.parley.tls.ca", "/conf/missing.pem");
    ParleyException e = assertThrows(ParleyException.class, () -> read(properties));
    assertTrue(e.getMessage().startsWith("cannot read spark.parley.tls.ca file /conf/missing.pem"), e.getMessage());

    files.put("/conf/coordinator.key", "not a key".getBytes(StandardCharsets.UTF_8));
    ParleyException badKey = assertThrows(ParleyException.class, () -> read(properties()));
    assertTrue(badKey.getMessage().startsWith("spark.parley.tls.privateKey (/conf/coordinator.key)"), badKey.getMessage());
  }

  @Test
  void rejectsBadValues() {
    Properties listen = properties();
    listen.setProperty("spark.parley.coordinator.listen", "localhost");
    assertTrue(assertThrows(ParleyException.class, () -> read(listen)).getMessage()
        .startsWith("spark.parley.coordinator.listen 'localhost' is not host:port"));
    listen.setProperty("spark.parley.coordinator.listen", "localhost:70000");
    assertTrue(assertThrows(ParleyException.class, () -> read(listen)).getMessage().contains("not in 0..65535"));

    files.put("/conf/federation.properties", "federation.name=x\n".getBytes(StandardCharsets.UTF_8));
    ParleyException federation = assertThrows(ParleyException.class, () -> read(properties()));
    assertTrue(federation.getMessage().startsWith("spark.parley.federation (/conf/federation.properties): "),
        federation.getMessage());
  }

  @Test
  void refusesACertificateThatIsNotTheCoordinators() {
    Credentials party = CA.issueParty("alpha", CoordinatorFixture.seeded(3));
    files.put("/conf/coordinator.pem", Pem.certificate(party.certificate()));
    files.put("/conf/coordinator.key", Pem.privateKey(party.privateKey()));
    ParleyException e = assertThrows(ParleyException.class, () -> read(properties()));
    assertTrue(e.getMessage().startsWith("spark.parley.tls.certificate is not a coordinator certificate of federation "
        + "parley-test"), e.getMessage());
  }
}
