package dev.spoa.examples.iprep;

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

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged jar, run as users run it: port from the environment or a system property, SIGTERM to stop. */
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

  private SpopTestClient startAgent(int port, List<String> jvmArgs, String envPort) throws Exception {
    Path jar = Path.of("target", "ip-reputation-agent.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "run after 'package': " + jar);
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    if (envPort != null) {
      pb.environment().put("SPOA_PORT", envPort);
    }
    agent = pb.start();
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

    agent.destroy(); // SIGTERM
    assertEquals(FrameType.AGENT_DISCONNECT, client.nextFrame().await().type(), "graceful shutdown says goodbye");
    assertTrue(agent.waitFor(15, TimeUnit.SECONDS), "the agent exits after SIGTERM");
    assertTrue(readLog().contains("listening on 127.0.0.1:" + port), readLog());
  }

  @Test
  void systemPropertyWinsOverTheEnvironment() throws Exception {
    int port = HaproxyProcess.freePort();
    int unused = HaproxyProcess.freePort();
    SpopTestClient client = startAgent(port, List.of("-Dspoa.port=" + port), String.valueOf(unused));
    assertEquals(FrameType.AGENT_HELLO, client.healthCheck().await().type());
  }
}
