package io.parley.jobs;

import io.parley.jobs.files.HadoopFiles;
import io.parley.protocols.federation.FederationDefinition;
import java.util.Properties;

/** Reads a federation definition through Hadoop's FileSystem; errors name the file. */
final class FederationFiles {
  private FederationFiles() {}

  static FederationDefinition read(HadoopFiles files, String path) {
    Properties properties = files.readProperties(path);
    return FederationDefinition.fromProperties(properties);
  }
}
