package dev.spoa.server;

import dev.spoa.cluster.LoopbackCluster;
import dev.spoa.handler.impl.SpoaCodecs;
import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three clustered Vert.x instances on loopback: node A runs only the server, nodes B and C only
 * handlers (B on the event loop, C on a worker pool). NOTIFYs sent to A are answered by B and C,
 * pipelined and out of order; each ACK carries the actions computed for its own ids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusteredDispatchIT {

  private static final String MESSAGE = "score";
  private static final Action NO_HANDLER_FALLBACK = Action.setVar(Scope.TXN, "spoa_fallback",
    FallbackReason.NO_HANDLER.code());

  private final LoopbackCluster cluster = new LoopbackCluster(3);
  private final RecordingMetrics metrics = new RecordingMetrics();
  private final Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
  private Vertx front;
  private Vertx nodeB;
  private Vertx nodeC;
  private SpoaServer server;
  private SpopTestClient client;

  /** Echoes the ids and the argument, names its node, and answers after 0-2 ms so replies reorder. */
  private SpoaHandler handler(Vertx vertx, String node) {
    return req -> {
      servedBy.computeIfAbsent(node, k -> new AtomicInteger()).incrementAndGet();
      List<Action> actions = List.of(
        Action.setVar(Scope.TXN, "node", node),
        Action.setVar(Scope.TXN, "sid", req.streamId()),
        Action.setVar(Scope.TXN, "fid", req.frameId()),
        Action.setVar(Scope.TXN, "n", req.arg("n").asLong()));
      long delay = req.frameId() % 3;
      if (delay == 0) {
        return Future.succeededFuture(actions);
      }
      Promise<List<Action>> p = Promise.promise();
      vertx.setTimer(delay, t -> p.complete(actions));
      return p.future();
    };
  }

  @BeforeAll
  void startCluster() {
    front = cluster.start(0);
    nodeB = cluster.start(1);
    nodeC = cluster.start(2);
    nodeB.deployVerticle(() -> SpoaHandlerVerticle.of(MESSAGE, handler(nodeB, "B")),
      new DeploymentOptions().setInstances(2)).await();
    nodeC.deployVerticle(() -> SpoaHandlerVerticle.of(MESSAGE, handler(nodeC, "C")),
      new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setWorkerPoolName("handlers")
        .setWorkerPoolSize(4).setInstances(4)).await();
    server = SpoaServer.create(front, new SpoaServerOptions().setPort(0).setHandlerTimeout(5_000)
      .setMaxInFlightPerConnection(200).setFallbackVariable("txn.spoa_fallback")).metrics(metrics);
    server.listen().await();
    client = SpopTestClient.connect(front, server.actualPort(), "127.0.0.1").await();
    client.hello().await();
  }

  @AfterAll
  void stopCluster() {
    if (client != null) {
      client.close();
    }
    cluster.close();
  }

  private static SpoaMessage scoreMessage(long n) {
    return SpoaMessage.of(MESSAGE, Arg.of("n", TypedValue.ofInt64(n)));
  }

  /** Sends {@code count} NOTIFYs without waiting, then checks every ACK against its own ids. */
  private Map<String, Integer> pipelined(int count, long streamBase) throws Exception {
    List<Future<AckFrame>> acks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long stream = streamBase + i / 4;
      long frame = i % 4 + 1;
      acks.add(client.notify(stream, frame, scoreMessage(stream * 10 + frame)));
    }
    Map<String, Integer> nodes = new TreeMap<>();
    for (Future<AckFrame> f : acks) {
      AckFrame ack = f.await(20, TimeUnit.SECONDS);
      List<Action> a = ack.actions();
      assertEquals(4, a.size(), () -> "handler actions, not a fallback: " + a);
      assertEquals(ack.streamId(), a.get(1).value().asLong(), "stream id correlates");
      assertEquals(ack.frameId(), a.get(2).value().asLong(), "frame id correlates");
      assertEquals(ack.streamId() * 10 + ack.frameId(), a.get(3).value().asLong(), "the message's own argument");
      nodes.merge(a.get(0).value().asString(), 1, Integer::sum);
    }
    return nodes;
  }

  @Test
  @Order(1)
  void pipelinedNotifiesAreAnsweredByHandlersOnOtherNodesAndCorrelate() throws Exception {
    Map<String, Integer> nodes = pipelined(400, 1_000);
    assertEquals(List.of("B", "C"), List.copyOf(nodes.keySet()), "both handler nodes share the load: " + nodes);
    assertEquals(400, nodes.values().stream().mapToInt(Integer::intValue).sum());
    assertEquals(0, metrics.fallbacks.values().stream().mapToInt(AtomicInteger::get).sum(), "no fallback");
  }

  @Test
  @Order(2)
  void aMessageWithNoHandlerAnywhereFallsBackAndIsCounted() throws Exception {
    AckFrame ack = client.notify(1, 1, SpoaMessage.of("nobody-handles-this")).await(20, TimeUnit.SECONDS);
    assertEquals(List.of(NO_HANDLER_FALLBACK), ack.actions());
    assertEquals(1, metrics.fallbacks.get(FallbackReason.NO_HANDLER).get());
  }

  @Test
  @Order(4)
  void whenAHandlerNodeLeavesTheSurvivorTakesAllTheTraffic() throws Exception {
    cluster.close(nodeC); // graceful leave: its subscriptions go with it
    Map<String, Integer> nodes = pipelined(100, 5_000);
    assertEquals(Map.of("B", 100), nodes);
  }

  @Test
  @Order(5)
  void codecsAreRegisteredOnEveryNodeThatTakesPart() {
    // a request from a node that never used the server: the handler node's codec decodes it
    SpoaCodecs.register(front);
    SpoaRequest req = new SpoaRequest("e", 9, 9, scoreMessage(99));
    Object body = front.eventBus().request("spoa.message." + MESSAGE, req, new DeliveryOptions().setSendTimeout(10_000))
      .await().body();
    assertTrue(body instanceof SpoaReply r && r.actions().get(3).value().asLong() == 99, String.valueOf(body));
  }
}
