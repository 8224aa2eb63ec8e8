package io.parley.protocols.psi;

import com.goterl.lazysodium.utils.LibraryLoader;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libsodium's X25519 ({@code crypto_scalarmult}), bound with JNA direct mapping and loaded once
 * per JVM: the system's libsodium if one is installed (the distribution patches it), else the copy
 * lazysodium-java bundles; the JVM property {@code parley.libsodium=system} or {@code bundled}
 * insists on one. Only {@code sodium_init}, {@code sodium_version_string} and {@code
 * crypto_scalarmult} are called. Before first use the binding must reproduce RFC 7748's test
 * vectors, refuse small-order inputs and agree with BouncyCastle on a few more points; otherwise it
 * counts as not loaded.
 */
final class Libsodium {
  private static final Logger LOG = LoggerFactory.getLogger(Libsodium.class);

  /** Why libsodium is not usable in this JVM, or null when it is. */
  private static final String FAILURE;

  private static final String DESCRIPTION;

  /** JVM property: {@code system} or {@code bundled} to insist on one copy of libsodium. */
  static final String SOURCE_PROPERTY = "parley.libsodium";

  private static final String BUNDLED = "bundled with lazysodium-java";

  static {
    String failure = null;
    String description = "";
    try {
      String source = load();
      if (sodium_init() < 0) {
        failure = "sodium_init failed";
      } else {
        description = "libsodium " + sodium_version_string() + " (" + source + ")";
        failure = selfTestFailure();
      }
    } catch (LinkageError | RuntimeException e) {
      failure = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    FAILURE = failure;
    DESCRIPTION = description;
    if (failure == null) {
      LOG.info("X25519 for private joins: {}", description);
    }
  }

  private Libsodium() {}

  static native int sodium_init();

  static native String sodium_version_string();

  /**
   * X25519(n, p) into q; -1 when p has small order (libsodium refuses those before multiplying) or
   * the result is all zeros. The scalar is a native buffer so no copy of it outlives the call.
   */
  static native int crypto_scalarmult(byte[] q, Pointer n, byte[] p);

  static boolean available() {
    return FAILURE == null;
  }

  /** Why it is unavailable; empty when it is available. */
  static String failure() {
    return FAILURE == null ? "" : FAILURE;
  }

  /** Version and origin, such as "libsodium 1.0.18 (bundled with lazysodium-java)". */
  static String description() {
    return DESCRIPTION;
  }

  private static String load() {
    String choice = System.getProperty(SOURCE_PROPERTY, "");
    if (choice.equals("bundled")) {
      return loadBundled();
    }
    if (!choice.isEmpty() && !choice.equals("system")) {
      throw new IllegalArgumentException(
          "JVM property " + SOURCE_PROPERTY + " is '" + choice + "'; expected system or bundled");
    }
    try {
      Native.register(Libsodium.class, NativeLibrary.getInstance("sodium"));
      return "system library";
    } catch (LinkageError | RuntimeException notInstalled) {
      if (choice.equals("system")) {
        throw notInstalled;
      }
      return loadBundled();
    }
  }

  /**
   * Copies lazysodium-java's library for this platform into a fresh owner-only directory and loads
   * it from there. (lazysodium's own loader fails to list a resource inside a jar on this JDK.)
   */
  private static String loadBundled() {
    String resource = LibraryLoader.getSodiumPathInResources();
    try (InputStream in = LibraryLoader.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("lazysodium-java holds no " + resource);
      }
      Path directory =
          Files.createTempDirectory(
              "parley-libsodium",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path library = directory.resolve(Path.of(resource).getFileName());
      Files.copy(in, library);
      try {
        Native.register(Libsodium.class, NativeLibrary.getInstance(library.toString()));
      } finally {
        // Once loaded the file is no longer needed (Linux and macOS keep the mapping), so nothing is
        // left in the temporary directory even if the JVM is killed.
        deleteQuietly(library);
        deleteQuietly(directory);
      }
      return BUNDLED;
    } catch (IOException e) {
      throw new UncheckedIOException("could not copy " + resource + " out of lazysodium-java", e);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      path.toFile().deleteOnExit(); // a platform that keeps loaded libraries locked
    }
  }

  /**
   * RFC 7748 section 5.2's two vectors, two small-order inputs that must be refused, then 16 chained
   * points against BouncyCastle.
   */
  private static String selfTestFailure() {
    HexFormat hex = HexFormat.of();
    String[][] vectors = {
      {
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
      },
      {
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"
      }
    };
    for (String[] vector : vectors) {
      byte[] out = multiply(hex.parseHex(vector[0]), hex.parseHex(vector[1]));
      if (out == null || !hex.formatHex(out).equals(vector[2])) {
        return "libsodium does not reproduce RFC 7748's test vectors";
      }
    }
    // Small-order inputs: u = 0 (order 2) and a point of order 8 must be refused with -1.
    for (String smallOrder :
        List.of(
            "0000000000000000000000000000000000000000000000000000000000000000",
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")) {
      if (multiply(hex.parseHex(vectors[0][0]), hex.parseHex(smallOrder)) != null) {
        return "libsodium does not refuse inputs of small order";
      }
    }
    byte[] scalar = hex.parseHex(vectors[0][0]);
    byte[] point = hex.parseHex(vectors[1][1]);
    for (int i = 0; i < 16; i++) {
      byte[] expected = new byte[32];
      X25519.scalarMult(scalar, 0, point, 0, expected, 0);
      byte[] actual = multiply(scalar, point);
      if (actual == null || !java.util.Arrays.equals(actual, expected)) {
        return "libsodium disagrees with BouncyCastle's X25519";
      }
      point = expected;
    }
    return null;
  }

  private static byte[] multiply(byte[] scalar, byte[] point) {
    try (NativeScalar n = new NativeScalar(scalar)) {
      byte[] out = new byte[32];
      return crypto_scalarmult(out, n.pointer(), point) == 0 ? out : null;
    }
  }

  /** A scalar copied to native memory for the length of a batch, zeroed when closed. */
  static final class NativeScalar implements AutoCloseable {
    private final com.sun.jna.Memory memory = new com.sun.jna.Memory(32);

    NativeScalar(byte[] scalar) {
      memory.write(0, scalar, 0, 32);
    }

    Pointer pointer() {
      return memory;
    }

    @Override
    public void close() {
      memory.clear();
      memory.close();
    }

    @Override
    public String toString() {
      return "NativeScalar[redacted]";
    }
  }
}
