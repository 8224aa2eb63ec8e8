package io.parley.jobs;

import io.parley.jobs.files.HadoopFiles;
import io.parley.protocols.coordinator.CoordinatorConfig;
import java.util.Properties;

/** Builds the coordinator's configuration from its properties file; files are read through Hadoop. */
final class CoordinatorSettings {
  static final String LISTEN_KEY = "spark.parley.coordinator.listen";

  private CoordinatorSettings() {}

  static CoordinatorConfig config(HadoopFiles files, Properties properties, String confFile) {
    return CoordinatorConfig.fromProperties(properties, files::readBytes);
  }
}
