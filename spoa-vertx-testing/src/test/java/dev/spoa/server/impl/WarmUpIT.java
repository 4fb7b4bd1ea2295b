package dev.spoa.server.impl;

import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.server.AgentTestBase;
import dev.spoa.server.SpoaServer;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The warm-up before a server listens: its NOTIFYs go through the server's own code, once per
 * Vert.x instance, whatever the options, and touch neither the user's handlers nor the metrics.
 */
class WarmUpIT extends AgentTestBase {

  /** Counts what the server reports; the warm-up must add nothing. */
  private static final class Counting implements SpoaMetrics {
    final AtomicInteger notifies = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();

    @Override
    public void frameReceived(FrameType type) {
      if (type == FrameType.NOTIFY) {
        notifies.incrementAndGet();
      }
    }

    @Override
    public void connectionOpened() {
      connections.incrementAndGet();
    }
  }

  static Stream<Arguments> options() {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    return Stream.of(
      Arguments.of("defaults", (UnaryOperator<SpoaServerOptions>) o -> o),
      Arguments.of("pipelining off", (UnaryOperator<SpoaServerOptions>) o -> o.setPipelining(false)),
      Arguments.of("directDispatch", (UnaryOperator<SpoaServerOptions>) o -> o.setDirectDispatch(true)),
      Arguments.of("TLS", (UnaryOperator<SpoaServerOptions>) o -> o.setSsl(true).setKeyCertOptions(cert.keyCertOptions())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("options")
  void theWarmUpRunsOncePerVertxBeforeListeningWithoutHandlersOrMetrics(String name,
                                                                       UnaryOperator<SpoaServerOptions> tweak) {
    AtomicInteger userCalls = new AtomicInteger();
    // a user handler under the internal message name: the warm-up must not reach it
    handler(WarmUp.MESSAGE, req -> {
      userCalls.incrementAndGet();
      return Future.succeededFuture(List.of());
    });
    Counting counting = new Counting();
    SpoaServerOptions options = tweak.apply(new SpoaServerOptions().setPort(0).setHost("127.0.0.1").setWarmUpNotifies(300));
    // two servers of one Vert.x instance, as the instances of a verticle: one warm-up between them
    SpoaServer first = SpoaServer.create(vertx, options).metrics(counting);
    SpoaServer second = SpoaServer.create(vertx, new SpoaServerOptions(options)).metrics(counting);
    Future.all(first.listen(), second.listen()).await();

    assertEquals(300, AgentState.of(vertx).warmUpOnce(() -> fail("a second warm-up")).await(),
      "every warm-up NOTIFY was answered, by one warm-up");
    assertEquals(0, userCalls.get(), "the user's handlers are not called");
    assertEquals(0, counting.notifies.get(), "the warm-up is not in the server's metrics");
    assertEquals(0, counting.connections.get(), "nor its connection");
    assertEquals(0, AgentState.of(vertx).connections.get(), "the warm-up connection is gone before the server listens");
  }

  @Test
  void theServerServesAsUsualAfterItsWarmUp() {
    handler("check", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "ok", 1))));
    startServer(new SpoaServerOptions().setWarmUpNotifies(100));
    SpopTestClient c = client();
    c.hello().await();
    assertEquals(List.of(Action.setVar(Scope.TXN, "ok", 1)), c.notify(SpoaMessage.of("check")).await().actions());
  }

  @Test
  void noWarmUpWhenItIsOff() {
    startServer(new SpoaServerOptions().setWarmUpNotifies(0));
    assertEquals(-1, AgentState.of(vertx).warmUpOnce(() -> Future.succeededFuture(-1)).await(),
      "no warm-up ran");
  }
}
