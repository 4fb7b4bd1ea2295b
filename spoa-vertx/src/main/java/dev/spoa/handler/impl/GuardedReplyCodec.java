package dev.spoa.handler.impl;

import dev.spoa.handler.SpoaReply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * What {@link SpoaCodecs} registers for {@link SpoaReply}: {@link SpoaReplyCodec} (same name, same
 * wire form), except that a reply it cannot read becomes a {@link ReplyException} body instead of an
 * exception.
 *
 * <p>Why: in Vert.x 5.0.7 a clustered reply is decoded lazily by the requester's reply handler
 * ({@code ReplyHandler.dispatch} calls {@code body()} after it has cancelled the request's timeout
 * timer). A codec that throws there leaves the request's future incomplete forever, so the NOTIFY
 * would never be ACKed. A body that is a {@code ReplyException} is what Vert.x itself uses to carry a
 * failure, and the reply handler turns it into a failed request at once.
 */
final class GuardedReplyCodec implements MessageCodec<SpoaReply, Object> {

  private final SpoaReplyCodec codec = new SpoaReplyCodec();

  @Override
  public void encodeToWire(Buffer buffer, SpoaReply reply) {
    codec.encodeToWire(buffer, reply);
  }

  @Override
  public Object decodeFromWire(int pos, Buffer buffer) {
    try {
      return codec.decodeFromWire(pos, buffer);
    } catch (WireVersionException e) {
      return new ReplyException(ReplyFailure.ERROR, SpoaCodecs.UNSUPPORTED_WIRE_VERSION, e.getMessage());
    } catch (RuntimeException e) {
      return new ReplyException(ReplyFailure.ERROR, SpoaCodecs.MALFORMED_WIRE_FORM,
        SpoaReplyCodec.NAME + ": unreadable reply: " + e);
    }
  }

  @Override
  public Object transform(SpoaReply reply) {
    return reply;
  }

  @Override
  public String name() {
    return SpoaReplyCodec.NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
