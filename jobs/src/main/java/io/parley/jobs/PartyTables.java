package io.parley.jobs;

import io.parley.jobs.files.HadoopFiles;
import io.parley.protocols.federation.FederationDefinition;
import java.util.List;
import java.util.TreeSet;

/** Checks {@code --table} names against the federation definition before Spark starts. */
final class PartyTables {
  static final String FEDERATION_KEY = "spark.parley.federation";
  static final String PARTY_KEY = "spark.parley.party";
  static final String COORDINATOR_KEY = "spark.parley.coordinator";

  private PartyTables() {}

  static String pathKey(String table) {
    return "spark.parley.table." + table + ".path";
  }

  static FederationDefinition federation(String path) {
    return FederationFiles.read(HadoopFiles.withDefaults(), path);
  }

  /** Fails, naming the table, if a {@code --table} names a table the federation does not declare. */
  static void check(String federationPath, List<TableMapping> tables) {
    if (tables.isEmpty()) {
      return;
    }
    FederationDefinition federation = federation(federationPath);
    TreeSet<String> seen = new TreeSet<>();
    for (TableMapping table : tables) {
      if (!federation.tableNames().contains(table.table())) {
        throw new UsageException(
            "unknown table '" + table.table() + "' in --table: federation " + federation.name()
                + " has " + (federation.tableNames().isEmpty() ? "no tables" : "tables " + String.join(", ", new TreeSet<>(federation.tableNames())))
                + " (" + federationPath + ")");
      }
      if (!seen.add(table.table())) {
        throw new UsageException("--table " + table.table() + " is given twice");
      }
    }
  }
}
