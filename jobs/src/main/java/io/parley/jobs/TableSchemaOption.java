package io.parley.jobs;

import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --table 'NAME=DDL'} for init: a federated table and its Spark DDL schema, checked by Spark. */
public record TableSchemaOption(String table, String ddl) {
  /** Parses {@code NAME=DDL} and checks the DDL with {@link StructType#fromDDL}. */
  public static final class Converter implements ITypeConverter<TableSchemaOption> {
    @Override
    public TableSchemaOption convert(String value) {
      int equals = value.indexOf('=');
      if (equals <= 0 || equals == value.length() - 1) {
        throw new TypeConversionException(
            "'" + value + "' is not NAME=SCHEMA (e.g. 'sales=region STRING, amount DECIMAL(12,2)')");
      }
      String table = value.substring(0, equals).trim();
      String ddl = value.substring(equals + 1).trim();
      if (!TableMapping.TABLE_NAME.matcher(table).matches()) {
        throw new TypeConversionException("'" + table + "' is not a table name");
      }
      StructType schema;
      try {
        schema = StructType.fromDDL(ddl);
      } catch (Exception e) { // Spark's ParseException is checked in Java's eyes
        throw new TypeConversionException("schema of table '" + table + "' is not Spark DDL: " + Cli.oneLine(e.getMessage()));
      }
      if (schema.fields().length == 0) {
        throw new TypeConversionException("table '" + table + "' has no columns");
      }
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (String column : schema.fieldNames()) {
        if (!seen.add(column.toLowerCase(java.util.Locale.ROOT))) {
          throw new TypeConversionException("table '" + table + "' has column '" + column + "' twice");
        }
      }
      return new TableSchemaOption(table, ddl);
    }
  }
}
