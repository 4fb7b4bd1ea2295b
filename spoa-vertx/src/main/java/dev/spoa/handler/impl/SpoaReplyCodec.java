package dev.spoa.handler.impl;

import dev.spoa.handler.SpoaReply;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameEncoder;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * Event-bus codec of {@link SpoaReply}: the same instance locally; on the wire
 * {@code length:int version:byte} followed by the actions exactly as SPOP encodes them in an ACK.
 */
public final class SpoaReplyCodec extends SharedInstanceCodec<SpoaReply> {

  public static final String NAME = "spoa-reply";
  static final byte VERSION = 1;

  public SpoaReplyCodec() {
    super(NAME);
  }

  @Override
  public void encodeToWire(Buffer buffer, SpoaReply reply) {
    int start = buffer.length();
    buffer.appendInt(0).appendByte(VERSION);
    List<Action> actions = reply.actions();
    for (int i = 0; i < actions.size(); i++) {
      FrameEncoder.appendAction(buffer, actions.get(i));
    }
    buffer.setInt(start, buffer.length() - start - 4);
  }

  @Override
  public SpoaReply decodeFromWire(int pos, Buffer buffer) {
    int end = pos + 4 + buffer.getInt(pos);
    WireVersion.check(NAME, buffer.getByte(pos + 4), VERSION);
    return new SpoaReply(FrameDecoder.decodeActions(buffer, pos + 5, end));
  }
}
