package io.parley.jobs;

import io.parley.jobs.files.HadoopFiles;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.pki.Credentials;
import io.parley.protocols.pki.FederationCa;
import io.parley.protocols.pki.Pem;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A development federation on disk, as {@code parley init} writes it (docs/ARCHITECTURE.md, "Files
 * parley init writes"): the CA, a certificate and key per party and for the coordinator, the
 * federation definition and one Spark properties file per participant, all with absolute paths.
 */
public final class DevFederation {
  public static final String DEFAULT_NAME = "parley-dev";
  public static final HostPort DEFAULT_COORDINATOR = new HostPort("127.0.0.1", 9443);
  public static final String COORDINATOR = "coordinator";

  static final Pattern PARTY_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  static final Pattern FEDERATION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private final String dir;

  private DevFederation(String dir) {
    this.dir = dir;
  }

  /** The federation already written in {@code dir}. */
  public static DevFederation at(String dir) {
    return new DevFederation(HadoopFiles.absolute(dir));
  }

  public String dir() {
    return dir;
  }

  public String file(String name) {
    return HadoopFiles.child(dir, name);
  }

  public String federationFile() {
    return file("federation.properties");
  }

  public String coordinatorConf() {
    return file(COORDINATOR + ".conf");
  }

  public String partyConf(String party) {
    return file(party + ".conf");
  }

  /**
   * Checks the names, then writes the federation into {@code dir}.
   *
   * @param tables federated table name → Spark DDL schema, in the order given
   * @throws UsageException naming the party, table, folder or name at fault
   */
  public static DevFederation write(
      HadoopFiles files,
      String dir,
      String federationName,
      List<String> parties,
      Map<String, String> tables,
      HostPort coordinator,
      boolean force,
      SecureRandom random) {
    return write(files, dir, federationName, parties, defaultComputeParties(parties), Map.of(), tables, coordinator, force,
        random);
  }

  /** Three parties compute on shares by default; a larger federation names its three with --compute-parties. */
  static List<String> defaultComputeParties(List<String> parties) {
    return parties.size() == FederationDefinition.COMPUTE_PARTIES ? List.copyOf(parties) : List.of();
  }

  /** As the full {@code write}, with {@code federation.computeParties} (three of {@code parties}, or none) and no owners. */
  public static DevFederation write(
      HadoopFiles files,
      String dir,
      String federationName,
      List<String> parties,
      List<String> computeParties,
      Map<String, String> tables,
      HostPort coordinator,
      boolean force,
      SecureRandom random) {
    return write(files, dir, federationName, parties, computeParties, Map.of(), tables, coordinator, force, random);
  }

  /**
   * As {@link #write(HadoopFiles, String, String, List, Map, HostPort, boolean, SecureRandom)}, with
   * the three compute parties (none: empty) and the owners of tables only one party holds.
   */
  public static DevFederation write(
      HadoopFiles files,
      String dir,
      String federationName,
      List<String> parties,
      List<String> computeParties,
      Map<String, String> owners,
      Map<String, String> tables,
      HostPort coordinator,
      boolean force,
      SecureRandom random) {
    checkNames(federationName, parties, tables);
    checkComputeParties(parties, computeParties);
    String definition = federationProperties(federationName, parties, computeParties, owners, tables);
    try {
      FederationDefinition.fromProperties(properties(definition)); // what we write must parse: refuse before writing
    } catch (io.parley.protocols.ParleyException e) {
      throw new UsageException(e.getMessage());
    }
    DevFederation federation = at(dir);
    if (!force && files.isNonEmptyFolder(federation.dir)) {
      throw new UsageException("folder " + federation.dir + " is not empty: choose another --dir or give --force");
    }
    files.mkdirs(federation.dir);

    FederationCa ca = FederationCa.create(federationName, random);
    files.write(federation.file("ca.pem"), Pem.certificate(ca.certificate()), false);
    files.write(federation.file("ca.key"), Pem.privateKey(ca.privateKey()), true);
    for (String party : parties) {
      Credentials credentials = ca.issueParty(party, random);
      files.write(federation.file(party + ".pem"), Pem.certificate(credentials.certificate()), false);
      files.write(federation.file(party + ".key"), Pem.privateKey(credentials.privateKey()), true);
    }
    Set<String> hosts = new LinkedHashSet<>(List.of("127.0.0.1", "localhost"));
    hosts.add(coordinator.host());
    Credentials coordinatorCredentials = ca.issueCoordinator(new ArrayList<>(hosts), random);
    files.write(federation.file("coordinator.pem"), Pem.certificate(coordinatorCredentials.certificate()), false);
    files.write(federation.file("coordinator.key"), Pem.privateKey(coordinatorCredentials.privateKey()), true);

    files.writeText(federation.federationFile(), definition);
    FederationFiles.read(files, federation.federationFile());
    files.writeText(federation.coordinatorConf(), federation.coordinatorProperties(coordinator));
    for (String party : parties) {
      files.writeText(federation.partyConf(party), federation.partyProperties(party, coordinator));
    }
    return federation;
  }

  static void checkNames(String federationName, List<String> parties, Map<String, String> tables) {
    if (!FEDERATION_NAME.matcher(federationName).matches()) {
      throw new UsageException("federation name '" + federationName + "' must match " + FEDERATION_NAME.pattern());
    }
    if (parties.size() < 2) {
      throw new UsageException("--parties names " + parties.size() + " party; a federation needs at least 2");
    }
    Set<String> seen = new HashSet<>();
    for (String party : parties) {
      if (!PARTY_NAME.matcher(party).matches()) {
        throw new UsageException("party name '" + party + "' must match " + PARTY_NAME.pattern());
      }
      if (party.equals(COORDINATOR) || party.equals("ca") || party.equals("federation")) {
        throw new UsageException("party name '" + party + "' is reserved for the federation's own files");
      }
      if (!seen.add(party)) {
        throw new UsageException("party '" + party + "' is named twice in --parties");
      }
    }
    if (tables.isEmpty()) {
      throw new UsageException("no --table: a federation needs at least one table");
    }
  }

  static void checkComputeParties(List<String> parties, List<String> computeParties) {
    if (computeParties.isEmpty()) {
      return;
    }
    if (computeParties.size() != FederationDefinition.COMPUTE_PARTIES || new HashSet<>(computeParties).size() != computeParties.size()) {
      throw new UsageException("--compute-parties names " + String.join(",", computeParties)
          + "; share arithmetic needs exactly 3 distinct compute parties");
    }
    for (String party : computeParties) {
      if (!parties.contains(party)) {
        throw new UsageException(
            "--compute-parties names '" + party + "', which is not one of --parties " + String.join(",", parties));
      }
    }
  }

  static String federationProperties(
      String federationName, List<String> parties, List<String> computeParties, Map<String, String> owners,
      Map<String, String> tables) {
    StringBuilder text = new StringBuilder();
    text.append("# Federation definition, written by parley init at ").append(Instant.now()).append('\n');
    text.append("federation.name=").append(federationName).append('\n');
    text.append("federation.parties=").append(String.join(",", parties)).append('\n');
    if (!computeParties.isEmpty()) {
      text.append("# The three parties that compute on shares (secure_min, secure_median, auctions, minGroupSize).\n");
      text.append("federation.computeParties=").append(String.join(",", computeParties)).append('\n');
    }
    tables.forEach((table, ddl) -> text.append("table.").append(table).append(".schema=").append(escape(ddl)).append('\n'));
    owners.forEach((table, owner) -> text.append("table.").append(table).append(".owner=").append(owner).append('\n'));
    return text.toString();
  }

  private static java.util.Properties properties(String text) {
    java.util.Properties properties = new java.util.Properties();
    try {
      properties.load(new java.io.StringReader(text));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return properties;
  }

  String coordinatorProperties(HostPort coordinator) {
    return "# Coordinator settings, written by parley init at " + Instant.now() + "\n"
        + "spark.parley.coordinator.listen=" + coordinator + "\n"
        + "spark.parley.federation=" + federationFile() + "\n"
        + "spark.parley.tls.certificate=" + file("coordinator.pem") + "\n"
        + "spark.parley.tls.privateKey=" + file("coordinator.key") + "\n"
        + "spark.parley.tls.ca=" + file("ca.pem") + "\n"
        + "spark.parley.session.maxTimeout=10m\n";
  }

  String partyProperties(String party, HostPort coordinator) {
    return "# Settings of party " + party + ", written by parley init at " + Instant.now() + "\n"
        + "# A Spark properties file: parley party|sql --conf, or spark-submit --properties-file.\n"
        + "spark.sql.extensions=io.parley.connector.ParleyExtensions\n"
        + "spark.sql.catalog.parley=io.parley.connector.catalog.ParleyCatalog\n"
        + "spark.serializer=org.apache.spark.serializer.KryoSerializer\n"
        + "spark.kryo.registrator=io.parley.connector.serde.ParleyKryoRegistrator\n"
        + "spark.parley.federation=" + federationFile() + "\n"
        + "spark.parley.party=" + party + "\n"
        + "spark.parley.coordinator=" + coordinator + "\n"
        + "spark.parley.tls.certificate=" + file(party + ".pem") + "\n"
        + "spark.parley.tls.privateKey=" + file(party + ".key") + "\n"
        + "spark.parley.tls.ca=" + file("ca.pem") + "\n"
        + "spark.parley.session.timeout=60s\n"
        + "spark.parley.policy.minParties=2\n"
        + "# Local data: spark.parley.table.<table>.path=<csv or parquet path>, or --table NAME=PATH\n";
  }

  /** A properties value that reads back as written (backslashes and leading blanks survive). */
  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\n", "\\n");
  }
}
