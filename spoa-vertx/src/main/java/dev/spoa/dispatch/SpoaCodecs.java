package dev.spoa.dispatch;

import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import io.vertx.core.Vertx;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Registers the event-bus codecs of {@link SpoaRequest} and {@link SpoaReply} as their default
 * codecs, once per Vert.x instance. Every node of a cluster must do it; the server and
 * {@link dev.spoa.handler.SpoaHandlers} call it for you.
 */
public final class SpoaCodecs {

  private static final Map<Vertx, Boolean> REGISTERED = Collections.synchronizedMap(new WeakHashMap<>());

  private SpoaCodecs() {
  }

  public static void register(Vertx vertx) {
    synchronized (REGISTERED) {
      if (REGISTERED.putIfAbsent(vertx, Boolean.TRUE) != null) {
        return;
      }
      // each on its own: one registered by other means must not keep the other out
      try {
        vertx.eventBus().registerDefaultCodec(SpoaRequest.class, new SpoaRequestCodec());
      } catch (IllegalStateException alreadyRegistered) {
        // registered by other means (e.g. a test that built its own instance): nothing to do
      }
      try {
        vertx.eventBus().registerDefaultCodec(SpoaReply.class, new SpoaReplyCodec());
      } catch (IllegalStateException alreadyRegistered) {
        // as above
      }
    }
  }
}
