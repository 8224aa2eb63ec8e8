package io.parley.jobs;

import io.parley.jobs.files.HadoopFiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * The flags every command that runs as a party shares ({@code --conf}, {@code --table},
 * {@code --set}) and the Spark session they describe.
 */
public final class PartyOptions {
  /** Spark's master when neither the conf file nor spark-submit names one. */
  static final String DEFAULT_MASTER = "local[*]";

  @Option(
      names = "--conf",
      paramLabel = "FILE",
      description =
          "The party's properties file (DIR/<party>.conf from parley init; any Hadoop path). Optional under "
              + "spark-submit --properties-file, which already put spark.parley.* in Spark's conf.")
  String confFile;

  @Option(
      names = "--table",
      paramLabel = "NAME=PATH",
      converter = TableMapping.Converter.class,
      description =
          "Local part of federated table NAME: a CSV file with a header row (.csv) or Parquet (.parquet file "
              + "or folder), a local path or any Hadoop URI. Repeatable; sets spark.parley.table.NAME.path.")
  List<TableMapping> tables = new ArrayList<>();

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "A Spark or spark.parley.* setting over the conf file's. Repeatable.")
  Map<String, String> settings = new LinkedHashMap<>();

  /** Options as a command would have parsed them, for the demo and the benchmark. */
  static PartyOptions of(String confFile, Map<String, String> tables, Map<String, String> settings) {
    PartyOptions options = new PartyOptions();
    options.confFile = confFile;
    tables.forEach((table, path) -> options.tables.add(new TableMapping(table, path)));
    options.settings.putAll(settings);
    return options;
  }

  /**
   * The settings this party runs with: Spark's defaults (system properties, which is where
   * spark-submit puts its properties file), then the conf file, then {@code --set}, then
   * {@code --table}; master {@code local[*]} unless one is named.
   */
  public SparkConf sparkConf(String appName) {
    SparkConf conf = new SparkConf(true);
    if (confFile != null) {
      Properties properties = HadoopFiles.withDefaults().readProperties(confFile);
      for (String key : properties.stringPropertyNames()) {
        conf.set(key, properties.getProperty(key));
      }
    }
    settings.forEach(conf::set);
    if (!conf.contains(PartyTables.FEDERATION_KEY) || !conf.contains(PartyTables.PARTY_KEY)) {
      throw new UsageException(
          "missing setting " + (conf.contains(PartyTables.FEDERATION_KEY) ? PartyTables.PARTY_KEY : PartyTables.FEDERATION_KEY)
              + (confFile == null
                  ? ": give --conf DIR/<party>.conf (written by parley init)"
                  : " in " + confFile));
    }
    PartyTables.check(conf.get(PartyTables.FEDERATION_KEY), tables);
    for (TableMapping table : tables) {
      conf.set(PartyTables.pathKey(table.table()), HadoopFiles.absolute(table.path()));
    }
    if (!conf.contains("spark.master")) {
      conf.setMaster(DEFAULT_MASTER);
    }
    if (!conf.contains("spark.app.name")) {
      conf.setAppName(appName + " " + conf.get(PartyTables.PARTY_KEY));
    }
    return conf;
  }

  /** Starts (or joins) the Spark session these flags describe. */
  public SparkSession openSession(String appName) {
    return SparkSession.builder().config(sparkConf(appName)).getOrCreate();
  }

  public List<TableMapping> tables() {
    return List.copyOf(tables);
  }
}
