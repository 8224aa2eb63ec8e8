package io.parley.connector.config;

import io.parley.protocols.ParleyException;
import io.parley.protocols.psi.X25519Implementation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Every {@code spark.parley.*} key a party reads, each with its default beside it, and one typed
 * reader: a value comes from the read option (named by the key with or without the
 * {@code spark.parley.} prefix), else the session conf, else the default. A required key with no
 * value fails naming the key.
 */
public final class ParleyConf {
  public static final String PREFIX = "spark.parley.";

  /** Path of {@code federation.properties} (any Hadoop path). */
  public static final Setting<String> FEDERATION = Setting.string(PREFIX + "federation", null);
  /** This party's name; must equal the CN of its certificate. */
  public static final Setting<String> PARTY = Setting.string(PREFIX + "party", null);
  /** The coordinator's {@code host:port}. */
  public static final Setting<String> COORDINATOR = Setting.string(PREFIX + "coordinator", "127.0.0.1:9443");
  /** This party's certificate (PEM, any Hadoop path). */
  public static final Setting<String> TLS_CERTIFICATE = Setting.string(PREFIX + "tls.certificate", null);
  /** This party's private key (PKCS#8 PEM, any Hadoop path). */
  public static final Setting<String> TLS_PRIVATE_KEY = Setting.string(PREFIX + "tls.privateKey", null);
  /** The federation CA's certificate (PEM, any Hadoop path). */
  public static final Setting<String> TLS_CA = Setting.string(PREFIX + "tls.ca", null);
  /** How long any step may wait for the other parties. */
  public static final Setting<Duration> SESSION_TIMEOUT =
      new Setting<>(PREFIX + "session.timeout", Duration.ofSeconds(60), ParleyConf::parseDuration);
  /** The fewest participants this party answers with. */
  public static final Setting<Integer> POLICY_MIN_PARTIES =
      new Setting<>(PREFIX + "policy.minParties", 2, (key, text) -> parseInt(key, text, 2));
  /** The federated tables this party answers for; empty means all. */
  public static final Setting<List<String>> POLICY_TABLES =
      new Setting<>(PREFIX + "policy.tables", List.of(), ParleyConf::parseList);
  /**
   * Ring elements per executor slice of the masked vector; at least 32, since the coordinator
   * bounds how many chunks a party may send.
   */
  public static final Setting<Integer> VECTOR_SLICE_ELEMENTS =
      new Setting<>(PREFIX + "vector.sliceElements", 65536, (key, text) -> parseInt(key, text, 32));

  /**
   * The fewest rows a group of a GROUP BY result may hold; smaller groups are left out, decided on
   * secret shares among the compute parties. 1: no suppression.
   */
  public static final Setting<Integer> POLICY_MIN_GROUP_SIZE =
      new Setting<>(PREFIX + "policy.minGroupSize", 1, (key, text) -> parseInt(key, text, 1));
  /** Spark partitions of the per-value share stages (percentiles); the initiator's value is used by all three. */
  public static final Setting<Integer> MPC_PARTITIONS =
      new Setting<>(PREFIX + "mpc.partitions", 2, (key, text) -> parseInt(key, text, 1));

  // ---- Private joins (issue 4): this party's policy and the Spark layout of its PSI work ----

  /**
   * Whether this party lets a private join reveal which rows are in the intersection (the
   * intersection variant runs only if both parties allow it); size and sum variants need not.
   */
  public static final Setting<Boolean> POLICY_PSI_REVEAL_INTERSECTION =
      new Setting<>(PREFIX + "policy.psi.revealIntersection", false, ParleyConf::parseBoolean);
  /**
   * The smallest intersection whose size or sum this party lets a private join release; below the
   * larger of the two parties' values the receiver withholds the result and both fail.
   */
  public static final Setting<Long> POLICY_PSI_MIN_INTERSECTION =
      new Setting<>(PREFIX + "policy.psi.minIntersection", 0L, (key, text) -> parseLong(key, text, 0));
  /** Spark partitions (and relay batches) of this party's PSI work; 0 means twice the default parallelism. */
  public static final Setting<Integer> PSI_PARTITIONS =
      new Setting<>(PREFIX + "psi.partitions", 0, (key, text) -> parseInt(key, text, 0));
  /**
   * The X25519 code of this party's PSI work: {@code auto} (libsodium where it loads, else
   * BouncyCastle), {@code libsodium} (fail where it does not load) or {@code bouncycastle}. The
   * results are the same bytes either way; only the speed differs.
   */
  public static final Setting<X25519Implementation> PSI_X25519 =
      new Setting<>(PREFIX + "psi.x25519", X25519Implementation.AUTO, X25519Implementation::parse);
  /**
   * Where a responder writes the intersection a private join reveals to it (Parquet, one folder
   * per session under this path); unset, it declines joins that would reveal the intersection to it.
   */
  public static final Setting<String> PSI_OUTPUT_DIR = Setting.string(PREFIX + "psi.outputDir", "");

  /** {@code spark.parley.table.<t>.path}: the local part of federated table {@code t}; no default. */
  public static String tablePathKey(String table) {
    return PREFIX + "table." + table + ".path";
  }

  /** {@code spark.parley.table.<t>.format}: {@code csv} or {@code parquet}; default from the path's extension. */
  public static String tableFormatKey(String table) {
    return PREFIX + "table." + table + ".format";
  }

  public static final String FORMAT_CSV = "csv";
  public static final String FORMAT_PARQUET = "parquet";

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h)?");

  private final Map<String, String> options;
  private final Map<String, String> sessionConf;

  private ParleyConf(Map<String, String> options, Map<String, String> sessionConf) {
    TreeMap<String, String> lowerCaseOptions = new TreeMap<>();
    options.forEach((key, value) -> lowerCaseOptions.put(key.toLowerCase(Locale.ROOT), value));
    this.options = Collections.unmodifiableMap(lowerCaseOptions);
    this.sessionConf = Collections.unmodifiableMap(new TreeMap<>(sessionConf));
  }

  /** The session's {@code spark.parley.*} settings. */
  public static ParleyConf of(SparkSession spark) {
    return of(spark, Map.of());
  }

  /** Read options (a DataSource's, for instance) over the session's settings. */
  public static ParleyConf of(SparkSession spark, Map<String, String> options) {
    TreeMap<String, String> parley = new TreeMap<>();
    CollectionConverters.asJava(spark.conf().getAll())
        .forEach((key, value) -> {
          if (key.startsWith(PREFIX)) {
            parley.put(key, value);
          }
        });
    return new ParleyConf(options, parley);
  }

  /** From plain maps: {@code sessionConf} plays the session's conf. */
  public static ParleyConf of(Map<String, String> options, Map<String, String> sessionConf) {
    return new ParleyConf(options, sessionConf);
  }

  /** The session's {@code spark.parley.*} entries (not the read options), sorted by key. */
  public Map<String, String> sessionValues() {
    return sessionConf;
  }

  /** The typed value of {@code setting}: read option, else session conf, else default. */
  public <T> T get(Setting<T> setting) {
    Optional<String> text = raw(setting.key());
    if (text.isPresent()) {
      return setting.parse(text.get());
    }
    if (setting.defaultValue() == null) {
      throw new ParleyException("missing setting " + setting.key() + ": set it in the party's conf (or --conf)");
    }
    return setting.defaultValue();
  }

  /** The text of {@code key} (read option, else session conf), trimmed; blank counts as unset. */
  public Optional<String> raw(String key) {
    String value = options.get(key.toLowerCase(Locale.ROOT));
    if (value == null && key.startsWith(PREFIX)) {
      value = options.get(key.substring(PREFIX.length()).toLowerCase(Locale.ROOT));
    }
    if (value == null) {
      value = sessionConf.get(key);
    }
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  /** The local part's path of {@code table}, if mapped. */
  public Optional<String> tablePath(String table) {
    return raw(tablePathKey(table));
  }

  /** {@code csv} or {@code parquet}: as set, else {@code csv} for a path ending in {@code .csv}, else {@code parquet}. */
  public String tableFormat(String table) {
    Optional<String> format = raw(tableFormatKey(table)).map(f -> f.toLowerCase(Locale.ROOT));
    if (format.isPresent()) {
      if (!format.get().equals(FORMAT_CSV) && !format.get().equals(FORMAT_PARQUET)) {
        throw new ParleyException(
            tableFormatKey(table) + " is '" + format.get() + "': use " + FORMAT_CSV + " or " + FORMAT_PARQUET);
      }
      return format.get();
    }
    boolean csv = tablePath(table).map(p -> p.toLowerCase(Locale.ROOT).endsWith(".csv")).orElse(false);
    return csv ? FORMAT_CSV : FORMAT_PARQUET;
  }

  /** Whether this party's policy lets it answer for {@code table}. */
  public boolean policyAllowsTable(String table) {
    List<String> allowed = get(POLICY_TABLES);
    return allowed.isEmpty() || allowed.contains(table);
  }

  /** {@code 30s}, {@code 2m}, {@code 1h}, {@code 500ms} or plain milliseconds; must be positive. */
  static Duration parseDuration(String key, String text) {
    Matcher matcher = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new ParleyException(key + " is '" + text + "', not a duration such as 30s, 2m or 60000 (ms)");
    }
    try {
      long amount = Long.parseLong(matcher.group(1));
      String unit = matcher.group(2) == null ? "ms" : matcher.group(2);
      Duration duration =
          switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m", "min" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> throw new IllegalStateException(unit);
          };
      duration.toMillis();
      if (duration.isZero()) {
        throw new ParleyException(key + " is '" + text + "': it must be positive");
      }
      return duration;
    } catch (NumberFormatException | ArithmeticException e) {
      throw new ParleyException(key + " is '" + text + "': too large");
    }
  }

  static int parseInt(String key, String text, int minimum) {
    int value;
    try {
      value = Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new ParleyException(key + " is '" + text + "', not a whole number");
    }
    if (value < minimum) {
      throw new ParleyException(key + " is " + value + ": it must be at least " + minimum);
    }
    return value;
  }

  static boolean parseBoolean(String key, String text) {
    String value = text.strip().toLowerCase(Locale.ROOT);
    if (value.equals("true") || value.equals("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new ParleyException(key + " is '" + text + "': use true or false");
  }

  static long parseLong(String key, String text, long minimum) {
    long value;
    try {
      value = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new ParleyException(key + " is '" + text + "', not a whole number");
    }
    if (value < minimum) {
      throw new ParleyException(key + " is " + value + ": it must be at least " + minimum);
    }
    return value;
  }

  static List<String> parseList(String key, String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        items.add(item.strip());
      }
    }
    return List.copyOf(items);
  }

  /**
   * One key: its name, its default ({@code null} when the key is required) and how its text is
   * read. Parse errors name the key.
   */
  public static final class Setting<T> {
    private final String key;
    private final T defaultValue;
    private final BiFunction<String, String, T> parser;

    Setting(String key, T defaultValue, BiFunction<String, String, T> parser) {
      this.key = Objects.requireNonNull(key, "key");
      this.defaultValue = defaultValue;
      this.parser = Objects.requireNonNull(parser, "parser");
    }

    static Setting<String> string(String key, String defaultValue) {
      return new Setting<>(key, defaultValue, (k, text) -> text);
    }

    public String key() {
      return key;
    }

    /** The default, or {@code null} for a required key. */
    public T defaultValue() {
      return defaultValue;
    }

    T parse(String text) {
      return parser.apply(key, text);
    }

    @Override
    public String toString() {
      return key;
    }
  }
}
