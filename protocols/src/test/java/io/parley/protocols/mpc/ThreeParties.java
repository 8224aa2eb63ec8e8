package io.parley.protocols.mpc;

import io.parley.protocols.crypto.Drbg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Runs the three compute parties of a test, each on its own thread with its own seeded randomness,
 * over an {@link InMemoryNetwork}. When one party fails, the others are interrupted, so a test of
 * a failure does not wait for receive timeouts.
 */
final class ThreeParties {
  /** What one party does. */
  @FunctionalInterface
  interface PartyTask<T> {
    T run(ReplicatedParty party) throws Exception;
  }

  /** What one party does with its raw network (for tests below the engine). */
  @FunctionalInterface
  interface NetworkTask<T> {
    T run(Network network) throws Exception;
  }

  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private ThreeParties() {}

  static <T> List<T> run(long seed, PartyTask<T> task) {
    return run(seed, UnaryOperator.identity(), task);
  }

  /** Like {@link #run(long, PartyTask)}, with each party's network wrapped by {@code decorate}. */
  static <T> List<T> run(long seed, UnaryOperator<Network> decorate, PartyTask<T> task) {
    return runOnNetworks(
        decorate,
        network -> {
          ReplicatedParty party =
              ReplicatedParty.connect(network, Drbg.seeded(seed * 31 + network.myId()));
          return task.run(party);
        });
  }

  static <T> List<T> runOnNetworks(UnaryOperator<Network> decorate, NetworkTask<T> task) {
    InMemoryNetwork[] endpoints = InMemoryNetwork.create(3, 4, TIMEOUT);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(pool);
      List<Future<Void>> futures = new ArrayList<>();
      List<T> results = new ArrayList<>();
      Object[] slots = new Object[3];
      for (int id = 0; id < 3; id++) {
        int party = id;
        futures.add(
            done.submit(
                () -> {
                  slots[party] = task.run(decorate.apply(endpoints[party]));
                  return null;
                }));
      }
      for (int finished = 0; finished < 3; finished++) {
        Future<Void> next = done.poll(TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        if (next == null) {
          throw new AssertionError("the parties did not finish within " + TIMEOUT.multipliedBy(2));
        }
        try {
          next.get();
        } catch (ExecutionException e) {
          futures.forEach(f -> f.cancel(true));
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException runtime) {
            throw runtime;
          }
          if (cause instanceof Error error) {
            throw error;
          }
          throw new IllegalStateException(cause);
        }
      }
      for (Object slot : slots) {
        @SuppressWarnings("unchecked")
        T result = (T) slot;
        results.add(result);
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      pool.shutdownNow();
      try {
        pool.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Opens {@code shares} to all parties, checks they agree, and returns the values. */
  static long[] openAll(ReplicatedParty party, ArithmeticShares shares) {
    return party.reveal(shares, 0, 1, 2).orElseThrow();
  }

  static long[] openAll(ReplicatedParty party, BooleanShares shares) {
    return party.reveal(shares, 0, 1, 2).orElseThrow();
  }

  /** The common result of all parties; fails if they differ. */
  static long[] agreed(List<long[]> perParty) {
    for (int party = 1; party < perParty.size(); party++) {
      if (!java.util.Arrays.equals(perParty.get(0), perParty.get(party))) {
        throw new AssertionError("party " + party + " opened a different result than party 0");
      }
    }
    return perParty.get(0);
  }

  /** Shares {@code values}, held by {@code owner}, the same array at every party's call site. */
  static ArithmeticShares input(ReplicatedParty party, int owner, long[] values) {
    return party.shareInput(owner, party.partyId() == owner ? values : null, values.length);
  }
}
