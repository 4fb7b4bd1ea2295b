package dev.spoa.examples.iprep;

import dev.spoa.examples.haproxy.AgentProcess;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar, run as users run it: port from the environment or a system property, SIGTERM to
 * stop, behind each HAProxy version with the shipped conf/ files.
 */
class IpReputationAgentJarIT {

  private Vertx vertx;
  private Process agent;
  private Path log;

  @BeforeEach
  void setUp() throws IOException {
    vertx = Vertx.vertx();
    log = Files.createTempFile("agent", ".log");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null && agent.isAlive()) {
      agent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    vertx.close().await();
    Files.deleteIfExists(log);
  }

  private int metricsPort;

  private SpopTestClient startAgent(int port, List<String> jvmArgs, String envPort) throws Exception {
    return startAgent(port, jvmArgs, envPort, List.of());
  }

  private SpopTestClient startAgent(int port, List<String> jvmArgs, String envPort, List<String> args) throws Exception {
    agent = launch(jvmArgs, envPort, args);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        return SpopTestClient.connect(vertx, port, "127.0.0.1").await();
      } catch (Exception notYet) {
        assertTrue(agent.isAlive() && System.nanoTime() < deadline, () -> "agent did not start:\n" + readLog());
        Thread.sleep(100);
      }
    }
  }

  private Process launch(List<String> jvmArgs, String envPort, List<String> args) throws IOException {
    Path jar = Path.of("target", "ip-reputation-agent.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "run after 'package': " + jar);
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(AgentProcess.jvmOptions());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    if (envPort != null) {
      pb.environment().put("SPOA_PORT", envPort);
    }
    metricsPort = HaproxyProcess.freePort();
    pb.environment().put("SPOA_METRICS_PORT", String.valueOf(metricsPort));
    return pb.start();
  }

  private HttpResponse<String> admin(String path) throws Exception {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path)).timeout(Duration.ofSeconds(10)).build(),
      HttpResponse.BodyHandlers.ofString());
  }

  private String readLog() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void portFromTheEnvironmentServesNotifiesAndSigtermStopsGracefully() throws Exception {
    int port = HaproxyProcess.freePort();
    SpopTestClient client = startAgent(port, List.of(), String.valueOf(port));
    assertEquals(FrameType.AGENT_HELLO, client.hello().await().type());
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", 20)), client.notify(0, 1,
      SpoaMessage.of("check-client-ip", Arg.of("ip", TypedValue.ofAddress(InetAddress.getLoopbackAddress()))))
      .await().actions());

    // the admin port: liveness, readiness (the handler is registered) and the Prometheus scrape
    assertEquals(200, admin("/health").statusCode());
    assertEquals(200, admin("/ready").statusCode(), () -> "ready: " + readLog());
    String scrape = admin("/metrics").body();
    assertTrue(scrape.contains("spoa_frames_received_total{type=\"notify\"} 1.0"), scrape);
    assertTrue(scrape.contains("vertx_net_server_active_connections"), "Vert.x's own meters too");
    assertTrue(readLog().contains("\"port\" : " + port), "the effective configuration is logged: " + readLog());

    agent.destroy(); // SIGTERM
    assertEquals(FrameType.AGENT_DISCONNECT, client.nextFrame().await().type(), "graceful shutdown says goodbye");
    assertTrue(agent.waitFor(15, TimeUnit.SECONDS), "the agent exits after SIGTERM");
    assertTrue(readLog().contains("listening on 127.0.0.1:" + port), readLog());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void behindHaproxyEveryResponseCarriesTheScoreAndTheCheckPasses(HaproxyBinary binary) throws Exception {
    int port = HaproxyProcess.freePort();
    int web = HaproxyProcess.freePort();
    startAgent(port, List.of(), String.valueOf(port)).close().await(); // listening: HAProxy may come
    String cfg = HaproxyProcess.confHaproxyCfg(binary, web, port).replace("check inter 2s", "check inter 200ms");
    try (HaproxyProcess haproxy = HaproxyProcess.start(binary, cfg, web, "spoe-iprep.conf", HaproxyProcess.confSpoe())) {
      assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10)),
        haproxy.log());
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/"))
        .timeout(Duration.ofSeconds(10)).build();
      for (int i = 0; i < 50; i++) {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(Optional.of("20"), r.headers().firstValue("Ip_score"), () -> "request scored; HAProxy log:\n"
          + haproxy.log() + "\nagent log:\n" + readLog());
      }
      assertTrue(admin("/metrics").body().contains("spoa_frames_received_total{type=\"notify\"} 50.0"),
        "the jar's own meters saw the 50 NOTIFYs");
    }
  }

  @Test
  void theConfigurationFileAppliesAndChangesLive() throws Exception {
    int port = HaproxyProcess.freePort();
    Path conf = Files.createTempFile("spoa", ".yaml");
    try {
      Files.writeString(conf, "spoa:\n  port: " + port + "\n  handlerTimeout: 300\nagent:\n  logLevel: info\n");
      SpopTestClient client = startAgent(port, List.of(), null, List.of("--conf", conf.toString()));
      client.hello().await();
      Files.writeString(conf, "spoa:\n  port: " + port + "\n  handlerTimeout: 250\n  fallbackVariable: txn.spoa_error\n"
        + "agent:\n  logLevel: debug\n");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (!readLog().contains("configuration reloaded") && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(readLog().contains("configuration reloaded"), readLog());
      assertTrue(readLog().contains("log level is now debug"), readLog());
      // the live fallback variable: a message nobody handles now sets it (reason 3, no handler)
      assertEquals(List.of(Action.setVar(Scope.TXN, "spoa_error", 3)),
        client.notify(1, 1, SpoaMessage.of("unknown-message")).await().actions());
      assertTrue(agent.isAlive());
    } finally {
      Files.deleteIfExists(conf);
    }
  }

  @Test
  void aConfigurationMistakeStopsTheStartWithOneClearMessage() throws Exception {
    Process p = launch(List.of(), null, List.of("--spoa.maxFramSize=100", "--metrics.port=notaport"));
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue());
    String out = readLog();
    assertTrue(out.contains("unknown key 'spoa.maxFramSize', did you mean 'maxFrameSize'?"), out);
    assertTrue(out.contains("metrics.port: expected an integer, got 'notaport'"), out);
    assertFalse(out.contains("\tat "), "no stack trace for a user mistake: " + out);
  }

  @Test
  void systemPropertyWinsOverTheEnvironment() throws Exception {
    int port = HaproxyProcess.freePort();
    int unused = HaproxyProcess.freePort();
    SpopTestClient client = startAgent(port, List.of("-Dspoa.port=" + port), String.valueOf(unused));
    assertEquals(FrameType.AGENT_HELLO, client.healthCheck().await().type());
  }
}
