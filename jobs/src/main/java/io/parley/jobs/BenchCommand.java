package io.parley.jobs;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code parley bench}: end-to-end benchmarks (programs, not timed tests). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = "End-to-end benchmarks: secure against plaintext Spark on the same machine.",
    subcommands = {BenchAggregateCommand.class, BenchPsiCommand.class, BenchAuctionCommand.class})
public final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  public static void main(String[] args) {
    Cli.exit(new BenchCommand(), args);
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing benchmark: aggregate, psi or auction");
  }
}
