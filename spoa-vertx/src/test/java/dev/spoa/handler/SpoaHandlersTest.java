package dev.spoa.handler;

import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SpoaHandlers and SpoaHandlerVerticle on a local event bus: replies, failures, (un)deployment, sharing. */
class SpoaHandlersTest {

  /** Bounds a test that would otherwise wait for the 30 s default if a reply never came. */
  private static final DeliveryOptions BOUNDED = new DeliveryOptions().setSendTimeout(10_000);

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private static SpoaRequest request(String name) {
    return new SpoaRequest("engine", 1, 1, SpoaMessage.of(name, Arg.of("n", TypedValue.ofInt64(7))));
  }

  private Future<Message<Object>> send(String name) {
    return vertx.eventBus().request(SpoaHandlers.address(name), request(name), BOUNDED);
  }

  private ReplyException failureOf(String name) {
    Future<Message<Object>> f = send(name);
    RuntimeException e = assertThrows(RuntimeException.class, f::await);
    return assertInstanceOf(ReplyException.class, e, () -> "failure was " + e);
  }

  private void assertHandlerFailure(String name) {
    ReplyException re = failureOf(name);
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, re.failureType(), re::toString);
    assertEquals(SpoaHandlers.HANDLER_FAILURE, re.failureCode(), re::toString);
  }

  private SpoaReply replyOf(String name) {
    Object body = send(name).await().body();
    return assertInstanceOf(SpoaReply.class, body);
  }

  @Test
  void addressUsesTheDefaultPrefix() {
    assertEquals("spoa.message.check-client-ip", SpoaHandlers.address("check-client-ip"));
  }

  @Test
  void handlerActionsAreReplied() {
    SpoaHandlers.register(vertx, "m", req -> Future.succeededFuture(List.of(
      Action.setVar(Scope.SESS, "n", req.arg("n").asLong() * 2), Action.unsetVar(Scope.TXN, "x")))).await();
    SpoaReply reply = replyOf("m");
    assertEquals(List.of(Action.setVar(Scope.SESS, "n", 14), Action.unsetVar(Scope.TXN, "x")), reply.actions());
  }

  @Test
  void handlerReturningNullFails() {
    SpoaHandlers.register(vertx, "null-future", req -> null).await();
    assertHandlerFailure("null-future");
  }

  @Test
  void handlerThrowingFails() {
    SpoaHandlers.register(vertx, "throws", req -> {
      throw new IllegalStateException("boom");
    }).await();
    ReplyException re = failureOf("throws");
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, re.failureType());
    assertEquals(SpoaHandlers.HANDLER_FAILURE, re.failureCode());
    assertTrue(re.getMessage().contains("boom"), re.getMessage());
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
    throw (E) t;
  }

  @Test
  void handlerThrowingACheckedExceptionFails() {
    // Kotlin, Lombok's @SneakyThrows and the like throw checked exceptions past the signature
    SpoaHandlers.register(vertx, "throws-checked", req -> {
      throw sneaky(new java.io.IOException("disk gone"));
    }).await();
    ReplyException re = failureOf("throws-checked");
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, re.failureType(), re::toString);
    assertEquals(SpoaHandlers.HANDLER_FAILURE, re.failureCode());
    assertTrue(re.getMessage().contains("disk gone"), re.getMessage());
  }

  @Test
  void handlerFailingItsFutureFails() {
    SpoaHandlers.register(vertx, "fails", req -> Future.failedFuture(new RuntimeException("nope"))).await();
    ReplyException re = failureOf("fails");
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, re.failureType());
    assertEquals(SpoaHandlers.HANDLER_FAILURE, re.failureCode());
    assertTrue(re.getMessage().contains("nope"), re.getMessage());
  }

  @Test
  void handlerFailingLaterFails() {
    SpoaHandlers.register(vertx, "fails-later", req -> {
      io.vertx.core.Promise<List<Action>> p = io.vertx.core.Promise.promise();
      vertx.runOnContext(v -> p.fail("later"));
      return p.future();
    }).await();
    assertHandlerFailure("fails-later");
  }

  @Test
  void handlerReturningNullActionsRepliesEmpty() {
    SpoaHandlers.register(vertx, "null-actions", req -> Future.succeededFuture(null)).await();
    SpoaReply reply = replyOf("null-actions");
    assertTrue(reply.actions().isEmpty());
  }

  @Test
  void handlerReturningNoActionsRepliesEmpty() {
    SpoaHandlers.register(vertx, "no-actions", req -> Future.succeededFuture(List.of())).await();
    SpoaReply reply = replyOf("no-actions");
    assertTrue(reply.actions().isEmpty());
    assertEquals(SpoaReply.EMPTY, reply);
  }

  @Test
  void noHandlerMeansNoHandlers() {
    SpoaHandlers.register(vertx, "registered", req -> Future.succeededFuture(List.of())).await();
    ReplyException re = failureOf("not-registered");
    assertEquals(ReplyFailure.NO_HANDLERS, re.failureType());
  }

  @Test
  void customPrefixIsUsed() {
    SpoaHandlers.register(vertx, "custom.", "m", req -> Future.succeededFuture(List.of(
      Action.setVar(Scope.TXN, "ok", true)))).await();
    Message<Object> reply = vertx.eventBus().request("custom.m", request("m"), BOUNDED).await();
    assertEquals(SpoaReply.of(Action.setVar(Scope.TXN, "ok", true)), reply.body());
    assertEquals(ReplyFailure.NO_HANDLERS, failureOf("m").failureType(), "not under the default prefix");
  }

  @Test
  void unregisteringTheConsumerStopsTheHandler() {
    var consumer = SpoaHandlers.register(vertx, "m", req -> Future.succeededFuture(List.of())).await();
    replyOf("m");
    consumer.unregister().await();
    assertEquals(ReplyFailure.NO_HANDLERS, failureOf("m").failureType());
  }

  @Test
  void verticleServesUntilUndeployed() {
    SpoaHandlerVerticle verticle = SpoaHandlerVerticle.of("check-client-ip",
      req -> Future.succeededFuture(List.of(Action.setVar(Scope.SESS, "ip_score", 10))));
    assertEquals("check-client-ip", verticle.messageName());
    String id = vertx.deployVerticle(verticle).await();
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", 10)), replyOf("check-client-ip").actions());

    vertx.undeploy(id).await();
    ReplyException re = failureOf("check-client-ip");
    assertEquals(ReplyFailure.NO_HANDLERS, re.failureType(), re::toString);
  }

  @Test
  void verticleHandlerFailureIsReported() {
    vertx.deployVerticle(SpoaHandlerVerticle.of("bad", req -> {
      throw new IllegalArgumentException("bad arg");
    })).await();
    assertHandlerFailure("bad");
  }

  @Test
  void twoVerticlesShareOneName() {
    AtomicInteger a = new AtomicInteger();
    AtomicInteger b = new AtomicInteger();
    vertx.deployVerticle(SpoaHandlerVerticle.of("shared", req -> {
      a.incrementAndGet();
      return Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "by", "a")));
    })).await();
    vertx.deployVerticle(SpoaHandlerVerticle.of("shared", req -> {
      b.incrementAndGet();
      return Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "by", "b")));
    })).await();

    List<Future<Message<Object>>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(send("shared"));
    }
    Future.all(replies).await();
    int fromA = 0;
    for (Future<Message<Object>> f : replies) {
      SpoaReply r = assertInstanceOf(SpoaReply.class, f.result().body());
      if (r.actions().get(0).value().asString().equals("a")) {
        fromA++;
      }
    }
    assertEquals(20, a.get() + b.get(), "each request handled exactly once");
    assertTrue(a.get() > 0, "first verticle got " + a.get());
    assertTrue(b.get() > 0, "second verticle got " + b.get());
    assertEquals(a.get(), fromA, "each reply comes from the verticle that handled it");
    assertNotEquals(0, 20 - fromA);
  }

  @Test
  void verticleOfRejectsNulls() {
    assertThrows(NullPointerException.class, () -> SpoaHandlerVerticle.of("m", null));
    assertThrows(NullPointerException.class, () -> SpoaHandlerVerticle.of(null, req -> null));
  }

  @Test
  void anUndeployedVerticleAnswersTheCallsItStartedThenStops() {
    io.vertx.core.Promise<List<Action>> held = io.vertx.core.Promise.promise();
    AtomicInteger calls = new AtomicInteger();
    String id = vertx.deployVerticle(SpoaHandlerVerticle.of("held", req -> {
      calls.incrementAndGet();
      return held.future();
    })).await();
    Future<Message<Object>> inProgress = send("held");
    dev.spoa.Await.until(() -> calls.get() == 1, "the call started");

    Future<Void> undeployed = vertx.undeploy(id);
    dev.spoa.Await.until(() -> SpoaHandlers.missingHandlers(vertx, SpoaHandlers.DEFAULT_ADDRESS_PREFIX,
      List.of("held"), 1000).await().equals(List.of("held")), "the handler takes no new call once stopping");
    assertTrue(!undeployed.isComplete(), "the undeploy waits for the call in progress");
    held.complete(List.of(Action.setVar(Scope.TXN, "late", 1)));
    SpoaReply reply = assertInstanceOf(SpoaReply.class, inProgress.await().body());
    assertEquals(1, reply.actions().size(), "the call in progress is answered");
    undeployed.await();
  }

  /** A handler that holds a client, and says when it was closed, and how many calls it had then. */
  private static final class ClosingHandler implements SpoaHandler, AutoCloseable {
    final AtomicInteger calls = new AtomicInteger();
    volatile int callsWhenClosed = -1;

    @Override
    public Future<List<Action>> handle(SpoaRequest request) {
      calls.incrementAndGet();
      return Future.succeededFuture(List.of());
    }

    @Override
    public void close() {
      callsWhenClosed = calls.get();
    }
  }

  @Test
  void aHandlerThatHoldsResourcesIsClosedWhenItsVerticleStops() {
    ClosingHandler handler = new ClosingHandler();
    String id = vertx.deployVerticle(SpoaHandlerVerticle.of("closing", handler)).await();
    send("closing").await();
    assertEquals(-1, handler.callsWhenClosed, "open while deployed");
    vertx.undeploy(id).await();
    assertEquals(1, handler.callsWhenClosed, "closed on undeploy, after its call");
  }
}
