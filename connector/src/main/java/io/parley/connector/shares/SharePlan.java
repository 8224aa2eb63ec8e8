package io.parley.connector.shares;

import io.parley.connector.config.ParleyConf;
import io.parley.connector.functions.CallStatistics;
import io.parley.connector.functions.SecureFunction;
import io.parley.connector.party.QueryLayout;
import io.parley.connector.party.QueryRefused;
import io.parley.protocols.ParleyException;
import io.parley.protocols.wire.AggregateCall;
import io.parley.protocols.wire.FederatedAggregate;
import io.parley.protocols.wire.ShareQuery;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;

/**
 * What every compute party derives from the ShareQuery with the same code: the layout (the
 * spec's calls plus an internal row count for suppression), the percentages of percentile calls,
 * and the digest the coordinator compares.
 */
final class SharePlan {
  private static final String DIGEST_LABEL = "parley/v1/share-aggregate";
  /** The internal call that counts each group's rows, for suppression. */
  private static final String INTERNAL_ROW_COUNT = SecureFunction.COUNT.sqlName();

  final ShareQuery query;
  final QueryLayout layout;
  /** Calls of the user's spec; the internal row count follows them. */
  final int userCalls;
  /** Per call: its percentage (median 0.5), or NaN for other calls. */
  final double[] percentages;
  final byte[] digest;

  private SharePlan(ShareQuery query, QueryLayout layout, int userCalls, double[] percentages, byte[] digest) {
    this.query = query;
    this.layout = layout;
    this.userCalls = userCalls;
    this.percentages = percentages;
    this.digest = digest;
  }

  static SharePlan resolve(SparkSession spark, ShareQuery query) {
    if (!query.hasAggregate()) {
      throw new ParleyException("a ShareQuery for an aggregate carries no FederatedAggregate");
    }
    if (query.getPartitions() < 1 || query.getPartitions() > 4096) {
      throw new QueryRefused("a ShareQuery asks for " + query.getPartitions() + " partitions, not 1..4096 ("
          + ParleyConf.MPC_PARTITIONS.key() + ")");
    }
    FederatedAggregate spec = query.getAggregate();
    double[] percentages = new double[spec.getAggregatesCount()];
    for (int c = 0; c < spec.getAggregatesCount(); c++) {
      AggregateCall call = spec.getAggregates(c);
      SecureFunction function = SecureFunction.bySqlName(call.getFunction()).orElse(null);
      percentages[c] = Double.NaN;
      if (function == SecureFunction.MEDIAN) {
        percentages[c] = 0.5;
      } else if (function == SecureFunction.PERCENTILE) {
        percentages[c] = literalPercentage(spark, spec, call);
      }
    }
    FederatedAggregate withRowCount =
        spec.toBuilder().addAggregates(AggregateCall.newBuilder().setFunction(INTERNAL_ROW_COUNT)).build();
    QueryLayout layout = QueryLayout.resolve(spark, withRowCount, true);
    return new SharePlan(query, layout, spec.getAggregatesCount(), percentages, digest(layout.digest(), query));
  }

  private static double literalPercentage(SparkSession spark, FederatedAggregate spec, AggregateCall call) {
    String name = SecureFunction.PERCENTILE.sqlName();
    if (call.getArgumentSqlCount() != 2) {
      throw new QueryRefused(name + " over federated table " + spec.getTable() + " takes 2 arguments, got "
          + call.getArgumentSqlCount());
    }
    String sql = call.getArgumentSql(1);
    Expression parsed;
    try {
      parsed = spark.sessionState().sqlParser().parseExpression(sql);
    } catch (org.apache.spark.sql.catalyst.parser.ParseException | RuntimeException e) {
      throw new QueryRefused(name + "'s percentage '" + sql + "' is not a literal");
    }
    if (!(parsed instanceof Literal literal) || !(literal.value() instanceof Double p) || !(p >= 0.0 && p <= 1.0)) {
      throw new QueryRefused(name + "'s percentage '" + sql + "' is not a DOUBLE literal in [0, 1]");
    }
    return p;
  }

  private static byte[] digest(byte[] layoutDigest, ShareQuery query) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(DIGEST_LABEL.getBytes(StandardCharsets.UTF_8));
      sha256.update(layoutDigest);
      sha256.update(ByteBuffer.allocate(16).putLong(query.getMinGroupSize()).putLong(query.getPartitions()).array());
      return sha256.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new ParleyException("SHA-256 is not available in this JVM", e);
    }
  }

  CallStatistics call(int c) {
    return layout.calls().get(c);
  }

  int rowCountCall() {
    return userCalls;
  }

  boolean grouped() {
    return layout.spec().getGroupBySqlCount() > 0;
  }
}
