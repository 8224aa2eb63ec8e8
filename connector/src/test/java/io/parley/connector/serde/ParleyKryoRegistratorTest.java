package io.parley.connector.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.connector.party.GroupStatistics;
import io.parley.connector.party.PlacedStatistics;
import java.nio.ByteBuffer;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.reflect.ClassTag;

/** Parley's task payloads round-trip through Spark's KryoSerializer with registration required. */
class ParleyKryoRegistratorTest {

  private static SerializerInstance kryo() {
    SparkConf conf =
        new SparkConf(false)
            .set("spark.kryo.registrator", ParleyKryoRegistrator.class.getName())
            .set("spark.kryo.registrationRequired", "true");
    return new KryoSerializer(conf).newInstance();
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(SerializerInstance kryo, T value) {
    ClassTag<Object> tag = ClassTag.Any();
    ByteBuffer bytes = kryo.serialize(value, tag);
    return (T) kryo.deserialize(bytes, tag);
  }

  @Test
  void payloadsRoundTrip() {
    SerializerInstance kryo = kryo();
    GroupStatistics group = new GroupStatistics(new byte[] {1, -2, 3, 127}, new long[] {0, -1, Long.MIN_VALUE, 42});
    GroupStatistics groupBack = roundTrip(kryo, group);
    assertArrayEquals(group.key(), groupBack.key());
    assertArrayEquals(group.words(), groupBack.words());

    PlacedStatistics placed = new PlacedStatistics(1_000_003, new long[] {Long.MAX_VALUE, 7});
    PlacedStatistics placedBack = roundTrip(kryo, placed);
    assertEquals(placed.index(), placedBack.index());
    assertArrayEquals(placed.words(), placedBack.words());

    byte[][] union = {{}, {9, 8, 7}, new byte[40]};
    byte[][] unionBack = roundTrip(kryo, union);
    assertEquals(union.length, unionBack.length);
    for (int i = 0; i < union.length; i++) {
      assertArrayEquals(union[i], unionBack[i]);
    }
    assertArrayEquals(new long[] {3, -3}, roundTrip(kryo, new long[] {3, -3}));
    assertArrayEquals(new byte[] {5}, roundTrip(kryo, new byte[] {5}));

    Tuple2<Integer, PlacedStatistics> shuffled = roundTrip(kryo, new Tuple2<>(4, placed));
    assertEquals(4, shuffled._1());
    assertArrayEquals(placed.words(), shuffled._2().words());

    byte[] identifier = {0, 1, -1, 'a'};
    Tuple2<Object, long[]> keyed = roundTrip(kryo, new Tuple2<>(io.parley.connector.join.JoinKryo.byteKey(identifier), new long[] {9}));
    assertArrayEquals(identifier, io.parley.connector.join.JoinKryo.bytesOf(keyed._1()));
    assertEquals(io.parley.connector.join.JoinKryo.byteKey(identifier), keyed._1());
  }

  @Test
  void registrationIsRequiredSoAnUnregisteredClassFails() {
    // Control: with registrationRequired, a class nobody registered is refused, so the passes above
    // are due to the registrator.
    Exception refused = assertThrows(Exception.class, () -> roundTrip(kryo(), new Unregistered()));
    assertTrue(String.valueOf(refused.getMessage()).contains("Class is not registered"), refused.toString());
  }

  private static final class Unregistered implements java.io.Serializable {}
}
