package io.parley.connector.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.psi.X25519Implementation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The typed reader: read option over session conf over default, parsing, and errors naming the key. */
class ParleyConfTest {

  private static ParleyConf session(Map<String, String> sessionConf) {
    return ParleyConf.of(Map.of(), sessionConf);
  }

  @Test
  void defaultsStandBesideTheirKeys() {
    ParleyConf conf = session(Map.of());
    assertEquals("127.0.0.1:9443", conf.get(ParleyConf.COORDINATOR));
    assertEquals(Duration.ofSeconds(60), conf.get(ParleyConf.SESSION_TIMEOUT));
    assertEquals(2, conf.get(ParleyConf.POLICY_MIN_PARTIES));
    assertEquals(List.of(), conf.get(ParleyConf.POLICY_TABLES));
    assertEquals(65536, conf.get(ParleyConf.VECTOR_SLICE_ELEMENTS));
    assertNull(ParleyConf.FEDERATION.defaultValue(), "required");
    assertNull(ParleyConf.PARTY.defaultValue(), "required");
    assertNull(ParleyConf.TLS_CERTIFICATE.defaultValue(), "required");
    assertNull(ParleyConf.TLS_PRIVATE_KEY.defaultValue(), "required");
    assertNull(ParleyConf.TLS_CA.defaultValue(), "required");
  }

  @Test
  void readOptionWinsOverSessionConfWhichWinsOverDefault() {
    Map<String, String> sessionConf = Map.of("spark.parley.session.timeout", "2m", "spark.parley.coordinator", "coord:1");
    ParleyConf fromSession = ParleyConf.of(Map.of(), sessionConf);
    assertEquals(Duration.ofMinutes(2), fromSession.get(ParleyConf.SESSION_TIMEOUT));
    assertEquals("coord:1", fromSession.get(ParleyConf.COORDINATOR));

    ParleyConf withOptions =
        ParleyConf.of(Map.of("spark.parley.session.timeout", "30s", "Coordinator", "other:2"), sessionConf);
    assertEquals(Duration.ofSeconds(30), withOptions.get(ParleyConf.SESSION_TIMEOUT), "full key as option");
    assertEquals("other:2", withOptions.get(ParleyConf.COORDINATOR), "short, case-insensitive option name");
    assertEquals(65536, withOptions.get(ParleyConf.VECTOR_SLICE_ELEMENTS), "default when neither");
  }

  @Test
  void psiX25519IsAutoUnlessNamed() {
    assertEquals(X25519Implementation.AUTO, session(Map.of()).get(ParleyConf.PSI_X25519));
    assertEquals(X25519Implementation.BOUNCYCASTLE,
        session(Map.of("spark.parley.psi.x25519", "BouncyCastle")).get(ParleyConf.PSI_X25519));
    ParleyException refused = assertThrows(ParleyException.class,
        () -> session(Map.of("spark.parley.psi.x25519", "openssl")).get(ParleyConf.PSI_X25519));
    assertEquals("spark.parley.psi.x25519 is 'openssl'; expected auto, libsodium or bouncycastle",
        refused.getMessage());
  }

  @Test
  void blankValuesCountAsUnset() {
    ParleyConf conf = session(Map.of("spark.parley.coordinator", "  ", "spark.parley.party", " alpha "));
    assertEquals("127.0.0.1:9443", conf.get(ParleyConf.COORDINATOR));
    assertEquals("alpha", conf.get(ParleyConf.PARTY));
  }

  @Test
  void missingRequiredKeyIsNamed() {
    ParleyException missing = assertThrows(ParleyException.class, () -> session(Map.of()).get(ParleyConf.PARTY));
    assertTrue(missing.getMessage().startsWith("missing setting spark.parley.party"), missing.getMessage());
    ParleyException ca = assertThrows(ParleyException.class, () -> session(Map.of()).get(ParleyConf.TLS_CA));
    assertTrue(ca.getMessage().contains("spark.parley.tls.ca"), ca.getMessage());
  }

  @Test
  void durationsInSecondsMinutesOrMilliseconds() {
    assertEquals(Duration.ofSeconds(30), ParleyConf.parseDuration("k", "30s"));
    assertEquals(Duration.ofMinutes(2), ParleyConf.parseDuration("k", "2m"));
    assertEquals(Duration.ofMinutes(3), ParleyConf.parseDuration("k", "3min"));
    assertEquals(Duration.ofHours(1), ParleyConf.parseDuration("k", "1h"));
    assertEquals(Duration.ofMillis(1500), ParleyConf.parseDuration("k", "1500"));
    assertEquals(Duration.ofMillis(250), ParleyConf.parseDuration("k", "250ms"));
    for (String bad : List.of("soon", "-5s", "1.5s", "0s", "99999999999999999999")) {
      ParleyException error =
          assertThrows(
              ParleyException.class,
              () -> session(Map.of("spark.parley.session.timeout", bad)).get(ParleyConf.SESSION_TIMEOUT),
              bad);
      assertTrue(error.getMessage().startsWith("spark.parley.session.timeout is '" + bad + "'"), error.getMessage());
    }
  }

  @Test
  void wholeNumbersAreCheckedAgainstTheirMinimum() {
    assertEquals(3, session(Map.of("spark.parley.policy.minParties", "3")).get(ParleyConf.POLICY_MIN_PARTIES));
    ParleyException tooFew =
        assertThrows(ParleyException.class,
            () -> session(Map.of("spark.parley.policy.minParties", "1")).get(ParleyConf.POLICY_MIN_PARTIES));
    assertEquals("spark.parley.policy.minParties is 1: it must be at least 2", tooFew.getMessage());
    ParleyException notANumber =
        assertThrows(ParleyException.class,
            () -> session(Map.of("spark.parley.vector.sliceElements", "lots")).get(ParleyConf.VECTOR_SLICE_ELEMENTS));
    assertEquals("spark.parley.vector.sliceElements is 'lots', not a whole number", notANumber.getMessage());
    ParleyException tooSmall = assertThrows(ParleyException.class,
        () -> session(Map.of("spark.parley.vector.sliceElements", "16")).get(ParleyConf.VECTOR_SLICE_ELEMENTS));
    assertEquals("spark.parley.vector.sliceElements is 16: it must be at least 32", tooSmall.getMessage());
  }

  @Test
  void policyTablesAreACommaList() {
    ParleyConf conf = session(Map.of("spark.parley.policy.tables", " sales, returns ,,"));
    assertEquals(List.of("sales", "returns"), conf.get(ParleyConf.POLICY_TABLES));
    assertTrue(conf.policyAllowsTable("returns"));
    assertFalse(conf.policyAllowsTable("orders"));
    assertTrue(session(Map.of()).policyAllowsTable("orders"), "unset means every table");
  }

  @Test
  void tablePathAndFormat() {
    ParleyConf conf =
        session(Map.of(
            "spark.parley.table.sales.path", "/data/sales.CSV",
            "spark.parley.table.returns.path", "hdfs://nn/returns",
            "spark.parley.table.orders.path", "/data/orders.txt",
            "spark.parley.table.orders.format", "CSV"));
    assertEquals(Optional.of("/data/sales.CSV"), conf.tablePath("sales"));
    assertEquals("csv", conf.tableFormat("sales"), "from the extension");
    assertEquals("parquet", conf.tableFormat("returns"), "no extension: parquet");
    assertEquals("csv", conf.tableFormat("orders"), "as set");
    assertEquals(Optional.empty(), conf.tablePath("nosuch"));
    ParleyException bad =
        assertThrows(ParleyException.class,
            () -> session(Map.of("spark.parley.table.sales.format", "json")).tableFormat("sales"));
    assertEquals("spark.parley.table.sales.format is 'json': use csv or parquet", bad.getMessage());
  }
}
