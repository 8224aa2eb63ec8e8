package io.parley.jobs;

import io.parley.jobs.files.HadoopFiles;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code parley init}: writes a development federation (CA, certificates, keys, confs, definition). */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Writes a development federation (CA, certificates, keys, confs).",
      "",
      "Into DIR: a CA (ca.pem, ca.key), a certificate and PKCS#8 key per party and for the "
          + "coordinator, federation.properties (parties and table schemas), coordinator.conf and one "
          + "<party>.conf per party (Spark properties files with absolute paths).",
      ""
    })
public final class InitCommand implements Callable<Integer> {
  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Folder to write (any Hadoop path).")
  String dir;

  @Option(
      names = "--parties",
      required = true,
      split = ",",
      paramLabel = "NAME",
      description = "Party names, comma separated (each matches [a-z][a-z0-9_-]{0,31}).")
  List<String> parties;

  @Option(
      names = "--table",
      required = true,
      paramLabel = "NAME=SCHEMA",
      converter = TableSchemaOption.Converter.class,
      description = "A federated table and its Spark DDL schema, e.g. 'sales=region STRING, amount DECIMAL(12,2)'. Repeatable.")
  List<TableSchemaOption> tables = new ArrayList<>();

  @Option(
      names = "--compute-parties",
      split = ",",
      paramLabel = "NAME",
      description = "The three parties that compute on secret shares (auctions, helpers), comma separated; "
          + "writes federation.computeParties. Default: none.")
  List<String> computeParties = new ArrayList<>();

  @Option(
      names = "--coordinator",
      paramLabel = "HOST:PORT",
      converter = HostPort.Converter.class,
      description = "Where the coordinator listens and parties dial (default: ${DEFAULT-VALUE}).")
  HostPort coordinator = DevFederation.DEFAULT_COORDINATOR;

  @Option(
      names = "--federation",
      paramLabel = "NAME",
      description = "Federation name, in every certificate subject and key derivation (default: ${DEFAULT-VALUE}).")
  String federation = DevFederation.DEFAULT_NAME;

  @Option(names = "--force", description = "Write into DIR even if it is not empty, replacing files.")
  boolean force;

  @Mixin VerboseOption verbose;
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    Cli.exit(new InitCommand(), args);
  }

  @Override
  public Integer call() {
    Map<String, String> schemas = new LinkedHashMap<>();
    for (TableSchemaOption table : tables) {
      if (schemas.put(table.table(), table.ddl()) != null) {
        throw new UsageException("table '" + table.table() + "' is given twice with --table");
      }
    }
    DevFederation written =
        DevFederation.write(HadoopFiles.withDefaults(), dir, federation, parties, computeParties, schemas, coordinator, force,
            new SecureRandom());
    PrintWriter out = spec.commandLine().getOut();
    out.println("federation " + federation + " written to " + written.dir());
    out.println("  coordinator: parley coordinator --conf " + written.coordinatorConf());
    for (String party : parties) {
      out.println("  " + party + ": parley party --conf " + written.partyConf(party) + " --table NAME=PATH");
    }
    out.flush();
    return Cli.EXIT_OK;
  }
}
