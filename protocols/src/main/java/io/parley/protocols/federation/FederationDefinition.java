package io.parley.protocols.federation;

import io.parley.protocols.ParleyException;
import io.parley.protocols.pki.PartyNames;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The federation definition ({@code federation.properties}): {@code federation.name},
 * {@code federation.parties} (comma list), optionally {@code federation.computeParties} (the three
 * parties that run share arithmetic), and one {@code table.<name>.schema=<Spark DDL>} per
 * federated table, with {@code table.<name>.owner=<party>} for a table that only that party holds
 * (vertical partitioning; without it every party may hold rows). The schema text is kept as
 * written; the connector parses it with Spark.
 */
public final class FederationDefinition {
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  public static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final String NAME_KEY = "federation.name";
  private static final String PARTIES_KEY = "federation.parties";
  private static final String COMPUTE_PARTIES_KEY = "federation.computeParties";
  private static final Pattern TABLE_KEY = Pattern.compile("table\\.(.+)\\.(schema|owner)");
  /** How many compute parties share arithmetic needs. */
  public static final int COMPUTE_PARTIES = 3;

  private final String name;
  private final List<String> parties;
  private final Map<String, String> tables;
  private final Map<String, String> owners;
  private final List<String> computeParties;

  private FederationDefinition(String name, List<String> parties, Map<String, String> tables,
      Map<String, String> owners, List<String> computeParties) {
    this.name = name;
    this.parties = List.copyOf(parties);
    this.tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
    this.owners = Collections.unmodifiableMap(new LinkedHashMap<>(owners));
    this.computeParties = List.copyOf(computeParties);
  }

  public static FederationDefinition of(String name, List<String> parties, Map<String, String> tables) {
    Properties properties = new Properties();
    properties.setProperty(NAME_KEY, name);
    properties.setProperty(PARTIES_KEY, String.join(",", parties));
    tables.forEach((table, ddl) -> properties.setProperty("table." + table + ".schema", ddl));
    return fromProperties(properties);
  }

  /** Reads and checks a definition; every problem is named with the key at fault. */
  public static FederationDefinition fromProperties(Properties properties) {
    String name = required(properties, NAME_KEY).strip();
    if (!NAME.matcher(name).matches()) {
      throw new ParleyException("federation.name '" + name + "' must match " + NAME.pattern());
    }
    LinkedHashSet<String> parties = new LinkedHashSet<>();
    for (String party : required(properties, PARTIES_KEY).split(",")) {
      String trimmed = party.strip();
      if (!PartyNames.isValid(trimmed)) {
        throw new ParleyException("federation.parties: party name '" + trimmed + "' must match " + PartyNames.PATTERN.pattern());
      }
      if (!parties.add(trimmed)) {
        throw new ParleyException("federation.parties names party " + trimmed + " twice");
      }
    }
    if (parties.size() < 2) {
      throw new ParleyException("federation.parties names " + parties.size() + " party; a federation needs at least 2");
    }
    Map<String, String> tables = new LinkedHashMap<>();
    Map<String, String> owners = new LinkedHashMap<>();
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      var matcher = TABLE_KEY.matcher(key);
      if (key.startsWith("table.") && !matcher.matches()) {
        throw new ParleyException(
            "unknown key " + key + " in the federation definition (expected table.<name>.schema or table.<name>.owner)");
      }
      if (matcher.matches()) {
        String table = matcher.group(1);
        if (!TABLE_NAME.matcher(table).matches()) {
          throw new ParleyException("table name '" + table + "' in " + key + " must match " + TABLE_NAME.pattern());
        }
        String value = properties.getProperty(key).strip();
        if (matcher.group(2).equals("owner")) {
          if (!parties.contains(value)) {
            throw new ParleyException(key + " names '" + value + "', which is not one of federation.parties " + parties);
          }
          owners.put(table, value);
          continue;
        }
        if (value.isEmpty()) {
          throw new ParleyException(key + " is empty: give the table's columns as Spark DDL");
        }
        tables.put(table, value);
      }
    }
    for (String table : owners.keySet()) {
      if (!tables.containsKey(table)) {
        throw new ParleyException("table." + table + ".owner is set but table." + table + ".schema is not");
      }
    }
    List<String> computeParties = new ArrayList<>();
    String computeList = properties.getProperty(COMPUTE_PARTIES_KEY);
    if (computeList != null && !computeList.isBlank()) {
      for (String party : computeList.split(",")) {
        String trimmed = party.strip();
        if (!parties.contains(trimmed)) {
          throw new ParleyException(
              COMPUTE_PARTIES_KEY + " names '" + trimmed + "', which is not one of federation.parties " + parties);
        }
        if (computeParties.contains(trimmed)) {
          throw new ParleyException(COMPUTE_PARTIES_KEY + " names party " + trimmed + " twice");
        }
        computeParties.add(trimmed);
      }
      if (computeParties.size() != COMPUTE_PARTIES) {
        throw new ParleyException(COMPUTE_PARTIES_KEY + " names " + computeParties.size() + " parties; share arithmetic needs exactly "
            + COMPUTE_PARTIES);
      }
    }
    for (String key : properties.stringPropertyNames()) {
      if (key.startsWith("federation.") && !key.equals(NAME_KEY) && !key.equals(PARTIES_KEY)
          && !key.equals(COMPUTE_PARTIES_KEY)) {
        throw new ParleyException("unknown key " + key + " in the federation definition");
      }
    }
    return new FederationDefinition(name, new ArrayList<>(parties), tables, owners, computeParties);
  }

  private static String required(Properties properties, String key) {
    String value = properties.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new ParleyException("the federation definition has no " + key);
    }
    return value;
  }

  public String name() {
    return name;
  }

  /** The parties, in the order the definition lists them. */
  public List<String> parties() {
    return parties;
  }

  public boolean hasParty(String party) {
    return parties.contains(party);
  }

  /**
   * The three parties that run share arithmetic (secure_min, secure_median, auctions, small-group
   * suppression), sorted; empty when the definition names none.
   */
  public List<String> computeParties() {
    return computeParties.stream().sorted().toList();
  }

  /** The one party that holds {@code table} (a vertically partitioned table), if the definition names one. */
  public java.util.Optional<String> owner(String table) {
    schemaDdl(table);
    return java.util.Optional.ofNullable(owners.get(table));
  }

  /** The federated tables, sorted by name. */
  public List<String> tableNames() {
    return List.copyOf(tables.keySet());
  }

  public boolean hasTable(String table) {
    return tables.containsKey(table);
  }

  /** The Spark DDL schema of {@code table}. */
  public String schemaDdl(String table) {
    String ddl = tables.get(table);
    if (ddl == null) {
      throw new ParleyException("unknown federated table " + table + ": the federation definition does not declare it");
    }
    return ddl;
  }

  @Override
  public String toString() {
    return "FederationDefinition[" + name + ", parties " + parties + ", tables " + tables.keySet()
        + (computeParties.isEmpty() ? "" : ", compute parties " + computeParties())
        + (owners.isEmpty() ? "" : ", owners " + owners) + "]";
  }
}
