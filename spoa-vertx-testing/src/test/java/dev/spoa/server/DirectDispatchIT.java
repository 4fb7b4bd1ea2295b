package dev.spoa.server;

import dev.spoa.handler.SpoaHandlers;
import dev.spoa.protocol.SpoaMessage;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code directDispatch}: handlers of this Vert.x instance are called without the event bus. */
class DirectDispatchIT extends LocalHandlerDispatchContract {

  @Override
  boolean directDispatch() {
    return true;
  }

  @Test
  void theOptionAppliesLiveAndIsOffByDefault() {
    assertEquals(false, new SpoaServerOptions().isDirectDispatch());
    SpoaHandlers.register(vertx, "check", req -> Future.succeededFuture(List.of(OK))).await();
    assertEquals(List.of(OK), client.notify(1, 1, SpoaMessage.of("check")).await().actions());
    assertEquals(0, busRequests("check"));
    assertTrue(server.updateOptions(options().setDirectDispatch(false)).await().isEmpty());
    assertEquals(List.of(OK), client.notify(3, 1, SpoaMessage.of("check")).await().actions());
    assertEquals(1, busRequests("check"));
  }
}
