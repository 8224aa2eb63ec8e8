package io.parley.connector.plan;

import java.util.List;
import java.util.function.Function;
import scala.PartialFunction;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Conversions between Java collections and the Scala ones Catalyst's API takes. */
public final class ScalaInterop {
  private ScalaInterop() {}

  public static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toList();
  }

  public static <T> Seq<T> emptySeq() {
    return seq(List.of());
  }

  public static <T> List<T> list(scala.collection.Seq<T> seq) {
    return CollectionConverters.asJava(seq);
  }

  /**
   * A rule for Catalyst's {@code transform…} methods: defined everywhere, so {@code rule} returns its
   * argument unchanged for nodes it leaves alone.
   */
  public static <T> PartialFunction<T, T> everywhere(Function<T, T> rule) {
    return PartialFunction.fromFunction(rule::apply);
  }

  public static <T> scala.Option<T> none() {
    return scala.Option.empty();
  }
}
