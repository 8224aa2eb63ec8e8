package io.parley.connector.shares;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The percentile calls grouped by their argument (one stage per distinct argument, all its
 * percentages at once), and what the stage returned at the initiator.
 */
final class PercentileCalls {
  private final SharePlan plan;
  /** Per call: the first call over the same argument, or -1 for calls that are not percentiles. */
  private final int[] firstOfArgument;
  private final Map<Integer, GroupPercentiles[]> found = new HashMap<>();

  PercentileCalls(SharePlan plan) {
    this.plan = plan;
    this.firstOfArgument = new int[plan.userCalls];
    for (int c = 0; c < plan.userCalls; c++) {
      firstOfArgument[c] = -1;
      if (Double.isNaN(plan.percentages[c])) {
        continue;
      }
      firstOfArgument[c] = c;
      for (int earlier = 0; earlier < c; earlier++) {
        if (firstOfArgument[earlier] == earlier && argument(earlier).equals(argument(c))) {
          firstOfArgument[c] = earlier;
          break;
        }
      }
    }
  }

  private String argument(int c) {
    return plan.layout.spec().getAggregates(c).getArgumentSql(0);
  }

  List<Integer> firstCalls() {
    List<Integer> firsts = new ArrayList<>();
    for (int c = 0; c < firstOfArgument.length; c++) {
      if (firstOfArgument[c] == c) {
        firsts.add(c);
      }
    }
    return firsts;
  }

  /** The percentages of every call over the first call's argument, in call order. */
  double[] percentages(int first) {
    return IntStream.range(0, firstOfArgument.length).filter(c -> firstOfArgument[c] == first)
        .mapToDouble(c -> plan.percentages[c]).toArray();
  }

  void found(int first, GroupPercentiles[] byGroup) {
    found.put(first, byGroup);
  }

  /** Call {@code c}'s result for reported group {@code r}: null for a group without values. */
  Object result(int c, int r) {
    int first = firstOfArgument[c];
    GroupPercentiles[] byGroup = found.get(first);
    if (byGroup == null || byGroup[r] == null) {
      return null;
    }
    int index = 0;
    for (int other = 0; other < c; other++) {
      if (firstOfArgument[other] == first) {
        index++;
      }
    }
    GroupPercentiles group = byGroup[r];
    return SharePercentiles.interpolate(plan.call(c).comparedCodec(0), group.count(), group.lower()[index],
        group.upper()[index], plan.percentages[c]);
  }
}
