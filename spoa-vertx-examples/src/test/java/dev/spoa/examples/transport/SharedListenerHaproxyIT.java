package dev.spoa.examples.transport;

import dev.spoa.examples.haproxy.CountingMetrics;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.examples.haproxy.HaproxyTestBase;
import dev.spoa.examples.haproxy.IpScores;
import dev.spoa.examples.iprep.IpReputationHandler;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SpoaServerVerticle} deployed as 4 instances that share one listener (Vert.x hands each
 * accepted connection to the next instance's event loop), behind the real HAProxy on every
 * version: on TCP, on a unix socket, and on a unix socket whose path still holds the file a
 * {@code kill -9}ed agent left behind. Every request must get its score and the checks pass.
 */
class SharedListenerHaproxyIT extends HaproxyTestBase {

  private static final int INSTANCES = 4;

  enum Listener { TCP, UNIX_SOCKET, UNIX_SOCKET_OVER_A_STALE_FILE }

  @TempDir
  Path tmp;

  private final InstanceMetrics metrics = new InstanceMetrics();

  /** Also which server instance (its event-loop context) accepted each connection. */
  static final class InstanceMetrics extends CountingMetrics {
    final Set<Context> accepting = ConcurrentHashMap.newKeySet();

    @Override
    public void connectionOpened() {
      accepting.add(Vertx.currentContext()); // called on the accepting instance's event loop
      super.connectionOpened();
    }
  }

  static Stream<Arguments> versionsAndListeners() {
    return HaproxyBinary.versions(v -> true)
      .flatMap(v -> Stream.of(Listener.values()).map(l -> Arguments.of(v, l)));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("versionsAndListeners")
  void fourInstancesShareOneListenerBehindHaproxy(HaproxyBinary binary, Listener listener) throws Exception {
    SpoaServerOptions options = new SpoaServerOptions().setHandlerTimeout(1500);
    String server;
    if (listener == Listener.TCP) {
      int agentPort = HaproxyProcess.freePort();
      options.setPort(agentPort);
      server = "127.0.0.1:" + agentPort;
    } else {
      Path socket = tmp.resolve("agent.sock");
      if (listener == Listener.UNIX_SOCKET_OVER_A_STALE_FILE) {
        leaveStaleSocketFile(socket);
      }
      options.setUnixSocketPath(socket.toString());
      server = "unix@" + socket;
    }
    vertx.deployVerticle(SpoaHandlerVerticle.of(IpReputationHandler.MESSAGE, new IpReputationHandler())).await();
    vertx.deployVerticle(() -> new SpoaServerVerticle(options, metrics), new DeploymentOptions().setInstances(INSTANCES))
      .await();

    int webPort = HaproxyProcess.freePort();
    String cfg = HaproxyProcess.confHaproxyCfg(binary, webPort, 12345) // the whole server line is replaced below
      .replaceFirst("(?m)^    server agent1 .*$",
        Matcher.quoteReplacement("    server agent1 " + server + " check inter 200ms fall 3 rise 1"));
    String spoe = HaproxyProcess.confSpoe().replace("timeout processing 500ms", "timeout processing 2s");
    assertTrue(cfg.contains("server agent1 " + server + " check") && spoe.contains("timeout processing 2s"), cfg);
    haproxy = HaproxyProcess.start(binary, cfg, webPort, "spoe-iprep.conf", spoe);
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10)),
      haproxy.log());

    List<Optional<String>> scores = IpScores.fetch(webPort, 4, 800);
    assertEquals(800, scores.stream().filter(s -> s.equals(Optional.of("20"))).count(),
      "every response has Ip_score: 20; HAProxy log:\n" + haproxy.log());
    // the score is a session variable: the agent's own count proves that each request got its ACK
    metrics.assertAnswered(800, haproxy);

    // each check is a new connection (every 200 ms): enough for the shared listener to reach every instance
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (metrics.accepting.size() < INSTANCES && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(INSTANCES, metrics.accepting.size(), "every instance accepted connections; "
      + metrics.connections.get() + " connections");
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ZERO),
      "still UP after the load, the last check passed");
    assertTrue(metrics.healthChecks.get() >= 1, "health checks answered: " + metrics.healthChecks.get());
  }

  /** What a {@code kill -9}ed agent leaves: a socket file nobody listens on (closing a channel does not remove it). */
  private static void leaveStaleSocketFile(Path socket) throws Exception {
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS),
      "a stale socket file is left behind");
  }
}
