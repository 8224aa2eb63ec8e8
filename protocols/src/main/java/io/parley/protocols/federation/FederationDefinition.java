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
 * {@code federation.parties} (comma list) and one {@code table.<name>.schema=<Spark DDL>} per
 * federated table. The schema text is kept as written; the connector parses it with Spark.
 */
public final class FederationDefinition {
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  public static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final String NAME_KEY = "federation.name";
  private static final String PARTIES_KEY = "federation.parties";
  private static final Pattern TABLE_KEY = Pattern.compile("table\\.(.+)\\.schema");

  private final String name;
  private final List<String> parties;
  private final Map<String, String> tables;

  private FederationDefinition(String name, List<String> parties, Map<String, String> tables) {
    this.name = name;
    this.parties = List.copyOf(parties);
    this.tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
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
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      var matcher = TABLE_KEY.matcher(key);
      if (key.startsWith("table.") && !matcher.matches()) {
        throw new ParleyException("unknown key " + key + " in the federation definition (expected table.<name>.schema)");
      }
      if (matcher.matches()) {
        String table = matcher.group(1);
        if (!TABLE_NAME.matcher(table).matches()) {
          throw new ParleyException("table name '" + table + "' in " + key + " must match " + TABLE_NAME.pattern());
        }
        String schema = properties.getProperty(key).strip();
        if (schema.isEmpty()) {
          throw new ParleyException(key + " is empty: give the table's columns as Spark DDL");
        }
        tables.put(table, schema);
      }
    }
    return new FederationDefinition(name, new ArrayList<>(parties), tables);
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
    return "FederationDefinition[" + name + ", parties " + parties + ", tables " + tables.keySet() + "]";
  }
}
