package io.parley.jobs;

import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the version Maven wrote into the jar manifest, or "development" from classes. */
final class ParleyVersion implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = ParleyVersion.class.getPackage().getImplementationVersion();
    return new String[] {"parley " + (version == null ? "development" : version)};
  }
}
