package dev.spoa.handler.impl;

import io.vertx.core.buffer.Buffer;

/** Hands a {@link LocalCall} to a consumer of this JVM; it is only ever sent local only. */
final class LocalCallCodec extends SharedInstanceCodec<LocalCall> {

  LocalCallCodec() {
    super(LocalCall.CODEC_NAME);
  }

  @Override
  public void encodeToWire(Buffer buffer, LocalCall call) {
    throw new IllegalStateException("a local call cannot leave this JVM");
  }

  @Override
  public LocalCall decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException("a local call cannot come from another JVM");
  }
}
