package io.parley.jobs.output;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;

/**
 * Whether a secure result equals plain Spark's on the pooled rows, as the issue defines it: the
 * same column types and rows in the same order; counts, integers and DECIMALs exactly, DOUBLEs
 * within 1e-9 relative.
 */
public final class ResultComparison {
  public static final double DOUBLE_TOLERANCE = 1e-9;

  private ResultComparison() {}

  /** Empty when they match; otherwise the first difference, in words. */
  public static Optional<String> difference(ResultTable secure, ResultTable plain) {
    List<DataType> secureTypes = secure.columnTypes();
    List<DataType> plainTypes = plain.columnTypes();
    if (!secureTypes.equals(plainTypes)) {
      return Optional.of("column types differ: secure " + simple(secureTypes) + ", plain " + simple(plainTypes));
    }
    if (secure.rows().size() != plain.rows().size()) {
      return Optional.of("secure has " + secure.rows().size() + " rows, plain " + plain.rows().size());
    }
    List<String> names = plain.columnNames();
    for (int r = 0; r < plain.rows().size(); r++) {
      Row secureRow = secure.rows().get(r);
      Row plainRow = plain.rows().get(r);
      for (int c = 0; c < names.size(); c++) {
        Object s = secureRow.get(c);
        Object p = plainRow.get(c);
        if (!same(s, p)) {
          return Optional.of(
              "row " + (r + 1) + ", column " + names.get(c) + ": secure " + ResultTable.text(s) + ", plain " + ResultTable.text(p));
        }
      }
    }
    return Optional.empty();
  }

  static boolean same(Object secure, Object plain) {
    if (secure == null || plain == null) {
      return secure == plain;
    }
    if (secure instanceof BigDecimal s && plain instanceof BigDecimal p) {
      return s.compareTo(p) == 0;
    }
    if (secure instanceof Double s && plain instanceof Double p) {
      return closeEnough(s, p);
    }
    if (secure instanceof Float s && plain instanceof Float p) {
      return closeEnough(s, p);
    }
    return secure.equals(plain);
  }

  static boolean closeEnough(double secure, double plain) {
    if (Double.isNaN(secure) || Double.isNaN(plain)) {
      return Double.isNaN(secure) && Double.isNaN(plain);
    }
    if (Double.isInfinite(secure) || Double.isInfinite(plain)) {
      return secure == plain;
    }
    double scale = Math.max(Math.abs(secure), Math.abs(plain));
    return Math.abs(secure - plain) <= DOUBLE_TOLERANCE * Math.max(scale, Double.MIN_NORMAL) || secure == plain;
  }

  private static String simple(List<DataType> types) {
    return types.stream().map(DataType::simpleString).toList().toString();
  }
}
