package io.parley.jobs;

import io.parley.connector.auction.AuctionOutcome;
import io.parley.connector.auction.SealedBidAuctions;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.wire.AuctionRule;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code parley auction}: one sealed-bid auction over a federated table of bids, run as this party. */
@Command(
    name = "auction",
    mixinStandardHelpOptions = true,
    versionProvider = ParleyVersion.class,
    description = {
      "Runs a sealed-bid auction over the federation's bids as one of its compute parties.",
      "",
      "The federation must name federation.computeParties (three parties; one may be a 'parley "
          + "helper' with no bids); every other party bids as an input party. Each party finds its two "
          + "highest bids with Spark and checks them (ids unique, not null, at most 254 UTF-8 bytes; "
          + "amounts not null and 0 or more); input parties send the compute parties shares of their "
          + "top two amounts and top bid id, then the three decide the winner and the price on secret shares.",
      "",
      "Winner: the highest amount. Equal amounts at different parties go to the party whose name "
          + "sorts first; at one party, to the smaller bid id (STRING ids in Spark's order, by UTF-8 "
          + "bytes; integral ids numerically).",
      "Price: first-price, the winning amount; second-price, the highest other bid (equal to the "
          + "winning amount when another bid ties it), or 0 when the winning bid is the only bid "
          + "(no reserve price). No bids at all prints 'no bids'.",
      "Reveals: to this party, the winning party, bid id and price; to every compute party, which "
          + "party won; to an input party, nothing; to the coordinator, nothing but sizes and timing.",
      ""
    })
public final class AuctionCommand implements Callable<Integer> {
  @Mixin PartyOptions party;

  @Option(names = "--bids", paramLabel = "TABLE", description = "The federated table of bids (default: ${DEFAULT-VALUE}).")
  String table = "bids";

  @Option(names = "--bid-id", paramLabel = "COLUMN", description = "Its bid id column, STRING or integral (default: ${DEFAULT-VALUE}).")
  String bidId = "bid_id";

  @Option(
      names = "--amount",
      paramLabel = "COLUMN",
      description = "Its amount column, integral or DECIMAL(p<=18) (default: ${DEFAULT-VALUE}).")
  String amount = "amount";

  @Option(
      names = "--rule",
      paramLabel = "RULE",
      converter = RuleConverter.class,
      description = "first-price or second-price (default: second-price).")
  AuctionRule rule = AuctionRule.AUCTION_RULE_SECOND_PRICE;

  @Option(names = "--description", paramLabel = "TEXT", description = "Shown to the other parties with the invitation.")
  String description;

  @Mixin VerboseOption verbose;
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    Cli.exit(new AuctionCommand(), args);
  }

  @Override
  public Integer call() {
    SparkConf conf = party.sparkConf("parley auction");
    String federationPath = conf.get(PartyTables.FEDERATION_KEY);
    FederationDefinition federation = PartyTables.federation(federationPath);
    if (!federation.hasTable(table)) {
      throw new UsageException("--bids " + table + ": federation " + federation.name() + " declares no table " + table
          + " (" + federationPath + ")");
    }
    HelperCommand.requireComputeParty(federation, conf.get(PartyTables.PARTY_KEY), federationPath, "run an auction");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    try {
      AuctionOutcome outcome = SealedBidAuctions.runAsInitiator(spark,
          SealedBidAuctions.auction(table, bidId, amount, rule,
              description != null ? description : "parley auction over " + table));
      PrintWriter out = spec.commandLine().getOut();
      out.print(render(outcome, table));
      out.flush();
      return Cli.EXIT_OK;
    } finally {
      spark.stop();
    }
  }

  /** The outcome as printed: a heading, then {@code winner:}, {@code bid:} and {@code price:} lines, or {@code no bids}. */
  static String render(AuctionOutcome outcome, String table) {
    StringBuilder text = new StringBuilder();
    text.append("auction over table ").append(table).append(", ").append(SealedBidAuctions.ruleName(outcome.rule())).append('\n');
    if (outcome.noBids()) {
      text.append("no bids\n");
    } else {
      text.append("winner: ").append(outcome.winnerParty()).append('\n');
      text.append("bid: ").append(outcome.winnerBidId()).append('\n');
      text.append("price: ").append(outcome.price().toPlainString()).append('\n');
    }
    return text.toString();
  }

  /** {@code first-price} or {@code second-price}. */
  static final class RuleConverter implements ITypeConverter<AuctionRule> {
    @Override
    public AuctionRule convert(String value) {
      try {
        return SealedBidAuctions.rule(value);
      } catch (RuntimeException e) {
        throw new TypeConversionException("'" + value + "' is not an auction rule: first-price or second-price");
      }
    }
  }
}
