package dev.spoa.handler.impl;

import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import io.vertx.core.Vertx;


/**
 * Registers the event-bus codecs of {@link SpoaRequest} and {@link SpoaReply} as their default
 * codecs, and that of {@link LocalCall}, once per Vert.x instance. Every node of a cluster must do
 * it; the server and {@link dev.spoa.handler.SpoaHandlers} call it for you.
 *
 * <p>A node that receives a wire form it cannot read fails that request at once instead of
 * letting it time out: a request is failed by {@link dev.spoa.handler.SpoaHandlers} with
 * {@link #UNSUPPORTED_WIRE_VERSION} (or {@link #MALFORMED_WIRE_FORM}), an unreadable reply fails the
 * requester's future with a {@code ReplyException} of type {@code ERROR} and the same codes. The
 * server answers such a message with the fallback, reason {@code ERROR}.
 */
public final class SpoaCodecs {

  /** Failure code of a request or reply whose wire version this node does not read ("version not supported"). */
  public static final int UNSUPPORTED_WIRE_VERSION = 505;

  /** Failure code of a request or reply whose wire form this node cannot decode. */
  public static final int MALFORMED_WIRE_FORM = 422;

  private static final String KEY = "dev.spoa.codecs-registered";

  private SpoaCodecs() {
  }

  /** Registers the codecs once per Vert.x instance (its local shared data remembers it). */
  public static void register(Vertx vertx) {
    // computeIfAbsent holds back a concurrent caller until the codecs are registered
    vertx.sharedData().<String, Boolean>getLocalMap(KEY).computeIfAbsent(KEY, k -> {
      // each on its own: one registered by other means must not keep the other out
      try {
        vertx.eventBus().registerDefaultCodec(SpoaRequest.class, new SpoaRequestCodec());
      } catch (IllegalStateException alreadyRegistered) {
        // registered by other means (e.g. a test that built its own instance): nothing to do
      }
      try {
        vertx.eventBus().registerDefaultCodec(SpoaReply.class, new GuardedReplyCodec());
      } catch (IllegalStateException alreadyRegistered) {
        // as above
      }
      try {
        vertx.eventBus().registerCodec(new LocalCallCodec());
      } catch (IllegalStateException alreadyRegistered) {
        // as above
      }
      return Boolean.TRUE;
    });
  }
}
