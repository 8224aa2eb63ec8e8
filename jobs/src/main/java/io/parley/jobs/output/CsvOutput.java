package io.parley.jobs.output;

import io.parley.jobs.files.HadoopFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Writes a result as one RFC 4180 CSV file with a header row (not a Spark output folder), through
 * Hadoop's FileSystem so the target may be {@code hdfs://}. Nulls are empty cells.
 */
public final class CsvOutput {
  private CsvOutput() {}

  public static void write(ResultTable table, HadoopFiles files, String path) {
    try (OutputStream out = files.create(path);
        Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
      writer.write(render(table));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /** The CSV text, one line per row ending in a newline. */
  public static String render(ResultTable table) {
    StringBuilder csv = new StringBuilder();
    appendLine(csv, table.columnNames());
    int columns = table.schema().fields().length;
    for (Row row : table.rows()) {
      String[] cells = new String[columns];
      for (int c = 0; c < columns; c++) {
        String text = ResultTable.text(row.get(c));
        cells[c] = text == null ? "" : text;
      }
      appendLine(csv, List.of(cells));
    }
    return csv.toString();
  }

  private static void appendLine(StringBuilder csv, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        csv.append(',');
      }
      csv.append(quote(cells.get(i)));
    }
    csv.append('\n');
  }

  static String quote(String cell) {
    boolean needsQuotes =
        cell.indexOf(',') >= 0
            || cell.indexOf('"') >= 0
            || cell.indexOf('\n') >= 0
            || cell.indexOf('\r') >= 0
            || (!cell.isEmpty() && (Character.isWhitespace(cell.charAt(0))
                || Character.isWhitespace(cell.charAt(cell.length() - 1))));
    return needsQuotes ? '"' + cell.replace("\"", "\"\"") + '"' : cell;
  }
}
