package io.parley.connector.party;

import io.parley.connector.functions.CallStatistics;
import io.parley.connector.functions.GroupKeyCodec;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

/**
 * Executors: each local group row (the local aggregation's output) to its canonical group key and
 * its calls' ring words, lazily; shared by secure aggregation and aggregates on shares.
 */
public final class EncodeGroups implements FlatMapFunction<Iterator<Row>, GroupStatistics> {
  private static final long serialVersionUID = 1L;
  private final GroupKeyCodec codec;
  private final List<CallStatistics> calls;
  private final int[] firstColumns;
  private final int[] firstWords;
  private final int wordsPerGroup;

  public EncodeGroups(GroupKeyCodec codec, List<CallStatistics> calls, int[] firstColumns, int[] firstWords, int wordsPerGroup) {
    this.codec = codec;
    this.calls = List.copyOf(calls);
    this.firstColumns = firstColumns;
    this.firstWords = firstWords;
    this.wordsPerGroup = wordsPerGroup;
  }

  @Override
  public Iterator<GroupStatistics> call(Iterator<Row> rows) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public GroupStatistics next() {
        Row row = rows.next();
        long[] words = new long[wordsPerGroup];
        for (int c = 0; c < calls.size(); c++) {
          calls.get(c).encode(row, firstColumns[c], words, firstWords[c]);
        }
        return new GroupStatistics(codec.encode(row, 0), words);
      }
    };
  }
}

