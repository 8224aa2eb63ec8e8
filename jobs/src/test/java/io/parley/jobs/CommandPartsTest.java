package io.parley.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

/** Flag values, error lines and the coordinator transcript file. */
class CommandPartsTest {
  @Test
  void hostPortParsesNamesAddressesAndPortZero() {
    assertEquals(new HostPort("127.0.0.1", 9443), HostPort.parse("127.0.0.1:9443"));
    assertEquals(new HostPort("::1", 0), HostPort.parse("[::1]:0"));
    assertEquals("[::1]:0", HostPort.parse("[::1]:0").toString());
    assertThrows(TypeConversionException.class, () -> HostPort.parse("localhost"));
    assertThrows(TypeConversionException.class, () -> HostPort.parse("localhost:99999"));
    assertThrows(TypeConversionException.class, () -> HostPort.parse(":80"));
  }

  @Test
  void tableMappingKeepsUrisWhole() {
    assertEquals(new TableMapping("sales", "hdfs://nn:8020/a=b/sales.parquet"),
        new TableMapping.Converter().convert("sales=hdfs://nn:8020/a=b/sales.parquet"));
  }

  @Test
  void errorLineIsTheFirstLineOfTheInnermostParleyMessage() {
    Exception wrapped = new RuntimeException("Job aborted\nat stage 3",
        new io.parley.protocols.ParleyException("party gamma did not answer within 60s"));
    assertEquals("party gamma did not answer within 60s", Cli.describe(wrapped));
    assertEquals("NullPointerException: boom", Cli.describe(new NullPointerException("boom")));
    assertEquals("IllegalStateException", Cli.describe(new IllegalStateException()));
    assertEquals("first", Cli.oneLine("\n  first;\nsecond"));
  }

  @Test
  void transcriptRoundTripsAndToleratesATruncatedTail(@TempDir Path temp) throws Exception {
    Path file = temp.resolve("transcript.bin");
    try (FileTranscript transcript = FileTranscript.create(file.toString())) {
      transcript.record("alpha", "CreateSession", new byte[] {1, 2, 3});
      transcript.record("beta", "SubmitVector", new byte[0]);
    }
    List<FileTranscript.Entry> entries = FileTranscript.read(file.toString());
    assertEquals(2, entries.size());
    assertEquals("alpha", entries.get(0).party());
    assertEquals("CreateSession", entries.get(0).rpc());
    assertEquals(List.of((byte) 1, (byte) 2, (byte) 3), List.of(box(entries.get(0).message())));
    assertEquals("SubmitVector", entries.get(1).rpc());

    byte[] bytes = Files.readAllBytes(file);
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 3);
    assertEquals(1, FileTranscript.parse(truncated, "t").size());
    assertThrows(IllegalArgumentException.class, () -> FileTranscript.parse("nope".getBytes(StandardCharsets.US_ASCII), "t"));
  }

  @Test
  void demoRunsTheSameQueryInPlainSparkOverThePooledViews() {
    for (DemoCommand.DemoQuery query : DemoCommand.QUERIES) {
      String plain = query.plainSql();
      assertEquals(false, plain.contains("secure_"), plain);
      assertEquals(false, plain.matches(".*FROM (sales|readings)\\b.*"), plain);
      assertEquals(query.sql().replace("secure_", "").replace(" pooled_", " "), plain.replace(" pooled_", " "));
    }
  }

  @Test
  void benchNamesPartiesAndTakesMedians() {
    assertEquals(List.of("alpha", "beta", "gamma"), BenchAggregateCommand.partyNames(3));
    assertEquals("p11", BenchAggregateCommand.partyNames(11).get(10));
    assertEquals(2.0, BenchAggregateCommand.median(new double[] {3, 1, 2}));
    assertEquals(2.5, BenchAggregateCommand.median(new double[] {4, 1, 2, 3}));
  }

  private static Byte[] box(byte[] bytes) {
    Byte[] boxed = new Byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      boxed[i] = bytes[i];
    }
    return boxed;
  }
}
