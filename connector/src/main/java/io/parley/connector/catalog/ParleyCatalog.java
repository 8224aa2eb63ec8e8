package io.parley.connector.catalog;

import io.parley.connector.party.PartyRuntime;
import io.parley.connector.read.ParleyDataSource;
import io.parley.protocols.ParleyException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The federation's tables as a read-only Spark catalog, registered with
 * {@code spark.sql.catalog.parley=io.parley.connector.catalog.ParleyCatalog}; tables live in the
 * empty namespace, so {@code SELECT secure_sum(amount) FROM parley.sales} names them.
 */
public final class ParleyCatalog implements TableCatalog {
  private String name = ParleyDataSource.SHORT_NAME;

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Identifier[] listTables(String[] namespace) throws NoSuchNamespaceException {
    if (namespace.length != 0) {
      throw new NoSuchNamespaceException(namespace);
    }
    return PartyRuntime.of(SparkSession.active()).federation().tableNames().stream()
        .sorted()
        .map(table -> Identifier.of(new String[0], table))
        .toArray(Identifier[]::new);
  }

  @Override
  public boolean tableExists(Identifier ident) {
    return ident.namespace().length == 0 && PartyRuntime.of(SparkSession.active()).isFederated(ident.name());
  }

  /**
   * The federated table; an unknown name fails with Parley's message naming it. (With Spark's
   * NoSuchTableException, Spark would go on to read {@code parley.nosuch} as a file of format
   * "parley" and report that instead.)
   */
  @Override
  public Table loadTable(Identifier ident) {
    if (ident.namespace().length != 0) {
      throw new ParleyException(
          "unknown federated table " + String.join(".", ident.namespace()) + "." + ident.name()
              + ": catalog " + name + " has no namespaces");
    }
    return ParleyDataSource.federatedTable(SparkSession.active(), ident.name());
  }

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) {
    throw readOnly(ident);
  }

  @Override
  public boolean dropTable(Identifier ident) {
    throw readOnly(ident);
  }

  @Override
  public void renameTable(Identifier oldIdent, Identifier newIdent) {
    throw readOnly(oldIdent);
  }

  private ParleyException readOnly(Identifier ident) {
    return new ParleyException(
        "catalog "
            + name
            + " is read-only: federated table "
            + ident.name()
            + " is declared in the federation definition");
  }
}
