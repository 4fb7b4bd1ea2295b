package dev.spoa.handler.impl;

import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.protocol.Action;
import io.vertx.core.Completable;

import java.util.List;

/**
 * A request to a handler registered in this Vert.x instance that carries its own way back: the
 * server sends it over the event bus, local only, and the consumer registered by
 * {@code SpoaHandlers} completes it with the handler's outcome instead of replying. One message
 * instead of a request and its reply, and no reply registration, address or timer: the
 * connection's deadlines stand in for them (docs/performance.md measures the difference).
 */
public interface LocalCall extends Completable<List<Action>> {

  /** The name of its codec: it hands the instance over and has no wire form (the call never leaves the JVM). */
  String CODEC_NAME = "spoa-local-call";

  /** The request the handler is called with. */
  SpoaRequest request();

  /** Calls {@code handler} on the current context; whatever it does, the call is completed once. */
  default void serve(SpoaHandler handler) {
    try {
      SpoaHandlers.call(handler, request()).onComplete(this);
    } catch (Throwable t) { // an Error from the handler: still one outcome
      complete(null, t);
    }
  }
}
