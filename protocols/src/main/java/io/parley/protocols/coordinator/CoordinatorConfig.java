package io.parley.protocols.coordinator;

import io.parley.protocols.ParleyException;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.pki.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a coordinator needs to start: where to listen, the federation definition, its TLS
 * certificate and key, the federation CA, and the longest a session may last. Immutable; the key
 * is held as PEM bytes and never shown by {@link #toString()}.
 */
public final class CoordinatorConfig {
  public static final String LISTEN = "spark.parley.coordinator.listen";
  public static final String LISTEN_DEFAULT = "127.0.0.1:9443";
  public static final String FEDERATION = "spark.parley.federation";
  public static final String TLS_CERTIFICATE = "spark.parley.tls.certificate";
  public static final String TLS_PRIVATE_KEY = "spark.parley.tls.privateKey";
  public static final String TLS_CA = "spark.parley.tls.ca";
  public static final String MAX_TIMEOUT = "spark.parley.session.maxTimeout";
  public static final Duration MAX_TIMEOUT_DEFAULT = Duration.ofMinutes(10);

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h)?");
  private static final Pattern HOST_PORT = Pattern.compile("(?:\\[([^\\]]+)\\]|([^:\\[\\]]+)):(\\d{1,5})");

  private final FederationDefinition federation;
  private final byte[] certificatePem;
  private final byte[] privateKeyPem;
  private final byte[] caPem;
  private final String host;
  private final int port;
  private final Duration maxTimeout;

  private CoordinatorConfig(
      FederationDefinition federation,
      byte[] certificatePem,
      byte[] privateKeyPem,
      byte[] caPem,
      String host,
      int port,
      Duration maxTimeout) {
    this.federation = Objects.requireNonNull(federation, "federation");
    this.certificatePem = certificatePem.clone();
    this.privateKeyPem = privateKeyPem.clone();
    this.caPem = caPem.clone();
    this.host = Objects.requireNonNull(host, "host");
    this.port = port;
    this.maxTimeout = Objects.requireNonNull(maxTimeout, "maxTimeout");
  }

  /**
   * A configuration from values (tests, and programs that hold them already). The certificate
   * must be this federation's coordinator certificate, issued by {@code caPem}.
   */
  public static CoordinatorConfig of(
      FederationDefinition federation,
      byte[] certificatePem,
      byte[] privateKeyPem,
      byte[] caPem,
      String host,
      int port,
      Duration maxTimeout) {
    if (port < 0 || port > 65535) {
      throw new ParleyException("coordinator port " + port + " is not in 0..65535");
    }
    if (maxTimeout.isNegative() || maxTimeout.isZero()) {
      throw new ParleyException(MAX_TIMEOUT + " must be positive, not " + maxTimeout);
    }
    X509Certificate ca = parse(TLS_CA, "the configured value", () -> Pem.readCertificate(caPem));
    X509Certificate certificate =
        parse(TLS_CERTIFICATE, "the configured value", () -> Pem.readCertificate(certificatePem));
    parse(TLS_PRIVATE_KEY, "the configured value", () -> Pem.readPrivateKey(privateKeyPem));
    try {
      new CertificateChecker(ca, federation.name()).checkCoordinator(certificate);
    } catch (ParleyException e) {
      throw new ParleyException(TLS_CERTIFICATE + " is not a coordinator certificate of federation "
          + federation.name() + ": " + e.getMessage(), e);
    }
    return new CoordinatorConfig(federation, certificatePem, privateKeyPem, caPem, host, port, maxTimeout);
  }

  /**
   * Reads the {@code spark.parley.*} coordinator keys; {@code readFile} maps a configured path to
   * the file's bytes (a local file, or any Hadoop path in the launcher).
   */
  public static CoordinatorConfig fromProperties(Properties properties, Function<String, byte[]> readFile) {
    String listen = properties.getProperty(LISTEN, LISTEN_DEFAULT).strip();
    Matcher hostPort = HOST_PORT.matcher(listen);
    if (!hostPort.matches()) {
      throw new ParleyException(LISTEN + " '" + listen + "' is not host:port");
    }
    String host = hostPort.group(1) != null ? hostPort.group(1) : hostPort.group(2);
    int port = Integer.parseInt(hostPort.group(3));
    if (port > 65535) {
      throw new ParleyException(LISTEN + " '" + listen + "': port " + port + " is not in 0..65535");
    }
    String federationPath = required(properties, FEDERATION);
    byte[] federationBytes = read(FEDERATION, federationPath, readFile);
    FederationDefinition federation;
    try {
      Properties definition = new Properties();
      definition.load(new InputStreamReader(new ByteArrayInputStream(federationBytes), StandardCharsets.UTF_8));
      federation = FederationDefinition.fromProperties(definition);
    } catch (IOException | IllegalArgumentException | ParleyException e) {
      throw new ParleyException(FEDERATION + " (" + federationPath + "): " + e.getMessage(), e);
    }
    String certificatePath = required(properties, TLS_CERTIFICATE);
    String keyPath = required(properties, TLS_PRIVATE_KEY);
    String caPath = required(properties, TLS_CA);
    byte[] certificate = read(TLS_CERTIFICATE, certificatePath, readFile);
    byte[] key = read(TLS_PRIVATE_KEY, keyPath, readFile);
    byte[] ca = read(TLS_CA, caPath, readFile);
    parse(TLS_CA, caPath, () -> Pem.readCertificate(ca));
    parse(TLS_CERTIFICATE, certificatePath, () -> Pem.readCertificate(certificate));
    parse(TLS_PRIVATE_KEY, keyPath, () -> Pem.readPrivateKey(key));
    String timeout = properties.getProperty(MAX_TIMEOUT);
    Duration maxTimeout = timeout == null ? MAX_TIMEOUT_DEFAULT : parseDuration(MAX_TIMEOUT, timeout);
    return of(federation, certificate, key, ca, host, port, maxTimeout);
  }

  /** {@code 30s}, {@code 2m}, {@code 1h}, {@code 500ms} or plain milliseconds; must be positive. */
  static Duration parseDuration(String key, String text) {
    Matcher matcher = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new ParleyException(key + " '" + text + "' is not a duration such as 30s, 2m, 10m or 60000 (ms)");
    }
    long amount;
    try {
      amount = Long.parseLong(matcher.group(1));
    } catch (NumberFormatException e) {
      throw new ParleyException(key + " '" + text + "' is too large");
    }
    String unit = matcher.group(2) == null ? "ms" : matcher.group(2);
    Duration duration;
    try {
      duration = switch (unit) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m", "min" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> throw new IllegalStateException(unit);
      };
      duration.toMillis();
    } catch (ArithmeticException e) {
      throw new ParleyException(key + " '" + text + "' is too large");
    }
    if (duration.isZero()) {
      throw new ParleyException(key + " must be positive, not '" + text + "'");
    }
    return duration;
  }

  private static String required(Properties properties, String key) {
    String value = properties.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new ParleyException("the coordinator configuration has no " + key);
    }
    return value.strip();
  }

  private static byte[] read(String key, String path, Function<String, byte[]> readFile) {
    try {
      byte[] bytes = readFile.apply(path);
      if (bytes == null) {
        throw new ParleyException("no such file");
      }
      return bytes;
    } catch (RuntimeException e) {
      throw new ParleyException("cannot read " + key + " file " + path + ": " + e.getMessage(), e);
    }
  }

  private static <T> T parse(String key, String path, java.util.function.Supplier<T> parser) {
    try {
      return parser.get();
    } catch (RuntimeException e) {
      throw new ParleyException(key + " (" + path + "): " + e.getMessage(), e);
    }
  }

  public FederationDefinition federation() {
    return federation;
  }

  public byte[] certificatePem() {
    return certificatePem.clone();
  }

  /** PKCS#8 PEM of the coordinator's TLS key. */
  public byte[] privateKeyPem() {
    return privateKeyPem.clone();
  }

  public byte[] caPem() {
    return caPem.clone();
  }

  public X509Certificate ca() {
    return Pem.readCertificate(caPem);
  }

  public String host() {
    return host;
  }

  /** The port to listen on; 0 means any free port. */
  public int port() {
    return port;
  }

  public Duration maxTimeout() {
    return maxTimeout;
  }

  @Override
  public String toString() {
    return "CoordinatorConfig{federation=" + federation.name() + ", listen=" + host + ":" + port
        + ", maxTimeout=" + maxTimeout + "}";
  }
}
