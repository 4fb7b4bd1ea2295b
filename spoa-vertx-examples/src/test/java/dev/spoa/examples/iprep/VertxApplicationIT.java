package dev.spoa.examples.iprep;

import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.protocol.FrameType;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vert.x way: Vert.x's own launcher ({@code VertxApplication}) starts the library's
 * {@code SpoaAgentVerticle} from a JSON configuration naming the handler class, with the launcher's
 * {@code -instances} and its metrics options; behind each HAProxy version; SIGTERM drains.
 */
class VertxApplicationIT {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Process agent;
  private Path log;
  private Path conf;
  private Vertx vertx;

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null && agent.isAlive()) {
      agent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await();
    }
    for (Path p : new Path[] {log, conf}) {
      if (p != null) {
        Files.deleteIfExists(p);
      }
    }
  }

  private String log() {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void vertxApplicationRunsTheAgentVerticleFromItsConfiguration(HaproxyBinary binary) throws Exception {
    int port = HaproxyProcess.freePort();
    int admin = HaproxyProcess.freePort();
    int web = HaproxyProcess.freePort();
    conf = Files.createTempFile("agent", ".json");
    Files.writeString(conf, new JsonObject()
      .put("spoa", new JsonObject().put("port", port))
      .put("metrics", new JsonObject().put("port", admin))
      .put("agent", new JsonObject().put("messages", new JsonArray().add(IpReputationHandler.MESSAGE))
        .put("handlers", new JsonObject().put(IpReputationHandler.MESSAGE, IpReputationHandler.class.getName())))
      .encodePrettily());
    log = Files.createTempFile("agent", ".log");
    Path jar = Path.of("target", "ip-reputation-agent.jar").toAbsolutePath();
    agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", jar.toString(),
      "io.vertx.launcher.application.VertxApplication", "dev.spoa.agent.SpoaAgentVerticle",
      "-conf", conf.toString(), "-instances", "2",
      "-options", "{\"metricsOptions\":{\"enabled\":true,\"prometheusOptions\":{\"enabled\":true}}}")
      .redirectErrorStream(true).redirectOutput(log.toFile()).start();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        if (get(admin, "/ready").statusCode() == 200) {
          break;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      assertTrue(agent.isAlive() && System.nanoTime() < deadline, () -> "agent did not get ready:\n" + log());
      Thread.sleep(100);
    }

    String cfg = HaproxyProcess.confHaproxyCfg(binary, web, port);
    try (HaproxyProcess haproxy = HaproxyProcess.start(binary, cfg, web, "spoe-iprep.conf", HaproxyProcess.confSpoe())) {
      haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(15));
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = get(web, "/");
        assertEquals(Optional.of("20"), r.headers().firstValue("Ip_score"), () -> "scored; HAProxy log:\n" + haproxy.log());
      }
    }
    String scrape = get(admin, "/metrics").body();
    assertTrue(scrape.contains("spoa_frames_received_total{type=\"notify\"}"), scrape);
    assertTrue(scrape.contains("vertx_net_server_active_connections"), "one registry: Vert.x's, from the launcher's options");

    vertx = Vertx.vertx();
    SpopTestClient client = SpopTestClient.connect(vertx, port, "127.0.0.1").await();
    client.hello().await();
    agent.destroy(); // SIGTERM: the launcher closes Vert.x, which undeploys the servers (children) first
    assertEquals(FrameType.AGENT_DISCONNECT, client.nextFrame().await().type(), "the drain says goodbye");
    assertTrue(agent.waitFor(30, TimeUnit.SECONDS), () -> "exits after SIGTERM:\n" + log());
    assertFalse(log().contains("NO_HANDLER"), log());
    assertFalse(log().contains("Exception"), log());
  }
}
