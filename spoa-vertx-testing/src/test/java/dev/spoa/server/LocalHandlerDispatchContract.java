package dev.spoa.server;

import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.metrics.MicrometerSpoaMetrics;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.testing.SpopTestClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a handler registered in the server's own Vert.x instance gets, however it is reached (by a
 * local call over the event bus, the default, or by {@code directDispatch}): its own context,
 * deadlines, fallbacks, one ACK per NOTIFY; names without such a handler go as event-bus requests.
 */
abstract class LocalHandlerDispatchContract {

  /** The deadline of the messages whose tests expect it to expire; the others have one no test reaches. */
  static final long DEADLINE = 300;
  static final Action OK = Action.setVar(Scope.TXN, "ok", 1);

  Vertx vertx;
  SimpleMeterRegistry registry;
  SpoaServer server;
  SpopTestClient client;
  /** Messages that crossed the event bus, by address (requests, local calls and replies). */
  private final Map<String, AtomicInteger> overTheBus = new ConcurrentHashMap<>();

  /** Whether the server calls local handlers without the event bus. */
  abstract boolean directDispatch();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    vertx.eventBus().addOutboundInterceptor(ctx -> {
      overTheBus.computeIfAbsent(ctx.message().address(), a -> new AtomicInteger()).incrementAndGet();
      ctx.next();
    });
    registry = new SimpleMeterRegistry();
    server = SpoaServer.create(vertx, options().setDirectDispatch(directDispatch()))
      .metrics(new MicrometerSpoaMetrics(registry));
    server.listen().await();
    client = SpopTestClient.connect(vertx, server.actualPort(), "127.0.0.1").await();
    assertEquals(FrameType.AGENT_HELLO, client.hello().await().type());
    overTheBus.clear(); // the server's warm-up: not what the tests count
  }

  @AfterEach
  void tearDown() {
    client.close();
    vertx.close().await();
  }

  static SpoaServerOptions options() {
    return new SpoaServerOptions().setPort(0).setHandlerTimeout(AgentTestBase.HANDLER_TIMEOUT_NOT_UNDER_TEST)
      .setHandlerTimeout("late", DEADLINE).setHandlerTimeout("long", DEADLINE).setHandlerTimeout("short", 50)
      .setFallbackVariable("txn.spoa_error")
      .setPipeliningBefore31(true); // the client plays HAProxy 2.6 and pipelines
  }

  static Action fallback(FallbackReason reason) {
    return Action.setVar(Scope.TXN, "spoa_error", reason.code());
  }

  int busMessages(String address) {
    AtomicInteger n = overTheBus.get(address);
    return n == null ? 0 : n.get();
  }

  /** Messages to addresses other than those of SPOA messages: replies. */
  int busMessagesElsewhere() {
    return overTheBus.entrySet().stream().filter(e -> !e.getKey().startsWith(SpoaHandlers.DEFAULT_ADDRESS_PREFIX))
      .mapToInt(e -> e.getValue().get()).sum();
  }

  int busRequests(String messageName) {
    return busMessages(SpoaHandlers.address(messageName));
  }

  /**
   * The {@code calls} to a local handler of {@code messageName} crossed the event bus once each as
   * local calls (no reply message), or not at all with {@code directDispatch}.
   */
  void assertLocalCalls(String messageName, int calls) {
    assertEquals(directDispatch() ? 0 : calls, busRequests(messageName));
    assertEquals(0, busMessagesElsewhere(), "no replies");
  }

  /** A second ACK would arrive before the AGENT-DISCONNECT and fail the frame type check. */
  private void assertExactlyOneAckEach() {
    KvFrame bye = client.disconnect(0, "normal").await();
    assertEquals(FrameType.AGENT_DISCONNECT, bye.type());
    assertEquals(SpopStatus.NORMAL.code(), bye.get("status-code").asLong());
  }

  @Test
  void aLocalHandlerIsCalledOnItsOwnContext() {
    Set<String> deploymentsSeen = ConcurrentHashMap.newKeySet();
    String deployment = vertx.deployVerticle(SpoaHandlerVerticle.of("check", req -> {
      deploymentsSeen.add(Vertx.currentContext().deploymentID());
      return Future.succeededFuture(List.of(Action.setVar(Scope.SESS, "seen", req.streamId())));
    })).await();
    for (int i = 1; i <= 20; i++) {
      assertEquals(List.of(Action.setVar(Scope.SESS, "seen", i)), client.notify(i, 1, SpoaMessage.of("check")).await().actions());
    }
    assertEquals(Set.of(deployment), deploymentsSeen, "the handler runs on its verticle's context");
    assertLocalCalls("check", 20);
    assertEquals(20, registry.get("spoa.handler.duration").tag("message", "check").timer().count());
  }

  @Test
  void aWorkerHandlerRunsOnAWorkerThread() {
    List<String> threads = new CopyOnWriteArrayList<>();
    vertx.deployVerticle(SpoaHandlerVerticle.of("blocking", req -> {
      threads.add(Thread.currentThread().getName());
      return Future.succeededFuture(List.of(OK));
    }), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await();
    assertEquals(List.of(OK), client.notify(1, 1, SpoaMessage.of("blocking")).await().actions());
    assertEquals(1, threads.size());
    assertTrue(threads.get(0).contains("worker"), threads.get(0));
    assertLocalCalls("blocking", 1);
  }

  @Test
  void failingThrowingErringAndSilentHandlersStillYieldOneAckEach() {
    SpoaHandlers.register(vertx, "fails", req -> Future.failedFuture("injected")).await();
    SpoaHandlers.register(vertx, "throws", req -> {
      throw new IllegalStateException("injected");
    }).await();
    SpoaHandlers.register(vertx, "null", req -> null).await();
    SpoaHandlers.register(vertx, "error", req -> {
      throw new AssertionError("injected");
    }).await();
    SpoaHandlers.register(vertx, "null-action", req -> Future.succeededFuture(Arrays.asList(OK, null))).await();
    Promise<List<Action>> late = Promise.promise();
    SpoaHandlers.register(vertx, "late", req -> late.future()).await();
    assertEquals(List.of(fallback(FallbackReason.HANDLER_FAILURE)), client.notify(1, 1, SpoaMessage.of("fails")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.HANDLER_FAILURE)), client.notify(3, 1, SpoaMessage.of("throws")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.HANDLER_FAILURE)), client.notify(5, 1, SpoaMessage.of("null")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.HANDLER_FAILURE)), client.notify(9, 1, SpoaMessage.of("error")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.HANDLER_FAILURE)),
      client.notify(11, 1, SpoaMessage.of("null-action")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.TIMEOUT)), client.notify(7, 1, SpoaMessage.of("late")).await().actions());
    late.complete(List.of(OK)); // after its deadline: ignored
    assertExactlyOneAckEach();
    assertEquals(1.0, registry.get("spoa.fallbacks").tag("message", "late").tag("reason", "timeout").counter().count());
  }

  @Test
  void eachMessageKeepsItsOwnDeadline() {
    SpoaHandlers.register(vertx, "long", req -> Promise.<List<Action>>promise().future()).await();
    SpoaHandlers.register(vertx, "short", req -> Promise.<List<Action>>promise().future()).await();
    List<Long> order = new CopyOnWriteArrayList<>();
    Future<AckFrame> first = client.notify(1, 1, SpoaMessage.of("long")).onSuccess(a -> order.add(a.streamId()));
    Future<AckFrame> second = client.notify(3, 1, SpoaMessage.of("short")).onSuccess(a -> order.add(a.streamId()));
    assertEquals(List.of(fallback(FallbackReason.TIMEOUT)), first.await().actions());
    assertEquals(List.of(fallback(FallbackReason.TIMEOUT)), second.await().actions());
    // the 50 ms deadline, set after the 300 ms one, expires first
    assertEquals(List.of(3L, 1L), order);
  }

  @Test
  void namesWithoutALocalHandlerGoOverTheEventBus() {
    vertx.eventBus().<SpoaRequest>consumer(SpoaHandlers.address("raw"), msg -> msg.reply(SpoaReply.of(OK)))
      .completion().await();
    SpoaHandlers.register(vertx, "local", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "local", 1))))
      .await();
    AckFrame ack = client.notify(1, 1, SpoaMessage.of("local"), SpoaMessage.of("raw")).await();
    assertEquals(List.of(Action.setVar(Scope.TXN, "local", 1), OK), ack.actions(), "actions in message order");
    assertEquals(1, busRequests("raw"));
    assertEquals(directDispatch() ? 0 : 1, busRequests("local"));
    assertEquals(List.of(fallback(FallbackReason.NO_HANDLER)), client.notify(3, 1, SpoaMessage.of("nobody")).await().actions());
  }

  @Test
  void anUndeployedHandlerIsNoLongerCalled() {
    AtomicInteger calls = new AtomicInteger();
    String deployment = vertx.deployVerticle(SpoaHandlerVerticle.of("gone", req -> {
      calls.incrementAndGet();
      return Future.succeededFuture(List.of(OK));
    })).await();
    assertEquals(List.of(OK), client.notify(1, 1, SpoaMessage.of("gone")).await().actions());
    vertx.undeploy(deployment).await();
    assertEquals(List.of(fallback(FallbackReason.NO_HANDLER)), client.notify(3, 1, SpoaMessage.of("gone")).await().actions());
    assertEquals(1, calls.get());
  }

  @Test
  void aConsumerUnregisteredByItsOwnerIsNoLongerCalledEvenWithItsEndHandlerReplaced() {
    AtomicInteger calls = new AtomicInteger();
    MessageConsumer<SpoaRequest> consumer = SpoaHandlers.register(vertx, "owned", req -> {
      calls.incrementAndGet();
      return Future.succeededFuture(List.of(OK));
    }).await();
    consumer.endHandler(v -> { }); // the owner's own end handler replaces the registry's
    consumer.unregister().await();
    assertEquals(List.of(fallback(FallbackReason.NO_HANDLER)), client.notify(1, 1, SpoaMessage.of("owned")).await().actions());
    assertEquals(0, calls.get());
  }

  @Test
  void severalInstancesShareTheLoad() {
    Map<Integer, AtomicInteger> perInstance = new ConcurrentHashMap<>();
    AtomicInteger instances = new AtomicInteger();
    vertx.deployVerticle(() -> {
      int instance = instances.incrementAndGet();
      return SpoaHandlerVerticle.of("shared", req -> {
        perInstance.computeIfAbsent(instance, k -> new AtomicInteger()).incrementAndGet();
        return Future.succeededFuture(List.of(OK));
      });
    }, new DeploymentOptions().setInstances(2)).await();
    List<Future<AckFrame>> acks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      acks.add(client.notify(2L * i + 1, 1, SpoaMessage.of("shared")));
    }
    Future.all(acks).await();
    assertEquals(2, perInstance.size(), "both instances served: " + perInstance);
    assertEquals(10, perInstance.values().stream().mapToInt(AtomicInteger::get).sum());
  }
}
