package io.parley.connector.join;

import io.parley.connector.config.ParleyConf;
import io.parley.connector.party.LocalTables;
import io.parley.connector.party.PartyRuntime;
import io.parley.connector.party.QueryGuard;
import io.parley.connector.party.QueryRefused;
import io.parley.protocols.ParleyException;
import io.parley.protocols.psi.IdentifierNormalizer;
import io.parley.protocols.psi.PsiVariant;
import io.parley.protocols.wire.PrivateJoin;
import io.parley.protocols.wire.PrivateJoinSide;
import io.parley.protocols.wire.PrivateJoinVariant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One party's reading of a {@link PrivateJoin}, checked before it joins: the message's shape (two
 * distinct parties of the federation, a known variant, who learns what), this party's own side
 * (a table its policy allows, an identifier column of STRING or integral type, a filter over the
 * table's own columns with deterministic built-ins only, as {@link QueryGuard} checks for
 * aggregates, and for a sum its column of integral or DECIMAL(p &lt;= 18) type) and its PSI policy.
 * The peer's side is the peer's to check: this party never reads it beyond its party name.
 */
final class JoinPlan {
  static final int VERSION = 1;

  private final PrivateJoin join;
  private final PrivateJoinSide mine;
  private final PrivateJoinSide theirs;
  private final String self;
  private final PsiVariant variant;
  private final String receiver;
  private final boolean learnsRows;
  private final boolean peerLearnsRows;
  private final IdentifierNormalizer normalizer;
  private final Dataset<Row> rows;
  private final StructType tableSchema;
  private final String identifierColumn;
  private final DataType identifierType;
  private final DataType sumType;

  private JoinPlan(PrivateJoin join, PrivateJoinSide mine, PrivateJoinSide theirs, String self, PsiVariant variant,
      String receiver, boolean learnsRows, boolean peerLearnsRows, IdentifierNormalizer normalizer, Dataset<Row> rows,
      StructType tableSchema, String identifierColumn, DataType identifierType, DataType sumType) {
    this.join = join;
    this.mine = mine;
    this.theirs = theirs;
    this.self = self;
    this.variant = variant;
    this.receiver = receiver;
    this.learnsRows = learnsRows;
    this.peerLearnsRows = peerLearnsRows;
    this.normalizer = normalizer;
    this.rows = rows;
    this.tableSchema = tableSchema;
    this.identifierColumn = identifierColumn;
    this.identifierType = identifierType;
    this.sumType = sumType;
  }

  /**
   * Checks {@code join} for the party of {@code spark} and resolves its side over its local part.
   *
   * @param initiating whether this party created the session (its side must be the initiator's)
   * @throws QueryRefused when the join or this party's policy refuses: its message is safe to show
   *     the peer
   */
  static JoinPlan resolve(SparkSession spark, PartyRuntime runtime, PrivateJoin join, boolean initiating) {
    String self = runtime.party();
    if (join.getVersion() != VERSION) {
      throw new QueryRefused("party " + self + " reads private joins of version " + VERSION + ", not "
          + join.getVersion());
    }
    PrivateJoinSide initiator = join.getInitiator();
    PrivateJoinSide responder = join.getResponder();
    if (initiator.getParty().equals(responder.getParty())) {
      throw new QueryRefused("a private join is between two distinct parties; both sides name party "
          + initiator.getParty());
    }
    for (PrivateJoinSide side : List.of(initiator, responder)) {
      if (!runtime.federation().hasParty(side.getParty())) {
        throw new QueryRefused("party " + self + " refuses a private join with '" + side.getParty()
            + "', which is not a party of federation " + runtime.federation().name());
      }
    }
    PrivateJoinSide mine = initiating ? initiator : responder;
    PrivateJoinSide theirs = initiating ? responder : initiator;
    if (!mine.getParty().equals(self)) {
      throw new QueryRefused("the private join names party " + mine.getParty() + " as the "
          + (initiating ? "initiator" : "responder") + ", not party " + self);
    }
    PsiVariant variant = variant(join.getVariant(), self);
    ParleyConf conf = runtime.conf();
    String receiver;
    boolean learnsRows = false;
    boolean peerLearnsRows = false;
    if (variant == PsiVariant.INTERSECTION) {
      Set<String> revealTo = new TreeSet<>(join.getRevealToList());
      if (revealTo.isEmpty() || !Set.of(self, theirs.getParty()).containsAll(revealTo)
          || revealTo.size() != join.getRevealToCount()) {
        throw new QueryRefused("a private join's intersection is revealed to one or both of its parties "
            + List.of(initiator.getParty(), responder.getParty()) + ", not to " + join.getRevealToList());
      }
      if (!revealTo.contains(initiator.getParty())) {
        throw new QueryRefused("a private join's intersection must be revealed to its initiator "
            + initiator.getParty());
      }
      if (!join.getReceiver().isEmpty() || !join.getSumColumn().isEmpty()) {
        throw new QueryRefused("an intersection names no receiver and no sum column");
      }
      if (!conf.get(ParleyConf.POLICY_PSI_REVEAL_INTERSECTION)) {
        throw new QueryRefused("party " + self + "'s policy does not let a private join reveal the intersection ("
            + ParleyConf.POLICY_PSI_REVEAL_INTERSECTION.key() + " = false); ask for its size or a sum instead");
      }
      learnsRows = revealTo.contains(self);
      peerLearnsRows = revealTo.contains(theirs.getParty());
      if (learnsRows && !initiating && conf.get(ParleyConf.PSI_OUTPUT_DIR).isEmpty()) {
        throw new QueryRefused("party " + self + " has nowhere to write the intersection revealed to it (set "
            + ParleyConf.PSI_OUTPUT_DIR.key() + ")");
      }
      receiver = initiator.getParty();
    } else {
      receiver = join.getReceiver();
      if (!receiver.equals(initiator.getParty()) && !receiver.equals(responder.getParty())) {
        throw new QueryRefused("the receiver of a private join's " + (variant == PsiVariant.CARDINALITY ? "size" : "sum")
            + " is one of its parties " + List.of(initiator.getParty(), responder.getParty()) + ", not '" + receiver + "'");
      }
      if (join.getRevealToCount() > 0) {
        throw new QueryRefused("a private join's size or sum reveals no rows; reveal_to must be empty");
      }
      if (variant == PsiVariant.CARDINALITY && !join.getSumColumn().isEmpty()) {
        throw new QueryRefused("a private join's size has no sum column");
      }
    }
    IdentifierNormalizer normalizer =
        IdentifierNormalizer.parse(join.getNormalization().isEmpty() ? "none" : join.getNormalization(),
            "the private join's normalization");

    String table = mine.getTable();
    if (!runtime.isFederated(table)) {
      throw new QueryRefused("party " + self + " has no federated table '" + table + "'");
    }
    if (!conf.policyAllowsTable(table)) {
      throw new QueryRefused("party " + self + "'s policy does not allow federated table " + table + " ("
          + ParleyConf.POLICY_TABLES.key() + " = " + String.join(",", conf.get(ParleyConf.POLICY_TABLES)) + ")");
    }
    runtime.federation().owner(table).filter(owner -> !owner.equals(self)).ifPresent(owner -> {
      throw new QueryRefused("federated table " + table + " is held by party " + owner + ", not party " + self);
    });
    StructType schema = runtime.tableSchema(table);
    StructField identifier = field(schema, table, mine.getIdentifierColumn(), "identifier column");
    if (!(identifier.dataType() instanceof org.apache.spark.sql.types.StringType) && !isIntegral(identifier.dataType())) {
      throw new QueryRefused("the identifier column " + table + "." + identifier.name() + " is "
          + identifier.dataType().simpleString() + "; a private join matches STRING or integral identifiers");
    }
    DataType sumType = null;
    // A sum without a column counts the sender's matched rows only (secure_count(*) over a join).
    if (variant == PsiVariant.INTERSECTION_SUM && !join.getSumColumn().isEmpty()) {
      // The sender's column type comes from the federation's (public) schema, so the receiver
      // decodes the sum the same way; each party checks only its own table's data.
      PrivateJoinSide sender = self.equals(receiver) ? theirs : mine;
      if (!runtime.isFederated(sender.getTable())) {
        throw new QueryRefused("the sender's table '" + sender.getTable() + "' is not a federated table");
      }
      StructField sum = field(runtime.tableSchema(sender.getTable()), sender.getTable(), join.getSumColumn(),
          "sum column");
      if (!isIntegral(sum.dataType())
          && !(sum.dataType() instanceof DecimalType decimal && decimal.precision() <= 18)) {
        throw new QueryRefused("the sum column " + sender.getTable() + "." + sum.name() + " is "
            + sum.dataType().simpleString() + "; a private join sums integral or DECIMAL(p <= 18) columns exactly");
      }
      sumType = sum.dataType();
    }
    String filter = mine.getFilterSql();
    if (!filter.isEmpty()) {
      QueryGuard.check(spark, table, schema, "filter", filter);
    }
    Dataset<Row> local = LocalTables.localPart(spark, table);
    Dataset<Row> selected;
    try {
      selected = filter.isEmpty() ? local : local.where(functions.expr(filter));
      if (!filter.isEmpty()) {
        for (org.apache.spark.sql.catalyst.expressions.Expression expression
            : scala.jdk.javaapi.CollectionConverters.asJava(selected.queryExecution().analyzed().expressions())) {
          QueryGuard.checkDeterministic(table, "filter", filter, expression);
        }
      }
    } catch (ParleyException refused) {
      throw refused;
    } catch (RuntimeException e) {
      throw new ParleyException("cannot resolve the filter '" + filter + "' over party " + self
          + "'s local part of federated table " + table + ": " + e.getMessage(), e);
    }
    return new JoinPlan(join, mine, theirs, self, variant, receiver, learnsRows, peerLearnsRows, normalizer, selected,
        schema, identifier.name(), identifier.dataType(), sumType);
  }

  private static PsiVariant variant(PrivateJoinVariant variant, String self) {
    return switch (variant) {
      case PRIVATE_JOIN_VARIANT_INTERSECTION -> PsiVariant.INTERSECTION;
      case PRIVATE_JOIN_VARIANT_SIZE -> PsiVariant.CARDINALITY;
      case PRIVATE_JOIN_VARIANT_SUM -> PsiVariant.INTERSECTION_SUM;
      default -> throw new QueryRefused("party " + self + " does not know the private join variant " + variant);
    };
  }

  private static StructField field(StructType schema, String table, String column, String what) {
    for (StructField field : schema.fields()) {
      if (field.name().equalsIgnoreCase(column)) {
        return field;
      }
    }
    throw new QueryRefused("the " + what + " '" + column + "' is not a column of federated table " + table);
  }

  static boolean isIntegral(DataType type) {
    return type.equals(DataTypes.LongType) || type.equals(DataTypes.IntegerType) || type.equals(DataTypes.ShortType)
        || type.equals(DataTypes.ByteType);
  }

  PrivateJoin join() {
    return join;
  }

  String self() {
    return self;
  }

  String peer() {
    return theirs.getParty();
  }

  PsiVariant variant() {
    return variant;
  }

  /** Who counts (size, sum) or the initiator (intersection): what both sign in the session layout. */
  String receiver() {
    return receiver;
  }

  boolean isReceiver() {
    return self.equals(receiver);
  }

  /** Intersection: this party learns which of its rows are common. */
  boolean learnsRows() {
    return learnsRows;
  }

  /** Intersection: the peer learns which of its rows are common (so this party returns its points in order). */
  boolean peerLearnsRows() {
    return peerLearnsRows;
  }

  /** Sum: this party is the sender, whose column is summed. */
  boolean sums() {
    return variant == PsiVariant.INTERSECTION_SUM && !isReceiver();
  }

  IdentifierNormalizer normalizer() {
    return normalizer;
  }

  String table() {
    return mine.getTable();
  }

  /** The identifier column's name as the federation's schema spells it. */
  String identifierColumn() {
    return identifierColumn;
  }

  String sumColumn() {
    return join.getSumColumn();
  }

  DataType identifierType() {
    return identifierType;
  }

  /** Sum: the type of the sender's summed column (both parties know it from the federation); null to count only. */
  DataType sumType() {
    return sumType;
  }

  /** This party's rows of the join (its local part after its filter), every column of the table. */
  Dataset<Row> rows() {
    return rows;
  }

  /** The identifier (and, for the sender of a sum over a column, that column) of {@link #rows}. */
  Dataset<Row> keyColumns() {
    Column identifier = functions.col(quoted(identifierColumn()));
    return sums() && sumType != null ? rows.select(identifier, functions.col(quoted(sumColumn()))) : rows.select(identifier);
  }

  StructType tableSchema() {
    return tableSchema;
  }

  String description() {
    return join.getDescription().isEmpty() ? "private join" : join.getDescription();
  }

  private static String quoted(String column) {
    return "`" + column.replace("`", "``") + "`";
  }
}
