package io.parley.connector.serde;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.parley.connector.party.GroupStatistics;
import io.parley.connector.party.PlacedStatistics;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers the values Parley's tasks exchange inside one party's cluster (cached per-group
 * statistics, shuffled placed statistics, the broadcast sorted local group keys and their union
 * indices, collected keys; a private join's identifier keys), so {@code spark.kryo.registrationRequired=true} works and records carry no class names. Set with
 * {@code spark.kryo.registrator=io.parley.connector.serde.ParleyKryoRegistrator}.
 */
public final class ParleyKryoRegistrator implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(byte[].class);
    kryo.register(byte[][].class);
    kryo.register(long[].class);
    kryo.register(long[][].class);
    kryo.register(GroupStatistics.class, new GroupStatisticsSerializer());
    kryo.register(PlacedStatistics.class, new PlacedStatisticsSerializer());
    io.parley.connector.join.JoinKryo.register(kryo);
  }

  /** Token length and bytes, then word count and words. */
  static final class GroupStatisticsSerializer extends Serializer<GroupStatistics> {
    GroupStatisticsSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, GroupStatistics group) {
      output.writeInt(group.key().length, true);
      output.writeBytes(group.key());
      output.writeInt(group.words().length, true);
      output.writeLongs(group.words());
    }

    @Override
    public GroupStatistics read(Kryo kryo, Input input, Class<GroupStatistics> type) {
      byte[] token = input.readBytes(input.readInt(true));
      long[] words = input.readLongs(input.readInt(true));
      return new GroupStatistics(token, words);
    }
  }

  /** Index, then word count and words. */
  static final class PlacedStatisticsSerializer extends Serializer<PlacedStatistics> {
    PlacedStatisticsSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, PlacedStatistics group) {
      output.writeInt(group.index(), true);
      output.writeInt(group.words().length, true);
      output.writeLongs(group.words());
    }

    @Override
    public PlacedStatistics read(Kryo kryo, Input input, Class<PlacedStatistics> type) {
      int index = input.readInt(true);
      long[] words = input.readLongs(input.readInt(true));
      return new PlacedStatistics(index, words);
    }
  }
}
