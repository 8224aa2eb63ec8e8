package io.parley.connector.shares;

import io.parley.connector.functions.CallStatistics;
import io.parley.connector.functions.SecureFunction;
import io.parley.protocols.mpc.ArithmeticShares;
import io.parley.protocols.mpc.BooleanShares;
import io.parley.protocols.mpc.ReplicatedParty;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The engine work of one aggregate, the same at the three parties. Every party's words enter as
 * shares; a comparing call's candidate from party p is (key, x, x-null) with an absent flag, and
 * two candidates combine by "take the right one if its key wins, or if the left one is absent
 * and the right one is not", so a real value equal to the sentinel still wins.
 */
final class ShareComputation {
  /** What is opened to the initiator: per reported group, the pooled linear words and the compared results. */
  record Opened(SharePlan plan, int reported, long[] pooled, long[] compared, long[] absent) {
    /** Call {@code c}'s result for reported group {@code r}. */
    Object result(int c, int r, PercentileCalls percentiles) {
      CallStatistics call = plan.call(c);
      if (call.linear()) {
        int w = plan.layout.wordsPerGroup();
        return call.finish(pooled, r * w + plan.layout.firstWords()[c]);
      }
      if (!Double.isNaN(plan.percentages[c])) {
        return percentiles.result(c, r);
      }
      int slot = compareSlot(plan, c);
      int columns = COMPARED_COLUMNS;
      return call.finishCompared(compared[(slot * columns) * reported + r], compared[(slot * columns + 1) * reported + r],
          compared[(slot * columns + 2) * reported + r] != 0, absent[slot * reported + r] != 0);
    }
  }

  /** Per comparing call: key, x, x-null. */
  static final int COMPARED_COLUMNS = 3;
  private final ReplicatedParty engine;
  private final SharePlan plan;
  private final int groups;
  private final int w;
  private final int self;
  private final List<Integer> comparingCalls = new ArrayList<>();
  /** Per input: the three compute parties' (by engine id), then the input parties' (sorted). */
  private final ArithmeticShares[] inputs;
  private final BooleanShares[] absentInputs;
  private ArithmeticShares sums;

  /**
   * @param inputParties how many input parties (data owners that do not compute) send their words
   */
  ShareComputation(ReplicatedParty engine, SharePlan plan, int groups, int w, int self, int inputParties) {
    this.engine = engine;
    this.plan = plan;
    this.groups = groups;
    this.w = w;
    this.self = self;
    this.inputs = new ArithmeticShares[ReplicatedParty.PARTIES + inputParties];
    this.absentInputs = new BooleanShares[ReplicatedParty.PARTIES + inputParties];
    for (int c = 0; c < plan.userCalls; c++) {
      if (extremeCall(plan.call(c))) {
        comparingCalls.add(c);
      }
    }
  }

  static boolean extremeCall(CallStatistics call) {
    return call.words() > 0 && !call.linear();
  }

  /** The position of call {@code c} among the comparing calls with words. */
  static int compareSlot(SharePlan plan, int c) {
    int slot = 0;
    for (int other = 0; other < c; other++) {
      if (extremeCall(plan.call(other))) {
        slot++;
      }
    }
    return slot;
  }

  /** The absent flags of the comparing calls within a party's columns: slot s at {@code s * groups}. */
  static long[] absentFlags(SharePlan plan, long[] columns, int groups) {
    List<Integer> comparing = new ArrayList<>();
    for (int c = 0; c < plan.userCalls; c++) {
      if (extremeCall(plan.call(c))) {
        comparing.add(c);
      }
    }
    long[] absent = new long[comparing.size() * groups];
    for (int s = 0; s < comparing.size(); s++) {
      int c = comparing.get(s);
      int absentWord = plan.layout.firstWords()[c] + plan.call(c).words() - 1;
      System.arraycopy(columns, absentWord * groups, absent, s * groups, groups);
    }
    return absent;
  }

  /** How many absent-flag words {@link #absentFlags} gives for {@code groups} groups. */
  int absentWords() {
    return comparingCalls.size() * groups;
  }

  /**
   * Every compute party shares its columns (and, as boolean shares, the absent flags of its
   * extremes); the input parties' shares, received by the caller, join them in the order given.
   */
  void share(long[] ownColumns, List<ArithmeticShares> inputPartyColumns, List<BooleanShares> inputPartyAbsent) {
    if (inputPartyColumns.size() != inputs.length - ReplicatedParty.PARTIES
        || inputPartyAbsent.size() != inputPartyColumns.size()) {
      throw new IllegalArgumentException("expected the shares of " + (inputs.length - ReplicatedParty.PARTIES)
          + " input parties");
    }
    long[] ownAbsent = absentFlags(plan, ownColumns, groups);
    for (int p = 0; p < ReplicatedParty.PARTIES; p++) {
      inputs[p] = engine.shareInput(p, p == self ? ownColumns : null, groups * w);
    }
    for (int p = 0; p < ReplicatedParty.PARTIES; p++) {
      absentInputs[p] = engine.shareBooleanInput(p, p == self ? ownAbsent : null, ownAbsent.length);
    }
    for (int i = 0; i < inputPartyColumns.size(); i++) {
      inputs[ReplicatedParty.PARTIES + i] = inputPartyColumns.get(i);
      absentInputs[ReplicatedParty.PARTIES + i] = inputPartyAbsent.get(i);
    }
    ArithmeticShares total = inputs[0];
    for (int p = 1; p < inputs.length; p++) {
      total = engine.add(total, inputs[p]);
    }
    sums = total;
  }

  /** The groups whose pooled row count is at least {@code k}; only the comparison bit is opened, to all three. */
  int[] reportedGroups(long k) {
    int first = plan.layout.firstWords()[plan.rowCountCall()];
    // A count's two words: the low 32-bit limb and the signed rest (Limbs), recombined on shares.
    ArithmeticShares low = sums.slice(first * groups, groups);
    ArithmeticShares high = sums.slice((first + 1) * groups, groups);
    ArithmeticShares count = engine.add(low, engine.multiplyPublic(high, 1L << 32));
    BooleanShares small = engine.lessThanZero(engine.addPublic(count, -k));
    long[] bits = engine.reveal(small, 0, 1, 2).orElseThrow();
    List<Integer> kept = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      if ((bits[g] & 1L) == 0) {
        kept.add(g);
      }
    }
    return kept.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Compares the extremes of the reported groups and opens the results to {@code resultParty} only. */
  Optional<Opened> results(int[] reported, int resultParty) {
    int r = reported.length;
    int slots = comparingCalls.size();
    ArithmeticShares pooledLinear = gatherGroupMajor(sums, reported);
    ArithmeticShares compared = null;
    BooleanShares absent = null;
    if (slots > 0 && r > 0) {
      Candidates best = candidates(0, reported);
      for (int p = 1; p < inputs.length; p++) {
        best = combine(best, candidates(p, reported));
      }
      compared = best.values;
      absent = best.absent;
    }
    Optional<long[]> pooled = engine.reveal(pooledLinear, resultParty);
    Optional<long[]> comparedValues = compared == null ? Optional.of(new long[0]) : engine.reveal(compared, resultParty);
    Optional<long[]> absentBits = absent == null ? Optional.of(new long[0]) : engine.reveal(absent, resultParty);
    if (self != resultParty) {
      return Optional.empty();
    }
    long[] bits = absentBits.orElseThrow();
    for (int i = 0; i < bits.length; i++) {
      bits[i] &= 1L;
    }
    return Optional.of(new Opened(plan, r, pooled.orElseThrow(), comparedValues.orElseThrow(), bits));
  }

  /** The words of the user's linear calls, group-major (group r at {@code r * w}); other words are zero. */
  private ArithmeticShares gatherGroupMajor(ArithmeticShares shares, int[] reported) {
    int r = reported.length;
    long[] own = new long[r * w];
    long[] next = new long[r * w];
    int[] firstWords = plan.layout.firstWords();
    for (int c = 0; c < plan.userCalls; c++) {
      CallStatistics call = plan.call(c);
      if (!call.linear()) {
        continue;
      }
      for (int j = firstWords[c]; j < firstWords[c] + call.words(); j++) {
        for (int i = 0; i < r; i++) {
          own[i * w + j] = shares.own()[j * groups + reported[i]];
          next[i * w + j] = shares.next()[j * groups + reported[i]];
        }
      }
    }
    return new ArithmeticShares(own, next);
  }

  /** Candidates with their values column-major: slot s, column k at {@code (s * 3 + k) * r}. */
  private record Candidates(ArithmeticShares values, BooleanShares absent) {}

  private Candidates candidates(int party, int[] reported) {
    int r = reported.length;
    int slots = comparingCalls.size();
    long[] own = new long[slots * COMPARED_COLUMNS * r];
    long[] next = new long[own.length];
    long[] absentOwn = new long[slots * r];
    long[] absentNext = new long[slots * r];
    ArithmeticShares input = inputs[party];
    BooleanShares absentInput = absentInputs[party];
    for (int s = 0; s < slots; s++) {
      int c = comparingCalls.get(s);
      int first = plan.layout.firstWords()[c];
      boolean by = plan.call(c).words() == CallStatistics.EXTREME_BY_WORDS;
      // EXTREME: (extreme, extreme, 0); EXTREME_BY: (y, x, x-null).
      int[] sourceWords = by ? new int[] {first, first + 1, first + 2} : new int[] {first, first, -1};
      for (int k = 0; k < COMPARED_COLUMNS; k++) {
        if (sourceWords[k] < 0) {
          continue;
        }
        for (int i = 0; i < r; i++) {
          own[(s * COMPARED_COLUMNS + k) * r + i] = input.own()[sourceWords[k] * groups + reported[i]];
          next[(s * COMPARED_COLUMNS + k) * r + i] = input.next()[sourceWords[k] * groups + reported[i]];
        }
      }
      for (int i = 0; i < r; i++) {
        absentOwn[s * r + i] = absentInput.own()[s * groups + reported[i]];
        absentNext[s * r + i] = absentInput.next()[s * groups + reported[i]];
      }
    }
    return new Candidates(new ArithmeticShares(own, next), new BooleanShares(absentOwn, absentNext));
  }

  /** The better of two candidate sets, slot by slot; ties keep the left one. */
  private Candidates combine(Candidates left, Candidates right) {
    int slots = comparingCalls.size();
    int r = left.absent.length() / slots;
    List<ArithmeticShares> firsts = new ArrayList<>();
    List<ArithmeticShares> seconds = new ArrayList<>();
    for (int s = 0; s < slots; s++) {
      SecureFunction function = plan.call(comparingCalls.get(s)).function();
      boolean smallest = function == SecureFunction.MIN || function == SecureFunction.MIN_BY;
      ArithmeticShares leftKey = left.values.slice(s * COMPARED_COLUMNS * r, r);
      ArithmeticShares rightKey = right.values.slice(s * COMPARED_COLUMNS * r, r);
      // "the right key wins": left < right for a maximum, right < left for a minimum
      firsts.add(smallest ? rightKey : leftKey);
      seconds.add(smallest ? leftKey : rightKey);
    }
    BooleanShares wins = engine.lessThan(
        ArithmeticShares.concat(firsts.toArray(ArithmeticShares[]::new)),
        ArithmeticShares.concat(seconds.toArray(ArithmeticShares[]::new)));
    BooleanShares onlyRight = engine.and(left.absent, engine.xorPublic(right.absent, 1L));
    BooleanShares takeRight = or(wins, onlyRight);
    BooleanShares[] perValue = new BooleanShares[slots * COMPARED_COLUMNS];
    for (int s = 0; s < slots; s++) {
      for (int k = 0; k < COMPARED_COLUMNS; k++) {
        perValue[s * COMPARED_COLUMNS + k] = takeRight.slice(s * r, r);
      }
    }
    ArithmeticShares values = engine.select(BooleanShares.concat(perValue), right.values, left.values);
    BooleanShares absent = engine.and(left.absent, right.absent);
    return new Candidates(values, absent);
  }

  /** {@code a | b} in bit 0: {@code a ^ b ^ (a & b)}. */
  private BooleanShares or(BooleanShares a, BooleanShares b) {
    return engine.xor(engine.xor(a, b), engine.and(a, b));
  }
}
