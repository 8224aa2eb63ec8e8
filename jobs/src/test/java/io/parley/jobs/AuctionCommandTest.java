package io.parley.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.auction.AuctionOutcome;
import io.parley.jobs.files.HadoopFiles;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.wire.AuctionRule;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley auction}, {@code parley helper} and {@code parley init --compute-parties}: parsing,
 * help, the printed outcome and the one-line refusals that come before any Spark session.
 */
class AuctionCommandTest {
  static final String BIDS = "bids=bid_id STRING, amount DECIMAL(12,2)";

  @TempDir Path temp;

  private Path init(String parties, String... extra) {
    Path dir = temp.resolve("fed-" + parties.replace(',', '-') + extra.length);
    List<String> args = new java.util.ArrayList<>(List.of("init", "--dir", dir.toString(), "--parties", parties, "--table", BIDS));
    args.addAll(List.of(extra));
    CliRun run = CliRun.parley(args.toArray(new String[0]));
    assertEquals(0, run.exitCode(), run::toString);
    return dir;
  }

  private static void assertOneLine(CliRun run, int exit, String line) {
    assertEquals(exit, run.exitCode(), run::toString);
    assertEquals(List.of(line), run.errLines(), run::toString);
  }

  @Test
  void helpStatesTheFlagsTheTieRuleThePriceAndWhatIsRevealed() {
    String help = CliRun.parley("auction", "--help").out().replaceAll("\\s+", " ");
    for (String text : List.of("--conf=FILE", "--table=NAME=PATH", "--bids=TABLE", "--bid-id=COLUMN", "--amount=COLUMN",
        "--rule=RULE", "party whose name sorts first", "smaller bid id", "or 0 when the winning bid is the only bid",
        "no reserve price", "Reveals:")) {
      assertTrue(help.contains(text), () -> text + " missing from\n" + help);
    }
    String helper = CliRun.parley("helper", "--help").out();
    assertTrue(helper.contains("--conf=FILE") && helper.contains("--set=KEY=VALUE") && !helper.contains("--table"), helper);
    assertTrue(CliRun.parley("--help").out().contains("auction") && CliRun.parley("--help").out().contains("helper"));
    assertTrue(CliRun.parley("init", "--help").out().contains("--compute-parties=NAME"));
  }

  @Test
  void badRuleIsAUsageErrorNamingIt() {
    CliTest.assertUsageError(CliRun.parley("auction", "--conf", "x.conf", "--rule", "third-price"), "third-price");
  }

  @Test
  void aFederationWithoutComputePartiesIsRefusedInOneLine() {
    Path dir = init("alpha,beta,gamma,delta");
    String federation = dir.resolve("federation.properties").toString();
    assertOneLine(CliRun.parley("auction", "--conf", dir.resolve("alpha.conf").toString()), Cli.EXIT_USAGE,
        "parley: party alpha cannot run an auction: federation parley-dev names no compute parties (set "
            + "federation.computeParties in " + federation + ")");
    assertOneLine(CliRun.parley("helper", "--conf", dir.resolve("gamma.conf").toString()), Cli.EXIT_USAGE,
        "parley: party gamma cannot run as a helper: federation parley-dev names no compute parties (set "
            + "federation.computeParties in " + federation + ")");
  }

  @Test
  void aPartyOutsideTheComputePartiesAndAnUnknownTableAreRefusedInOneLine() {
    Path dir = init("alpha,beta,gamma,delta", "--compute-parties", "gamma,alpha,beta");
    String federation = dir.resolve("federation.properties").toString();
    FederationDefinition written = FederationFiles.read(HadoopFiles.withDefaults(), federation);
    assertEquals(List.of("alpha", "beta", "gamma"), written.computeParties());
    assertOneLine(CliRun.parley("helper", "--conf", dir.resolve("delta.conf").toString()), Cli.EXIT_USAGE,
        "parley: party delta cannot run as a helper: it is not one of federation.computeParties alpha,beta,gamma ("
            + federation + ")");
    assertOneLine(CliRun.parley("auction", "--conf", dir.resolve("delta.conf").toString()), Cli.EXIT_USAGE,
        "parley: party delta cannot run an auction: it is not one of federation.computeParties alpha,beta,gamma ("
            + federation + ")");
    assertOneLine(CliRun.parley("auction", "--conf", dir.resolve("alpha.conf").toString(), "--bids", "offers"), Cli.EXIT_USAGE,
        "parley: --bids offers: federation parley-dev declares no table offers (" + federation + ")");
    assertOneLine(CliRun.parley("auction", "--conf", dir.resolve("alpha.conf").toString(), "--table", "offers=/tmp/o.csv"),
        Cli.EXIT_USAGE, "parley: unknown table 'offers' in --table: federation parley-dev has tables bids (" + federation + ")");
  }

  @Test
  void initRefusesComputePartiesThatAreNotThreeOfItsParties() {
    assertOneLine(CliRun.parley("init", "--dir", temp.resolve("two").toString(), "--parties", "alpha,beta,gamma", "--table", BIDS,
            "--compute-parties", "alpha,beta"), Cli.EXIT_USAGE,
        "parley: --compute-parties names alpha,beta; share arithmetic needs exactly 3 distinct compute parties");
    assertOneLine(CliRun.parley("init", "--dir", temp.resolve("other").toString(), "--parties", "alpha,beta,gamma", "--table",
            BIDS, "--compute-parties", "alpha,beta,omega"), Cli.EXIT_USAGE,
        "parley: --compute-parties names 'omega', which is not one of --parties alpha,beta,gamma");
  }

  @Test
  void theOutcomeIsPrintedAsLinesAndNoBidsSaysSo() {
    assertEquals("auction over table bids, second-price\nwinner: beta\nbid: b-17\nprice: 120.50\n",
        AuctionCommand.render(new AuctionOutcome("beta", "b-17", new BigDecimal("120.50"), AuctionRule.AUCTION_RULE_SECOND_PRICE),
            "bids"));
    assertEquals("auction over table bids, first-price\nno bids\n",
        AuctionCommand.render(AuctionOutcome.nobodyBid(AuctionRule.AUCTION_RULE_FIRST_PRICE), "bids"));
  }

  @Test
  void theHelperDropsAnyLocalTableFromItsSettings() {
    Path dir = init("alpha,beta,gamma", "--compute-parties", "alpha,beta,gamma");
    HelperCommand helper = new HelperCommand();
    helper.confFile = dir.resolve("gamma.conf").toString();
    helper.settings.put("spark.parley.table.bids.path", "/data/gamma/bids.csv");
    org.apache.spark.SparkConf conf = helper.sparkConf();
    assertTrue(!conf.contains("spark.parley.table.bids.path"), conf.toDebugString());
    assertEquals("gamma", conf.get("spark.parley.party"));
  }
}
