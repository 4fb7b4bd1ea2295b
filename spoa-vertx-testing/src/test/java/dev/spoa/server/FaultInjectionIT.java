package dev.spoa.server;

import dev.spoa.Await;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.metrics.MicrometerSpoaMetrics;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.SpopTestClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faulty handlers: each NOTIFY still gets exactly one valid ACK. "Exactly one" is checked by
 * ending the connection with a HAPROXY-DISCONNECT once every fault has played out: frames on a
 * connection are ordered, so a second ACK would arrive before the AGENT-DISCONNECT and fail
 * {@link SpopTestClient#nextKvFrame()}.
 */
class FaultInjectionIT {

  /** The deadline of the messages whose tests expect it to expire; the others have one no test reaches. */
  private static final long DEADLINE = 200;
  private static final Action OK = Action.setVar(Scope.TXN, "ok", 1);

  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private SpoaServer server;
  private final List<SpopTestClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    server = SpoaServer.create(vertx, new SpoaServerOptions().setPort(0)
        .setHandlerTimeout(AgentTestBase.HANDLER_TIMEOUT_NOT_UNDER_TEST).setHandlerTimeout("silent", DEADLINE)
        .setHandlerTimeout("late", DEADLINE).setHandlerTimeout("no-codec", DEADLINE).setHandlerTimeout("m", DEADLINE)
        .setFallbackVariable("txn.spoa_error").setAckOverflowVariable("txn.spoa_dropped"))
      .metrics(new MicrometerSpoaMetrics(registry));
    server.listen().await();
  }

  @AfterEach
  void tearDown() {
    clients.forEach(SpopTestClient::close);
    vertx.close().await();
  }

  private SpopTestClient readyClient() {
    SpopTestClient c = SpopTestClient.connect(vertx, server.actualPort(), "127.0.0.1").await();
    clients.add(c);
    assertEquals(FrameType.AGENT_HELLO, c.hello().await().type());
    return c;
  }

  private static Action fallback(FallbackReason reason) {
    return Action.setVar(Scope.TXN, "spoa_error", reason.code());
  }

  /** A raw event-bus consumer for a message name: full control over how (and whether) it replies. */
  private MessageConsumer<SpoaRequest> raw(String name, Consumer<Message<SpoaRequest>> consumer) {
    MessageConsumer<SpoaRequest> c = vertx.eventBus().consumer(SpoaHandlers.address(name), consumer::accept);
    c.completion().await();
    return c;
  }

  /** No second ACK on this connection, and nothing in flight or open on the server afterwards. */
  private void assertExactlyOneAckEachAndNothingLeft(SpopTestClient... cs) {
    for (SpopTestClient c : cs) {
      KvFrame bye = c.disconnect(0, "normal").await(); // fails if a stray ACK comes first
      assertEquals(FrameType.AGENT_DISCONNECT, bye.type());
      assertEquals(SpopStatus.NORMAL.code(), bye.get("status-code").asLong());
      c.closed().await();
    }
    // the server counts a close on its event loop, after the client has seen it
    Await.until(() -> registry.get("spoa.connections.active").gauge().value() == 0,
      () -> "open connections: " + registry.get("spoa.connections.active").gauge().value());
    assertEquals(0, registry.get("spoa.notify.in.flight").gauge().value(), "in-flight NOTIFYs");
  }

  @Test
  void anEventBusThatThrowsWhileSendingYieldsTheErrorFallback() {
    raw("m", msg -> msg.reply(SpoaReply.of(OK)));
    SpopTestClient c = readyClient();
    // request() then throws at once, as Vert.x 5.0.7's clustered event bus can when the connection to
    // a handler node fails while the request is written; the NOTIFY must still get its ACK
    vertx.eventBus().unregisterDefaultCodec(dev.spoa.handler.SpoaRequest.class);
    assertEquals(List.of(fallback(FallbackReason.ERROR)), c.notify(1, 1, SpoaMessage.of("m")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.ERROR)), c.notify(3, 1, SpoaMessage.of("m")).await().actions(),
      "the connection goes on");
    assertExactlyOneAckEachAndNothingLeft(c);
  }

  @Test
  void aThrowingHandlerYieldsTheFailureFallback() throws Exception {
    SpoaHandlers.register(vertx, "throws", req -> {
      throw new IllegalStateException("injected");
    }).await();
    SpoaHandlers.register(vertx, "bad-name", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "bad name!", 1))))
      .await();
    SpopTestClient c = readyClient();
    assertEquals(List.of(fallback(FallbackReason.HANDLER_FAILURE)), c.notify(1, 1, SpoaMessage.of("throws")).await().actions());
    // Action refuses a bad variable name: the handler fails where it builds it, and falls back
    assertEquals(List.of(fallback(FallbackReason.HANDLER_FAILURE)), c.notify(3, 1, SpoaMessage.of("bad-name")).await().actions());
    assertExactlyOneAckEachAndNothingLeft(c);
  }

  @Test
  void aHandlerThatNeverRepliesYieldsTheTimeoutFallbackAtTheDeadline() throws Exception {
    raw("silent", msg -> { });
    SpopTestClient c = readyClient();
    assertEquals(List.of(fallback(FallbackReason.TIMEOUT)), c.notify(1, 1, SpoaMessage.of("silent")).await().actions());
    assertExactlyOneAckEachAndNothingLeft(c);
  }

  @Test
  void aLateReplyIsDroppedAfterTheFallbackAck() throws Exception {
    Promise<Void> lateReplySent = Promise.promise();
    raw("late", msg -> vertx.setTimer(DEADLINE * 3, id -> {
      msg.reply(new SpoaReply(List.of(OK)));
      lateReplySent.complete();
    }));
    SpopTestClient c = readyClient();
    assertEquals(List.of(fallback(FallbackReason.TIMEOUT)), c.notify(1, 1, SpoaMessage.of("late")).await().actions());
    lateReplySent.future().await();
    // one more NOTIFY round trip after the late reply: any ACK it caused would have been written by now
    raw("ok", msg -> msg.reply(new SpoaReply(List.of(OK))));
    assertEquals(List.of(OK), c.notify(3, 1, SpoaMessage.of("ok")).await().actions());
    assertExactlyOneAckEachAndNothingLeft(c);
  }

  @Test
  void aSecondReplyIsIgnored() throws Exception {
    Action second = Action.setVar(Scope.TXN, "second", 2);
    AtomicInteger secondReplies = new AtomicInteger();
    raw("twice", msg -> {
      msg.reply(new SpoaReply(List.of(OK)));
      msg.reply(new SpoaReply(List.of(second)));
      secondReplies.incrementAndGet();
    });
    SpopTestClient c = readyClient();
    for (int i = 0; i < 10; i++) {
      assertEquals(List.of(OK), c.notify(2L * i + 1, 1, SpoaMessage.of("twice")).await().actions());
    }
    assertEquals(10, secondReplies.get());
    assertExactlyOneAckEachAndNothingLeft(c);
  }

  @Test
  void repliesThatAreNotSpoaRepliesYieldTheErrorFallback() throws Exception {
    raw("string", msg -> msg.reply("set-var(txn.ok) 1"));
    raw("json", msg -> msg.reply(new JsonObject().put("actions", List.of("x"))));
    raw("null", msg -> msg.reply(null));
    // a body without a codec: reply() throws in the consumer and nothing is sent, so: the deadline
    raw("no-codec", msg -> msg.reply(new Object()));
    raw("fail", msg -> msg.fail(42, "injected"));
    SpopTestClient c = readyClient();
    assertEquals(List.of(fallback(FallbackReason.ERROR)), c.notify(1, 1, SpoaMessage.of("string")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.ERROR)), c.notify(3, 1, SpoaMessage.of("json")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.ERROR)), c.notify(5, 1, SpoaMessage.of("null")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.TIMEOUT)), c.notify(7, 1, SpoaMessage.of("no-codec")).await().actions());
    assertEquals(List.of(fallback(FallbackReason.HANDLER_FAILURE)), c.notify(9, 1, SpoaMessage.of("fail")).await().actions());
    // several messages in one NOTIFY: the fallback variable once, the good actions kept
    raw("ok", msg -> msg.reply(new SpoaReply(List.of(OK))));
    assertEquals(List.of(fallback(FallbackReason.ERROR), OK),
      c.notify(11, 1, SpoaMessage.of("string"), SpoaMessage.of("ok"), SpoaMessage.of("json")).await().actions());
    assertExactlyOneAckEachAndNothingLeft(c);
  }

  @Test
  void anOversizedValueIsLeftOutOfAnAckThatStillFits() throws Exception {
    Action big = Action.setVar(Scope.TXN, "big", "x".repeat(20_000)); // larger than any agreed frame
    raw("big", msg -> msg.reply(new SpoaReply(List.of(OK, big, OK))));
    SpopTestClient c = readyClient(); // no fragmentation offered: the ACK must fit one frame
    AckFrame ack = c.notify(1, 1, SpoaMessage.of("big")).await();
    assertEquals(List.of(OK, Action.setVar(Scope.TXN, "spoa_dropped", 2)), ack.actions(),
      "the actions before the big one, then the count of those left out");
    assertTrue(FrameEncoder.ack(1, 1, ack.actions()).length() - 4 <= SpopTestClient.DEFAULT_MAX_FRAME_SIZE);
    assertExactlyOneAckEachAndNothingLeft(c);
  }

  @Test
  void theConsumerUnregisteringMidLoadLeavesNoNotifyHanging() throws Exception {
    AtomicInteger served = new AtomicInteger();
    Promise<Void> unregistered = Promise.promise();
    MessageConsumer<SpoaRequest>[] consumer = new MessageConsumer[1];
    consumer[0] = raw("m", msg -> {
      // answer a little later, so that requests are in flight when the consumer goes
      vertx.setTimer(2, id -> msg.reply(new SpoaReply(List.of(OK))));
      if (served.incrementAndGet() == 100) {
        consumer[0].unregister().onComplete(ar -> unregistered.complete());
      }
    });
    List<SpopTestClient> conns = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      conns.add(readyClient());
    }
    List<Future<AckFrame>> acks = new ArrayList<>();
    for (int round = 0; round < 60; round++) {
      for (SpopTestClient c : conns) {
        acks.add(c.notify(2L * round + 1, 1, SpoaMessage.of("m", dev.spoa.protocol.Arg.of("n", TypedValue.ofInt64(round)))));
      }
    }
    int ok = 0;
    int noHandler = 0;
    for (Future<AckFrame> f : acks) {
      List<Action> actions = f.await().actions(); // none hangs (the JUnit timeout would say so)
      if (actions.equals(List.of(OK))) {
        ok++;
      } else {
        // Vert.x drops a request that reaches the consumer while it unregisters: no reply, so the
        // deadline answers it (TIMEOUT); later requests find no handler at all (NO_HANDLER)
        assertTrue(actions.equals(List.of(fallback(FallbackReason.NO_HANDLER)))
          || actions.equals(List.of(fallback(FallbackReason.TIMEOUT))), () -> "unexpected ACK " + actions);
        noHandler++;
      }
    }
    unregistered.future().await();
    assertEquals(300, ok + noHandler);
    assertTrue(served.get() >= 100, "the consumer served " + served.get() + " before it went");
    assertTrue(ok > 0, "answered by the handler before it went");
    assertTrue(noHandler > 0, "answered with a fallback after it");
    assertEquals(List.of(fallback(FallbackReason.NO_HANDLER)),
      conns.get(0).notify(1001, 1, SpoaMessage.of("m")).await().actions(), "requests after it get the fallback");
    assertExactlyOneAckEachAndNothingLeft(conns.toArray(new SpopTestClient[0]));
  }
}
