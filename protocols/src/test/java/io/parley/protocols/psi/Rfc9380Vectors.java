package io.parley.protocols.psi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code rfc9380-curve25519-vectors.txt}: blocks of {@code key = value} lines. */
final class Rfc9380Vectors {
  private Rfc9380Vectors() {}

  static List<Map<String, String>> load(String suite) {
    List<Map<String, String>> vectors = new ArrayList<>();
    try (InputStream in =
            Rfc9380Vectors.class.getResourceAsStream("rfc9380-curve25519-vectors.txt");
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      Map<String, String> current = null;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        int equals = line.indexOf('=');
        String key = line.substring(0, equals).trim();
        String value = line.substring(equals + 1);
        value = value.startsWith(" ") ? value.substring(1) : value;
        if (key.equals("suite")) {
          current = new LinkedHashMap<>();
          if (value.equals(suite)) {
            vectors.add(current);
          }
        }
        current.put(key, value);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return vectors;
  }

  /** A big-endian hexadecimal integer as X25519's 32-byte little-endian encoding. */
  static byte[] littleEndian(String bigEndianHex) {
    byte[] bigEndian = new BigInteger(bigEndianHex, 16).toByteArray();
    byte[] out = new byte[32];
    for (int i = 0; i < 32 && i < bigEndian.length; i++) {
      out[i] = bigEndian[bigEndian.length - 1 - i];
    }
    return out;
  }
}
