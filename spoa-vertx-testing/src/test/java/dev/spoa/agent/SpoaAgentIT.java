package dev.spoa.agent;

import dev.spoa.Await;
import dev.spoa.config.SpoaConfig;
import dev.spoa.handler.SpoaHandler;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A whole agent from the library alone: handlers, its own settings, the admin port, live changes, the drain. */
class SpoaAgentIT {

  @TempDir
  Path tmp;

  private static final String MESSAGE = "check-request";
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(5)).build();
  private RunningAgent running;
  private Vertx client;

  @AfterEach
  void tearDown() {
    if (running != null) {
      running.close().await();
    }
    if (client != null) {
      client.close().await();
    }
  }

  /** Scores a request with the {@code bot} section's threshold; the argument {@code ua} is optional. */
  private record BotHandler(JsonObject bot) implements SpoaHandler {
    @Override
    public Future<List<Action>> handle(dev.spoa.handler.SpoaRequest request) {
      Arg ua = request.argOrNull("ua");
      int score = ua == null ? bot.getInteger("threshold") : 0;
      return Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "bot_score", score),
        Action.setVar(Scope.TXN, "reason", bot.getString("reason", "none"))));
    }
  }

  private static SpoaAgent botAgent() {
    return SpoaAgent.create("bot agent").section("bot")
      .handler(MESSAGE, config -> new BotHandler(config.section("bot")));
  }

  private SpopTestClient connect() {
    client = client == null ? Vertx.vertx() : client;
    SpopTestClient c = SpopTestClient.connect(client, running.servers().get(0).actualPort(), "127.0.0.1").await();
    c.hello().await();
    return c;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + running.adminPort() + path))
      .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anAgentStartsFromArgumentsWithItsOwnSectionAndAnAdminPort() throws Exception {
    // Micrometer's "already registered" WARN for vertx-micrometer-metrics' gauges: the agent quiets it
    ch.qos.logback.classic.Logger meterLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
      .getLogger("io.micrometer.core.instrument.MeterRegistry");
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> meterEvents =
      new ch.qos.logback.core.read.ListAppender<>();
    meterEvents.start();
    meterLog.addAppender(meterEvents);
    running = botAgent().start("--port", "0", "--metrics.port=0", "--spoa.warmUpNotifies=0", "--bot.threshold=42")
      .await();
    assertEquals(SpoaConfig.Role.ALL, running.config().role());
    SpopTestClient c = connect();
    AckFrame ack = c.notify(SpoaMessage.of(MESSAGE)).await();
    assertEquals(List.of(Action.setVar(Scope.TXN, "bot_score", 42), Action.setVar(Scope.TXN, "reason", "none")),
      ack.actions(), "the handler read --bot.threshold=42 as a number");
    AckFrame withUa = c.notify(SpoaMessage.of(MESSAGE, Arg.of("ua", TypedValue.ofString("curl")))).await();
    assertEquals(Action.setVar(Scope.TXN, "bot_score", 0), withUa.actions().get(0));

    assertTrue(running.adminPort() > 0);
    HttpResponse<String> ready = get("/ready");
    assertEquals(200, ready.statusCode(), "ready: the server listens and the handler's message has a consumer; " + ready.body());
    String scrape = get("/metrics").body();
    assertTrue(scrape.contains("spoa_frames_received_total{type=\"notify\"} 2.0"), "the agent's metrics:\n" + scrape);
    assertTrue(scrape.contains("vertx_"), "and Vert.x's own, wired before Vert.x was built");
    meterLog.detachAppender(meterEvents);
    assertEquals(List.of(), meterEvents.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
      .map(e -> e.getFormattedMessage()).toList(), "a clean start: no meter registration warning");
  }

  @Test
  void closingDrainsTheServerBeforeTheHandlersStop() {
    Promise<Void> release = Promise.promise();
    AtomicInteger calls = new AtomicInteger();
    running = SpoaAgent.create("slow agent")
      .handler(MESSAGE, () -> req -> {
        calls.incrementAndGet();
        return release.future().map(v -> List.of(Action.setVar(Scope.TXN, "answered", 1)));
      })
      .start("--port=0", "--metrics.enabled=false", "--spoa.warmUpNotifies=0", "--spoa.handlerTimeout=5000",
        "--spoa.drainHealthChecks=0", "--spoa.drainIdleTimeout=200")
      .await();
    assertEquals(-1, running.adminPort(), "metrics off: no admin port");
    SpopTestClient c = connect();
    Future<AckFrame> ack = c.notify(SpoaMessage.of(MESSAGE));
    Await.until(() -> calls.get() == 1, "the handler holds the NOTIFY");
    Future<Void> closed = running.close();
    running.vertx().setTimer(300, t -> release.complete());
    assertEquals(List.of(Action.setVar(Scope.TXN, "answered", 1)), ack.await().actions(),
      "the NOTIFY in flight got its handler's answer: the handler was still deployed during the drain");
    closed.await();
    assertTrue(running.close() == closed, "close is idempotent");
    running = null;
  }

  @Test
  void aChangedFileReachesTheServersAndTheAgentsOwnCode() throws Exception {
    Path file = tmp.resolve("agent.yaml");
    String base = "spoa:\n  port: 0\n  warmUpNotifies: 0\nmetrics:\n  enabled: false\n";
    Files.writeString(file, base + "bot:\n  threshold: 1\n");
    List<SpoaConfig> changes = new CopyOnWriteArrayList<>();
    running = botAgent().configChangeHandler(changes::add).start("--conf", file.toString()).await();
    SpopTestClient c = connect();
    assertEquals(List.of(), c.notify(SpoaMessage.of("no-such-message")).await().actions(), "no fallback variable yet");

    Files.writeString(file, base.replace("warmUpNotifies: 0", "warmUpNotifies: 0\n  fallbackVariable: txn.spoa_error")
      + "bot:\n  threshold: 2\n");
    Await.until(() -> !changes.isEmpty(), "the file's change is seen (scanned every 2 s)");
    assertEquals(2, changes.get(0).section("bot").getInteger("threshold"), "the agent's own code gets the new section");
    Await.until(() -> !c.notify(SpoaMessage.of("no-such-message")).await().actions().isEmpty(),
      "the running server applies the new fallbackVariable");
    assertEquals("spoa_error", c.notify(SpoaMessage.of("no-such-message")).await().actions().get(0).name());
  }

  @Test
  void anAgentDeploysOntoTheApplicationsVertxAndLeavesItRunning() {
    Vertx app = Vertx.vertx();
    try {
      SpoaConfig config = SpoaConfig.fromJson(new JsonObject()
        .put("spoa", new JsonObject().put("port", 0).put("warmUpNotifies", 0))
        .put("metrics", new JsonObject().put("port", 0))
        .put("bot", new JsonObject().put("threshold", 7)), java.util.Set.of("bot"));
      running = botAgent().deploy(app, config).await();
      assertTrue(running.adminPort() > 0);
      AckFrame ack = connect().notify(SpoaMessage.of(MESSAGE)).await();
      assertEquals(Action.setVar(Scope.TXN, "bot_score", 7), ack.actions().get(0));
      running.close().await();
      running = null;
      assertTrue(app.deploymentIDs().isEmpty(), "what the agent deployed is undeployed");
      assertEquals("still running", app.executeBlocking(() -> "still running").await(), "the application's Vert.x stays");
    } finally {
      app.close().await();
    }
  }

  /** A handler named by class in the configuration: it reads its own section. */
  public static final class ConfiguredHandler implements SpoaHandler {
    private final int score;

    public ConfiguredHandler(SpoaConfig config) {
      score = config.section("bot").getInteger("threshold");
    }

    @Override
    public Future<List<Action>> handle(dev.spoa.handler.SpoaRequest request) {
      return Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "configured", score)));
    }
  }

  @Test
  void handlersNamedInTheFileServeBesideThoseGivenInCode() throws Exception {
    Path file = tmp.resolve("agent.yaml");
    Files.writeString(file, "spoa:\n  port: 0\n  warmUpNotifies: 0\nmetrics:\n  enabled: false\n"
      + "agent:\n  handlers:\n    check-configured: " + ConfiguredHandler.class.getName() + "\nbot:\n  threshold: 3\n");
    running = botAgent().start("--conf", file.toString()).await();
    SpopTestClient c = connect();
    assertEquals(List.of(Action.setVar(Scope.TXN, "configured", 3)), c.notify(SpoaMessage.of("check-configured")).await().actions());
    assertEquals(Action.setVar(Scope.TXN, "bot_score", 3), c.notify(SpoaMessage.of(MESSAGE)).await().actions().get(0));
  }
}
