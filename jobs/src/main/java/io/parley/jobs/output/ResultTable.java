package io.parley.jobs.output;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A collected query result: its schema and every row, formatted like {@code Dataset.show} with no
 * truncation (all rows, whole cells). Results are aggregates, small enough to collect.
 */
public final class ResultTable {
  private final StructType schema;
  private final List<Row> rows;

  public ResultTable(StructType schema, List<Row> rows) {
    this.schema = Objects.requireNonNull(schema, "schema");
    this.rows = List.copyOf(rows);
  }

  /** Runs {@code result} and keeps every row. */
  public static ResultTable collect(Dataset<Row> result) {
    return new ResultTable(result.schema(), result.collectAsList());
  }

  public StructType schema() {
    return schema;
  }

  public List<Row> rows() {
    return rows;
  }

  public List<String> columnNames() {
    List<String> names = new ArrayList<>();
    for (StructField field : schema.fields()) {
      names.add(field.name());
    }
    return names;
  }

  public List<DataType> columnTypes() {
    List<DataType> types = new ArrayList<>();
    for (StructField field : schema.fields()) {
      types.add(field.dataType());
    }
    return types;
  }

  /** A cell as text: {@code null} stays null, decimals without exponent, bytes in hex. */
  public static String text(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof BigDecimal decimal) {
      return decimal.toPlainString();
    }
    if (value instanceof byte[] bytes) {
      StringBuilder hex = new StringBuilder("[");
      for (int i = 0; i < bytes.length; i++) {
        hex.append(i == 0 ? "" : " ").append(String.format("%02X", bytes[i]));
      }
      return hex.append(']').toString();
    }
    return value.toString();
  }

  /** The table as lines, in Spark's {@code show(numRows, truncate = 0)} layout. */
  public List<String> lines() {
    int columns = schema.fields().length;
    List<String[]> cells = new ArrayList<>();
    cells.add(columnNames().toArray(new String[0]));
    for (Row row : rows) {
      String[] line = new String[columns];
      for (int c = 0; c < columns; c++) {
        String cell = text(row.get(c));
        line[c] = cell == null ? "NULL" : cell.replace("\n", "\\n");
      }
      cells.add(line);
    }
    int[] widths = new int[columns];
    for (String[] line : cells) {
      for (int c = 0; c < columns; c++) {
        widths[c] = Math.max(Math.max(widths[c], 3), line[c].length());
      }
    }
    StringBuilder separator = new StringBuilder("+");
    for (int width : widths) {
      separator.append("-".repeat(width)).append('+');
    }
    List<String> lines = new ArrayList<>();
    lines.add(separator.toString());
    for (int r = 0; r < cells.size(); r++) {
      StringBuilder line = new StringBuilder("|");
      String[] cellLine = cells.get(r);
      for (int c = 0; c < columns; c++) {
        line.append(cellLine[c]).append(" ".repeat(widths[c] - cellLine[c].length())).append('|');
      }
      lines.add(line.toString());
      if (r == 0) {
        lines.add(separator.toString());
      }
    }
    lines.add(separator.toString());
    return Collections.unmodifiableList(lines);
  }

  /** The table as one string with a trailing newline. */
  public String render() {
    return String.join("\n", lines()) + "\n";
  }
}
