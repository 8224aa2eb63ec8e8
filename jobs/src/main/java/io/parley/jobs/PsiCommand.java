package io.parley.jobs;

import io.parley.connector.join.PrivateJoins;
import io.parley.jobs.files.HadoopFiles;
import io.parley.jobs.output.ResultTable;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.PrivateJoinSide;
import io.parley.protocols.wire.PrivateJoinVariant;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code parley psi}: one private join with another party (ECDH-PSI on both parties' Spark
 * executors). Also a {@code spark-submit} main class ({@code --class io.parley.jobs.PsiCommand}).
 */
@Command(
    name = "psi",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Runs a private join (private set intersection) with another party.",
      "",
      "Neither party sees the other's identifiers. --variant intersection writes this party's rows whose "
          + "identifier the other party also holds (both parties' policies must allow it: "
          + "spark.parley.policy.psi.revealIntersection=true); size writes the number of common "
          + "identifiers; sum writes that number, the other party's matching rows and the sum of its "
          + "--sum-column over them. The other party's responder (parley party) must be running.",
      ""
    })
public final class PsiCommand implements Callable<Integer> {
  /** What the join reveals; see the command's description. */
  enum Variant {
    intersection,
    size,
    sum
  }

  /** Output formats of the result. */
  enum Format {
    parquet,
    csv
  }

  @Mixin PartyOptions party;

  @Option(names = "--from", paramLabel = "TABLE",
      description = "This party's federated table (default: the one table given with --table).")
  String table;

  @Option(names = "--with", required = true, paramLabel = "PARTY:TABLE",
      description = "The other party and its federated table.")
  String with;

  @Option(names = "--on", required = true, paramLabel = "COLUMN[=COLUMN]",
      description = "The identifier column: the same name at both, or this party's=the other party's.")
  String on;

  @Option(names = "--variant", paramLabel = "V",
      description = "intersection, size or sum (default: ${DEFAULT-VALUE}).")
  Variant variant = Variant.size;

  @Option(names = "--sum-column", paramLabel = "C", description = "sum: the other party's column to sum.")
  String sumColumn;

  @Option(names = "--where", paramLabel = "SQL", description = "A filter over this party's table.")
  String where = "";

  @Option(names = "--their-where", paramLabel = "SQL",
      description = "A filter over the other party's table (it checks and applies it).")
  String theirWhere = "";

  @Option(names = "--normalize", paramLabel = "STEPS",
      description = "Identifier normalization before matching: a comma list of trim, lowercase, nfc, or none "
          + "(default: ${DEFAULT-VALUE}).")
  String normalize = "none";

  @Option(names = "--reveal-to-both",
      description = "intersection: the other party learns its own matching rows too (its responder writes them "
          + "under its spark.parley.psi.outputDir).")
  boolean revealToBoth;

  @Option(names = "--output", paramLabel = "PATH",
      description = "Write the result here (a Spark output folder; any Hadoop path). Required for intersection.")
  String output;

  @Option(names = "--format", paramLabel = "F", description = "parquet or csv (default: ${DEFAULT-VALUE}).")
  Format format = Format.parquet;

  @Option(names = "--description", paramLabel = "TEXT", description = "Names the join in logs and the Spark UI.")
  String description;

  @Mixin VerboseOption verbose;
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    Cli.exit(new PsiCommand(), args);
  }

  @Override
  public Integer call() {
    if (variant == Variant.intersection && output == null) {
      throw new UsageException("--variant intersection writes rows: give --output PATH");
    }
    if ((variant == Variant.sum) != (sumColumn != null)) {
      throw new UsageException(variant == Variant.sum ? "--variant sum needs --sum-column" : "--sum-column belongs to --variant sum");
    }
    if (revealToBoth && variant != Variant.intersection) {
      throw new UsageException("--reveal-to-both belongs to --variant intersection");
    }
    int colon = with.indexOf(':');
    if (colon <= 0 || colon == with.length() - 1) {
      throw new UsageException("--with '" + with + "' is not PARTY:TABLE");
    }
    String peer = with.substring(0, colon).strip();
    String peerTable = with.substring(colon + 1).strip();
    String[] columns = on.split("=", -1);
    if (columns.length > 2 || columns[0].isBlank() || columns[columns.length - 1].isBlank()) {
      throw new UsageException("--on '" + on + "' is not COLUMN or COLUMN=COLUMN");
    }
    String ownTable = table;
    if (ownTable == null) {
      List<TableMapping> tables = party.tables();
      if (tables.size() != 1) {
        throw new UsageException("give --from TABLE: " + (tables.isEmpty() ? "no --table is given" : "several --table are given"));
      }
      ownTable = tables.get(0).table();
    }
    SparkSession spark = party.openSession("parley psi");
    try {
      String self = spark.conf().get(PartyTables.PARTY_KEY);
      PrivateJoin.Builder join = PrivateJoin.newBuilder()
          .setVersion(1)
          .setInitiator(PrivateJoinSide.newBuilder().setParty(self).setTable(ownTable)
              .setIdentifierColumn(columns[0].strip()).setFilterSql(where))
          .setResponder(PrivateJoinSide.newBuilder().setParty(peer).setTable(peerTable)
              .setIdentifierColumn(columns[columns.length - 1].strip()).setFilterSql(theirWhere))
          .setNormalization(normalize)
          .setDescription(description != null ? description
              : String.format(Locale.ROOT, "private join %s.%s with %s.%s (%s)", self, ownTable, peer, peerTable, variant));
      switch (variant) {
        case intersection -> {
          join.setVariant(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_INTERSECTION).addRevealTo(self);
          if (revealToBoth) {
            join.addRevealTo(peer);
          }
        }
        case size -> join.setVariant(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SIZE).setReceiver(self);
        case sum -> join.setVariant(PrivateJoinVariant.PRIVATE_JOIN_VARIANT_SUM).setReceiver(self)
            .setSumColumn(sumColumn.strip());
      }
      Dataset<Row> result = PrivateJoins.runAsInitiator(spark, join.build());
      PrintWriter out = spec.commandLine().getOut();
      if (variant == Variant.intersection) {
        write(result);
        out.printf(Locale.ROOT, "%,d rows of %s are in the intersection; written to %s%n", result.count(), ownTable, output);
      } else {
        out.print(ResultTable.collect(result).render());
        if (output != null) {
          write(result.coalesce(1));
        }
      }
      out.flush();
      return Cli.EXIT_OK;
    } finally {
      spark.stop();
    }
  }

  private void write(Dataset<Row> result) {
    String path = HadoopFiles.absolute(output);
    if (format == Format.csv) {
      result.write().option("header", "true").csv(path);
    } else {
      result.write().parquet(path);
    }
  }
}
