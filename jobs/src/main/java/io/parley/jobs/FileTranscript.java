package io.parley.jobs;

import io.parley.jobs.files.HadoopFiles;
import io.parley.protocols.coordinator.TranscriptSink;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code parley coordinator --transcript FILE}: every message the coordinator received, in order.
 * Format: the 8 bytes {@code PLYTRN01}, then per message the sender's party name and the rpc name
 * (each a 2-byte length and UTF-8), the message length (4 bytes, big-endian) and the message bytes
 * as they arrived. Flushed after every message, so a test can read it while the coordinator runs.
 */
public final class FileTranscript implements TranscriptSink, AutoCloseable {
  static final byte[] MAGIC = "PLYTRN01".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_NAME = 1024;

  /** One received message. */
  public record Entry(String party, String rpc, byte[] message) {}

  private final String path;
  private final DataOutputStream out;
  private boolean closed;

  private FileTranscript(String path, DataOutputStream out) {
    this.path = path;
    this.out = out;
  }

  /** Creates (or replaces) the transcript file at {@code path}, any Hadoop path. */
  public static FileTranscript create(String path) {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(HadoopFiles.withDefaults().create(path)));
    try {
      out.write(MAGIC);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write transcript " + path + ": " + e.getMessage(), e);
    }
    return new FileTranscript(path, out);
  }

  @Override
  public synchronized void record(String party, String rpc, byte[] message) {
    if (closed) {
      return;
    }
    try {
      writeName(party);
      writeName(rpc);
      out.writeInt(message.length);
      out.write(message);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write transcript " + path + ": " + e.getMessage(), e);
    }
  }

  private void writeName(String name) throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    out.writeShort(bytes.length);
    out.write(bytes);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close transcript " + path + ": " + e.getMessage(), e);
    }
  }

  /** Every entry of a transcript file; a truncated last entry (the coordinator was killed mid-write) is left out. */
  public static List<Entry> read(String path) {
    byte[] bytes = HadoopFiles.withDefaults().readBytes(path);
    return parse(bytes, path);
  }

  static List<Entry> parse(byte[] bytes, String path) {
    if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
      throw new IllegalArgumentException(path + " is not a parley transcript");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, MAGIC.length, bytes.length - MAGIC.length));
    List<Entry> entries = new ArrayList<>();
    try {
      while (in.available() > 0) {
        String party = readName(in);
        String rpc = readName(in);
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
          break;
        }
        byte[] message = new byte[length];
        in.readFully(message);
        entries.add(new Entry(party, rpc, message));
      }
    } catch (EOFException truncated) {
      // the last entry was cut off: keep the complete ones
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read transcript " + path + ": " + e.getMessage(), e);
    }
    return entries;
  }

  private static String readName(DataInputStream in) throws IOException {
    int length = in.readUnsignedShort();
    if (length > MAX_NAME || length > in.available()) {
      throw new EOFException("name length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
