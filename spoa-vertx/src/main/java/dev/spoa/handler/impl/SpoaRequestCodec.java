package dev.spoa.handler.impl;

import dev.spoa.handler.SpoaRequest;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.SpoaMessage;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Event-bus codec of {@link SpoaRequest}. Local delivery hands over the same immutable instance
 * (no copy). The wire form, for handlers on other cluster nodes, is compact and versioned binary:
 * {@code length:int version:byte engine-id:(int length, UTF-8) stream-id:long frame-id:long}
 * followed by the message exactly as SPOP encodes it in a NOTIFY.
 */
public final class SpoaRequestCodec extends SharedInstanceCodec<SpoaRequest> {

  public static final String NAME = "spoa-request";
  static final byte VERSION = 1;

  public SpoaRequestCodec() {
    super(NAME);
  }

  @Override
  public void encodeToWire(Buffer buffer, SpoaRequest req) {
    int start = buffer.length();
    byte[] engine = req.engineId().getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(0).appendByte(VERSION)
      .appendInt(engine.length).appendBytes(engine)
      .appendLong(req.streamId()).appendLong(req.frameId());
    FrameEncoder.appendMessage(buffer, req.message());
    buffer.setInt(start, buffer.length() - start - 4);
  }

  @Override
  public SpoaRequest decodeFromWire(int pos, Buffer buffer) {
    int end = pos + 4 + buffer.getInt(pos);
    WireVersion.check(NAME, buffer.getByte(pos + 4), VERSION);
    int engineLen = buffer.getInt(pos + 5);
    int p = pos + 9;
    String engineId = buffer.getString(p, p + engineLen);
    p += engineLen;
    long streamId = buffer.getLong(p);
    long frameId = buffer.getLong(p + 8);
    List<SpoaMessage> messages = FrameDecoder.decodeMessages(buffer, p + 16, end);
    if (messages.size() != 1) {
      throw new IllegalStateException(NAME + ": expected one message, got " + messages.size());
    }
    return new SpoaRequest(engineId, streamId, frameId, messages.get(0));
  }
}
