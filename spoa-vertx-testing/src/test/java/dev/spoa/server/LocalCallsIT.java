package dev.spoa.server;

import dev.spoa.handler.SpoaHandlers;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.protocol.SpoaMessage;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default way to a handler registered in the server's own (not clustered) Vert.x instance: one
 * local event-bus message per call, answered through the call itself, so that interceptors and
 * Vert.x's event-bus metrics see the call but no reply message, registration or timer is made.
 */
class LocalCallsIT extends LocalHandlerDispatchContract {

  @Override
  boolean directDispatch() {
    return false;
  }

  @Test
  void aHedgedMessageGoesAsARequestAndItsReply() {
    SpoaHandlers.register(vertx, "check", req -> Future.succeededFuture(List.of(OK))).await();
    assertTrue(server.updateOptions(options().setHedgeAfter(1_000)).await().isEmpty());
    assertEquals(List.of(OK), client.notify(1, 1, SpoaMessage.of("check")).await().actions());
    assertEquals(1, busRequests("check"));
    assertEquals(1, busMessagesElsewhere(), "the reply, to its own address");
  }

  @Test
  void aCallWhoseHandlerLeavesWhileAnInterceptorHoldsItFallsBackAtOnce() {
    AtomicInteger calls = new AtomicInteger();
    MessageConsumer<SpoaRequest> consumer = SpoaHandlers.register(vertx, "vanishing", req -> {
      calls.incrementAndGet();
      return Future.succeededFuture(List.of(OK));
    }).await();
    vertx.eventBus().addOutboundInterceptor(ctx -> {
      if (ctx.message().address().equals(SpoaHandlers.address("vanishing"))) {
        consumer.unregister().onComplete(v -> ctx.next()); // the call goes on once nobody can take it
      } else {
        ctx.next();
      }
    });
    // the handler timeout is one no test reaches: a timeout fallback would fail the test's own
    assertEquals(List.of(fallback(FallbackReason.NO_HANDLER)),
      client.notify(1, 1, SpoaMessage.of("vanishing")).await().actions());
    assertEquals(0, calls.get());
    assertEquals(1.0, registry.get("spoa.fallbacks").tag("message", "vanishing").tag("reason", "no_handler")
      .counter().count());
  }
}
