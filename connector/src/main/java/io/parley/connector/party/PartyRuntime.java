package io.parley.connector.party;

import io.parley.connector.config.ParleyConf;
import io.parley.protocols.ParleyException;
import io.parley.protocols.aggregation.AggregationParty;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.crypto.Drbg;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.pki.CertificateChecker;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One party as a Spark session sees it: its name, the federation definition, and, created on first
 * use, its TLS material and the driver's {@link CoordinatorClient}.
 *
 * <p>Several parties may share one JVM (and one SparkContext) with one session each, so nothing here
 * is global: runtimes are cached by the session's {@code spark.parley.*} values, and two sessions
 * with the same values are the same party. A runtime is closed when its SparkContext stops.
 */
public final class PartyRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PartyRuntime.class);
  private static final Map<Map<String, String>, PartyRuntime> RUNTIMES = new ConcurrentHashMap<>();
  /** How much longer than a session step an RPC may take before the client gives up on its own. */
  private static final Duration CALL_MARGIN = Duration.ofSeconds(30);

  private final Map<String, String> key;
  private final ParleyConf conf;
  private final Configuration hadoopConf;
  private final String party;
  private final FederationDefinition federation;
  private TlsMaterial tls;
  private CoordinatorClient client;
  private AggregationParty aggregationParty;
  private boolean closed;

  private PartyRuntime(Map<String, String> key, ParleyConf conf, Configuration hadoopConf) {
    this.key = key;
    this.conf = conf;
    this.hadoopConf = hadoopConf;
    String federationPath = conf.get(ParleyConf.FEDERATION);
    this.federation = readFederation(hadoopConf, federationPath);
    this.party = conf.get(ParleyConf.PARTY);
    if (!federation.hasParty(party)) {
      throw new ParleyException(
          ParleyConf.PARTY.key() + " is '" + party + "', which is not a party of federation " + federation.name()
              + " (" + federationPath + ": parties " + String.join(", ", federation.parties()) + ")");
    }
  }

  /** The runtime of {@code spark}'s party. */
  public static PartyRuntime of(SparkSession spark) {
    requireNoSpeculation(spark.sparkContext().conf());
    ParleyConf conf = ParleyConf.of(spark);
    Map<String, String> key = conf.sessionValues();
    PartyRuntime existing = RUNTIMES.get(key);
    if (existing != null) {
      return existing;
    }
    synchronized (RUNTIMES) {
      existing = RUNTIMES.get(key);
      if (existing != null) {
        return existing;
      }
      PartyRuntime created = new PartyRuntime(key, conf, spark.sessionState().newHadoopConf());
      RUNTIMES.put(key, created);
      spark.sparkContext().addSparkListener(
          new SparkListener() {
            @Override
            public void onApplicationEnd(SparkListenerApplicationEnd end) {
              created.close();
            }
          });
      return created;
    }
  }

  /**
   * Parley's tasks send to the coordinator once: a second copy of a relayed batch or a PSI slice is
   * refused and ends the session (only an identical vector slice is taken again), so a speculative
   * task would fail the query midway. Refuse before a session starts instead.
   */
  static void requireNoSpeculation(SparkConf sparkConf) {
    if (sparkConf.getBoolean("spark.speculation", false)) {
      throw new ParleyException("spark.speculation is true: a speculative copy of a Parley task would send to the"
          + " coordinator a second time, which ends the session; set spark.speculation=false for this party");
    }
  }

  public String party() {
    return party;
  }

  public FederationDefinition federation() {
    return federation;
  }

  public ParleyConf conf() {
    return conf;
  }

  public boolean isFederated(String table) {
    return federation.hasTable(table);
  }

  /** The federation's schema of {@code table}. */
  public StructType tableSchema(String table) {
    String ddl = federation.schemaDdl(table);
    try {
      return StructType.fromDDL(ddl);
    } catch (RuntimeException e) {
      throw new ParleyException(
          "the schema of federated table " + table + " in federation " + federation.name() + " is not Spark DDL: " + ddl, e);
    }
  }

  public String coordinator() {
    return conf.get(ParleyConf.COORDINATOR);
  }

  public Duration sessionTimeout() {
    return conf.get(ParleyConf.SESSION_TIMEOUT);
  }

  /** How long one coordinator call may block: a session step, plus a margin for the coordinator to say why it failed. */
  public Duration callTimeout() {
    return sessionTimeout().plus(CALL_MARGIN);
  }

  /**
   * This party's certificate, key and the federation CA, read on first use. The certificate must be
   * issued by the CA for this federation and name this party.
   */
  public synchronized TlsMaterial tls() {
    if (tls == null) {
      String certificatePath = conf.get(ParleyConf.TLS_CERTIFICATE);
      String keyPath = conf.get(ParleyConf.TLS_PRIVATE_KEY);
      String caPath = conf.get(ParleyConf.TLS_CA);
      TlsMaterial material;
      try {
        material =
            TlsMaterial.fromPem(
                readFile(hadoopConf, ParleyConf.TLS_CERTIFICATE.key(), certificatePath),
                readFile(hadoopConf, ParleyConf.TLS_PRIVATE_KEY.key(), keyPath),
                readFile(hadoopConf, ParleyConf.TLS_CA.key(), caPath));
      } catch (ParleyException e) {
        throw new ParleyException(
            "cannot load party " + party + "'s TLS material (" + certificatePath + ", " + keyPath + ", " + caPath
                + "): " + e.getMessage(), e);
      }
      String named;
      try {
        named = new CertificateChecker(material.ca(), federation.name()).partyOf(material.certificate());
      } catch (ParleyException e) {
        throw new ParleyException(ParleyConf.TLS_CERTIFICATE.key() + " (" + certificatePath + "): " + e.getMessage(), e);
      }
      if (!named.equals(party)) {
        throw new ParleyException(
            ParleyConf.PARTY.key() + " is '" + party + "' but the certificate " + certificatePath
                + " names party '" + named + "': a party's name is its certificate's CN");
      }
      tls = material;
    }
    return tls;
  }

  /** The driver's coordinator client, connected on first use. */
  public synchronized CoordinatorClient client() {
    if (closed) {
      throw new ParleyException("party " + party + "'s runtime is closed: its Spark session has stopped");
    }
    if (client == null) {
      client = CoordinatorClient.connect(coordinator(), tls(), callTimeout());
      LOG.info("party {} talks to coordinator {}", party, coordinator());
    }
    return client;
  }

  /** This party's role in secure aggregation, with entropy from the system. */
  public synchronized AggregationParty aggregationParty() {
    if (aggregationParty == null) {
      TlsMaterial material = tls();
      aggregationParty =
          new AggregationParty(
              federation.name(), material, new CertificateChecker(material.ca(), federation.name()), Drbg.strong());
    }
    return aggregationParty;
  }

  /** Closes the coordinator client; a later {@link #of} with the same settings makes a new runtime. */
  @Override
  public void close() {
    RUNTIMES.remove(key, this);
    CoordinatorClient toClose;
    synchronized (this) {
      closed = true;
      toClose = client;
      client = null;
    }
    if (toClose != null) {
      try {
        toClose.close();
      } catch (Exception e) {
        LOG.warn("party {}: closing the coordinator client failed: {}", party, e.toString());
      }
    }
  }

  private static FederationDefinition readFederation(Configuration hadoopConf, String path) {
    byte[] bytes = readFile(hadoopConf, ParleyConf.FEDERATION.key(), path);
    Properties properties = new Properties();
    try {
      properties.load(new StringReader(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)));
      return FederationDefinition.fromProperties(properties);
    } catch (IOException | IllegalArgumentException | ParleyException e) {
      throw new ParleyException(ParleyConf.FEDERATION.key() + " (" + path + "): " + e.getMessage(), e);
    }
  }

  /** A whole small file through Hadoop's FileSystem (local, hdfs://, s3a://, ...). */
  static byte[] readFile(Configuration hadoopConf, String settingKey, String path) {
    Path hadoopPath = new Path(path);
    try (InputStream in = hadoopPath.getFileSystem(hadoopConf).open(hadoopPath)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      in.transferTo(bytes);
      return bytes.toByteArray();
    } catch (FileNotFoundException e) {
      throw new ParleyException(settingKey + ": file not found: " + path);
    } catch (IOException e) {
      throw new ParleyException(settingKey + ": cannot read " + path + ": " + e.getMessage(), e);
    }
  }
}
