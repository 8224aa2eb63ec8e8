package io.parley.jobs;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code parley <command>}: the launcher's entry point; each command is also its own main class. */
@Command(
    name = "parley",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = "Federated secure analytics for Apache Spark.",
    subcommands = {
      InitCommand.class,
      CoordinatorCommand.class,
      PartyCommand.class,
      SqlCommand.class,
      PsiCommand.class,
      AuctionCommand.class,
      HelperCommand.class,
      DemoCommand.class,
      BenchCommand.class
    })
public final class Main implements Runnable {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  public static void main(String[] args) {
    Cli.exit(new Main(), args);
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command: one of init, coordinator, party, sql, psi, auction, helper, demo, bench");
  }
}
