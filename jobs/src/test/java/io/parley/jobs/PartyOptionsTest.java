package io.parley.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a party's Spark settings are layered: conf file, then --set, then --table; local[*] by default. */
class PartyOptionsTest {
  @Test
  void setOverridesTheConfFileAndMasterDefaultsToLocal(@TempDir Path temp) throws Exception {
    Path conf = temp.resolve("alpha.conf");
    Files.writeString(conf, String.join("\n",
        "spark.parley.federation=" + temp.resolve("federation.properties"),
        "spark.parley.party=alpha",
        "spark.parley.coordinator = 127.0.0.1:9443 ",
        "spark.parley.session.timeout=60s", ""));
    SparkConf spark =
        PartyOptions.of(conf.toString(), Map.of(), Map.of("spark.parley.coordinator", "127.0.0.1:4711")).sparkConf("parley sql");
    assertEquals("127.0.0.1:4711", spark.get("spark.parley.coordinator"));
    assertEquals("60s", spark.get("spark.parley.session.timeout"));
    assertEquals(System.getProperty("spark.master", PartyOptions.DEFAULT_MASTER), spark.get("spark.master"));
    assertEquals("parley sql alpha", spark.get("spark.app.name"));

    SparkConf named = PartyOptions.of(conf.toString(), Map.of(), Map.of("spark.master", "local[2]")).sparkConf("parley sql");
    assertEquals("local[2]", named.get("spark.master"));
  }
}
