package io.parley.jobs.files;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

/** Reads and writes whole small files through Hadoop's FileSystem; errors name the file. */
public final class HadoopFiles {
  private final Configuration hadoopConf;

  public HadoopFiles(Configuration hadoopConf) {
    this.hadoopConf = hadoopConf;
  }

  /** Hadoop's default configuration (core-site.xml from the classpath, if any). */
  public static HadoopFiles withDefaults() {
    return new HadoopFiles(new Configuration());
  }

  /**
   * The absolute form of {@code path}: a local path without a scheme becomes an absolute local
   * path (so it means the same on executors and in child processes), a URI stays as given.
   */
  public static String absolute(String path) {
    if (hasScheme(path)) {
      return path;
    }
    return new File(path).getAbsoluteFile().toPath().normalize().toString();
  }

  /** Whether {@code path} names a URI scheme ({@code hdfs://}, {@code file:}), not a plain local path. */
  public static boolean hasScheme(String path) {
    try {
      String scheme = new URI(path).getScheme();
      return scheme != null && scheme.length() > 1; // "C:" is a drive, not a scheme
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  public byte[] readBytes(String path) {
    Path hadoopPath = new Path(path);
    try (InputStream in = fileSystem(hadoopPath).open(hadoopPath)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      in.transferTo(bytes);
      return bytes.toByteArray();
    } catch (java.io.FileNotFoundException e) {
      throw new UncheckedIOException("file not found: " + path, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  public String readText(String path) {
    return new String(readBytes(path), StandardCharsets.UTF_8);
  }

  /** A properties file as Spark reads one ({@code --properties-file}): UTF-8, values trimmed. */
  public Properties readProperties(String path) {
    Properties properties = new Properties();
    try {
      properties.load(new StringReader(readText(path)));
    } catch (IOException | IllegalArgumentException e) {
      throw new UncheckedIOException("cannot parse properties file " + path + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
    Properties trimmed = new Properties();
    properties.stringPropertyNames().forEach(key -> trimmed.setProperty(key, properties.getProperty(key).trim()));
    return trimmed;
  }

  /** Writes {@code bytes} to {@code path}, replacing it; {@code privateFile} limits it to its owner. */
  public void write(String path, byte[] bytes, boolean privateFile) {
    Path hadoopPath = new Path(path);
    try {
      FileSystem fs = fileSystem(hadoopPath);
      try (OutputStream out = fs.create(hadoopPath, true)) {
        out.write(bytes);
      }
      if (privateFile) {
        fs.setPermission(hadoopPath, new FsPermission((short) 0600));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  public void writeText(String path, String text) {
    write(path, text.getBytes(StandardCharsets.UTF_8), false);
  }

  /** An output stream replacing {@code path}; the caller closes it. */
  public OutputStream create(String path) {
    Path hadoopPath = new Path(path);
    try {
      return fileSystem(hadoopPath).create(hadoopPath, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  public boolean exists(String path) {
    Path hadoopPath = new Path(path);
    try {
      return fileSystem(hadoopPath).exists(hadoopPath);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + path + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code path} is a folder with at least one entry. */
  public boolean isNonEmptyFolder(String path) {
    Path hadoopPath = new Path(path);
    try {
      FileSystem fs = fileSystem(hadoopPath);
      if (!fs.exists(hadoopPath)) {
        return false;
      }
      FileStatus status = fs.getFileStatus(hadoopPath);
      return !status.isDirectory() || fs.listStatus(hadoopPath).length > 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + path + ": " + e.getMessage(), e);
    }
  }

  public void mkdirs(String path) {
    Path hadoopPath = new Path(path);
    try {
      if (!fileSystem(hadoopPath).mkdirs(hadoopPath)) {
        throw new IOException("mkdirs failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create folder " + path + ": " + e.getMessage(), e);
    }
  }

  /** Joins a folder and a file name the way Hadoop paths join. */
  public static String child(String folder, String name) {
    return new Path(new Path(folder), name).toString();
  }

  private FileSystem fileSystem(Path path) throws IOException {
    FileSystem fs = path.getFileSystem(hadoopConf);
    // Local files are keys, certificates and configuration read by people and other tools: no
    // .crc side files beside them.
    return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
  }
}
