package dev.spoa.server;

import dev.spoa.cluster.LoopbackCluster;
import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.testing.HaproxyPersonality;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code hedgeAfter} on a three-node cluster: node B holds every request it gets (as a node that
 * died or stalls would), node C answers. Without hedging the requests that went to B fall back at
 * the deadline; with it, C answers them shortly after the hedge time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HedgedDispatchIT {

  private static final String STALLS_ON_B = "score";
  private static final String FAILS_ON_B = "fragile";
  private static final long DEADLINE = 1_000;
  private static final long HEDGE_AFTER = 100;

  private final LoopbackCluster cluster = new LoopbackCluster(3);
  private Vertx front;

  /** B never answers {@value #STALLS_ON_B} and fails {@value #FAILS_ON_B}; C answers both with its name. */
  private static SpoaHandler handler(String node, String message) {
    return req -> {
      if (node.equals("B")) {
        return message.equals(STALLS_ON_B) ? Promise.<List<Action>>promise().future()
          : Future.failedFuture(new IllegalStateException("B fails"));
      }
      return Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "node", node)));
    };
  }

  @BeforeAll
  void startCluster() {
    front = cluster.start(0);
    Vertx b = cluster.start(1);
    Vertx c = cluster.start(2);
    // the same number of consumers on each node: Vert.x 5.0.7 weighs a node by its consumers minus one
    for (String message : List.of(STALLS_ON_B, FAILS_ON_B)) {
      b.deployVerticle(() -> SpoaHandlerVerticle.of(message, handler("B", message)), new DeploymentOptions().setInstances(2)).await();
      c.deployVerticle(() -> SpoaHandlerVerticle.of(message, handler("C", message)), new DeploymentOptions().setInstances(2)).await();
    }
  }

  @AfterAll
  void stopCluster() {
    cluster.close();
  }

  /**
   * What {@code count} NOTIFYs of {@code message}, one after the other, were answered with, by node
   * or fallback. One at a time: the event bus picks B and C in turn, so the first request of every
   * other message goes to B.
   */
  private Map<String, Integer> answers(long hedgeAfter, RecordingMetrics metrics, String message, int count)
    throws Exception {
    SpoaServer server = SpoaServer.create(front, new SpoaServerOptions().setPort(0).setHandlerTimeout(DEADLINE)
      .setHedgeAfter(hedgeAfter).setFallbackVariable("txn.fallback").setWarmUpNotifies(0)).metrics(metrics);
    server.listen().await();
    try {
      SpopTestClient client = SpopTestClient.connect(front, server.actualPort(), "127.0.0.1", HaproxyPersonality.HAPROXY_3_X)
        .await();
      client.hello().await();
      Map<String, Integer> by = new TreeMap<>();
      for (int i = 0; i < count; i++) {
        Action a = client.notify(SpoaMessage.of(message)).await(10, TimeUnit.SECONDS).actions().get(0);
        by.merge(a.name().equals("node") ? a.value().asString() : "fallback " + a.value().asLong(), 1, Integer::sum);
      }
      client.close();
      return by;
    } finally {
      server.close().await();
    }
  }

  @Test
  void withoutHedgingWhatGoesToTheStalledNodeFallsBackAtTheDeadline() throws Exception {
    RecordingMetrics metrics = new RecordingMetrics();
    Map<String, Integer> by = answers(0, metrics, STALLS_ON_B, 20);
    assertEquals(20, by.values().stream().mapToInt(Integer::intValue).sum());
    assertTrue(by.getOrDefault("fallback " + FallbackReason.TIMEOUT.code(), 0) > 0, "B's share times out: " + by);
    assertEquals(0, metrics.hedged.get());
  }

  @Test
  void withHedgingTheOtherNodeAnswersWhatTheStalledOneHolds() throws Exception {
    RecordingMetrics metrics = new RecordingMetrics();
    Map<String, Integer> by = answers(HEDGE_AFTER, metrics, STALLS_ON_B, 20);
    assertEquals(Map.of("C", 20), by, "every message answered by C before the deadline: none fell back");
    assertTrue(metrics.hedged.get() > 0, "what went to B first was asked again");
  }

  @Test
  void aHandlerThatFailsIsNotAskedAgain() throws Exception {
    RecordingMetrics metrics = new RecordingMetrics();
    Map<String, Integer> by = answers(HEDGE_AFTER, metrics, FAILS_ON_B, 20);
    assertTrue(by.getOrDefault("fallback " + FallbackReason.HANDLER_FAILURE.code(), 0) > 0,
      "B's failures stay failures: " + by);
    assertEquals(0, metrics.hedged.get(), "a quick failure is an answer, not lateness");
  }
}
