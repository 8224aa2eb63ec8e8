package io.parley.connector.read;

import io.parley.protocols.ParleyException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A federated table as Spark sees it: its name and the federation's schema, nothing else.
 *
 * <p>The relation Spark builds around it is a marker. Parley's rules replace it before any scan is
 * built: by a federated aggregate under secure_* functions, by the party's local part otherwise.
 * Reaching {@link #newScanBuilder} therefore means the extensions are not installed.
 */
public final class ParleyTable implements SupportsRead {
  private final String name;
  private final StructType schema;

  public ParleyTable(String name, StructType schema) {
    this.name = Objects.requireNonNull(name, "name");
    this.schema = Objects.requireNonNull(schema, "schema");
  }

  /** The federated table's name, as declared in the federation definition. */
  @Override
  public String name() {
    return name;
  }

  @Override
  @SuppressWarnings("deprecation") // still Table's one abstract way to give the schema in Spark 4.0
  public StructType schema() {
    return schema;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    throw new ParleyException(
        "federated table "
            + name
            + " is read through Parley's rules: set spark.sql.extensions=io.parley.connector.ParleyExtensions");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ParleyTable that && name.equals(that.name) && schema.equals(that.schema);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return "ParleyTable(" + name + ")";
  }
}
