package io.parley.connector.join;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * The private join's shuffled types for Kryo: an identifier key is its length and bytes, so
 * {@code spark.kryo.registrationRequired=true} holds for private joins too. Called by {@code
 * ParleyKryoRegistrator}.
 */
public final class JoinKryo {
  private JoinKryo() {}

  public static void register(Kryo kryo) {
    kryo.register(PsiTasks.ByteKey.class, new ByteKeySerializer());
  }

  /** A key made of bytes, for tests of the registration. */
  public static Object byteKey(byte[] bytes) {
    return new PsiTasks.ByteKey(bytes.clone());
  }

  /** The bytes of a key made by {@link #byteKey}. */
  public static byte[] bytesOf(Object byteKey) {
    return ((PsiTasks.ByteKey) byteKey).bytes.clone();
  }

  private static final class ByteKeySerializer extends Serializer<PsiTasks.ByteKey> {
    ByteKeySerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, PsiTasks.ByteKey key) {
      output.writeInt(key.bytes.length, true);
      output.writeBytes(key.bytes);
    }

    @Override
    public PsiTasks.ByteKey read(Kryo kryo, Input input, Class<PsiTasks.ByteKey> type) {
      return new PsiTasks.ByteKey(input.readBytes(input.readInt(true)));
    }
  }
}
