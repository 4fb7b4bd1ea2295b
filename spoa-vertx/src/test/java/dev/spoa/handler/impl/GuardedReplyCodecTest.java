package dev.spoa.handler.impl;

import dev.spoa.handler.SpoaReply;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reply codec SpoaCodecs registers: SpoaReplyCodec's wire form, and a failure body instead of a throw. */
class GuardedReplyCodecTest {

  private final GuardedReplyCodec codec = new GuardedReplyCodec();
  private final SpoaReply reply = SpoaReply.of(Action.setVar(Scope.SESS, "ip_score", 20));

  @Test
  void sameNameAndWireFormAsSpoaReplyCodec() {
    Buffer guarded = Buffer.buffer();
    codec.encodeToWire(guarded, reply);
    Buffer plain = Buffer.buffer();
    new SpoaReplyCodec().encodeToWire(plain, reply);
    assertEquals(plain, guarded);
    assertEquals(SpoaReplyCodec.NAME, codec.name());
    assertEquals(reply, codec.decodeFromWire(0, guarded));
    assertSame(reply, codec.transform(reply));
  }

  @Test
  void anUnknownVersionDecodesToAReplyFailure() {
    Buffer buf = Buffer.buffer();
    codec.encodeToWire(buf, reply);
    buf.setByte(4, (byte) 9);
    ReplyException e = (ReplyException) codec.decodeFromWire(0, buf);
    assertEquals(ReplyFailure.ERROR, e.failureType());
    assertEquals(SpoaCodecs.UNSUPPORTED_WIRE_VERSION, e.failureCode());
    assertTrue(e.getMessage().contains("spoa-reply wire version 9"), e.getMessage());
  }

  @Test
  void anUnreadableBodyDecodesToAReplyFailure() {
    Buffer buf = Buffer.buffer().appendInt(3).appendByte(SpoaReplyCodec.VERSION).appendByte((byte) 0x7f).appendByte((byte) 0);
    ReplyException e = (ReplyException) codec.decodeFromWire(0, buf);
    assertEquals(SpoaCodecs.MALFORMED_WIRE_FORM, e.failureCode());
  }
}
