package io.parley.jobs;

import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --table NAME=PATH}: the local part of federated table NAME (CSV or Parquet, any Hadoop path). */
public record TableMapping(String table, String path) {
  static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** Parses {@code NAME=PATH} for picocli. */
  public static final class Converter implements ITypeConverter<TableMapping> {
    @Override
    public TableMapping convert(String value) {
      int equals = value.indexOf('=');
      if (equals <= 0 || equals == value.length() - 1) {
        throw new TypeConversionException("'" + value + "' is not NAME=PATH (e.g. sales=/data/sales.csv)");
      }
      String table = value.substring(0, equals).trim();
      String path = value.substring(equals + 1).trim();
      if (!TABLE_NAME.matcher(table).matches()) {
        throw new TypeConversionException("'" + table + "' is not a table name");
      }
      if (path.isEmpty()) {
        throw new TypeConversionException("no path for table '" + table + "'");
      }
      return new TableMapping(table, path);
    }
  }
}
