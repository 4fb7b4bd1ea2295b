package dev.spoa.server;

import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several server verticle instances on one unix socket: Vert.x shares one listener per path among
 * them, so the stale-file check must happen once, before the first bind, and never against a
 * listener of this Vert.x.
 */
class UnixSocketInstancesIT extends AgentTestBase {

  private static final List<Action> ANSWER = List.of(Action.setVar(Scope.TXN, "uds", true));

  @TempDir
  Path dir;
  private Path socket;
  /** The metrics of each server instance deployed, in creation order. */
  private final List<RecordingMetrics> instances = new CopyOnWriteArrayList<>();

  @BeforeEach
  void handlerAndPath() {
    socket = dir.resolve("agent.sock");
    handler("m", req -> Future.succeededFuture(ANSWER));
  }

  private Future<String> deploy(int count) {
    SpoaServerOptions options = new SpoaServerOptions().setUnixSocketPath(socket.toString());
    return vertx.deployVerticle(() -> {
      RecordingMetrics m = new RecordingMetrics();
      instances.add(m);
      return new SpoaServerVerticle(options, m);
    }, new DeploymentOptions().setInstances(count));
  }

  /** A NOTIFY over a new connection to the socket is answered. */
  private void assertServed() {
    SpopTestClient c = SpopTestClient.connect(vertx, SocketAddress.domainSocketAddress(socket.toString())).await();
    clients.add(c);
    c.hello().await();
    assertEquals(ANSWER, c.notify(1, 1, SpoaMessage.of("m")).await().actions());
  }

  private void leaveStaleSocketFile() throws Exception {
    try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      crashed.bind(UnixDomainSocketAddress.of(socket)); // closed without removing the file, as after a crash
    }
    assertTrue(Files.exists(socket));
  }

  @ParameterizedTest(name = "stale socket file left: {0}")
  @ValueSource(booleans = {false, true})
  void fourInstancesOnOneSocketAllStartAndEachServesConnections(boolean staleFile) throws Exception {
    if (staleFile) {
      leaveStaleSocketFile();
    }
    deploy(4).await();
    assertEquals(4, instances.size());
    for (int i = 0; i < 8; i++) { // Vert.x hands the accepted connections to the instances in turn
      assertServed();
    }
    for (RecordingMetrics m : instances) {
      assertTrue(m.opened.get() >= 1, "every instance serves connections: " + instances.stream().map(x -> x.opened.get()).toList());
    }
  }

  @Test
  void aLaterDeploymentBesideALiveOneStartsAndLeavesItsSocketAlone() {
    String first = deploy(1).await();
    assertServed();
    String later = deploy(3).await(); // would find the first one's listener: "another process listens"
    for (int i = 0; i < 4; i++) {
      assertServed();
    }
    vertx.undeploy(first).await();
    assertServed();
    vertx.undeploy(later).await(); // the last listener closes and takes its file with it
    deploy(1).await();
    assertServed();
  }

  @Test
  void aSocketAnotherProcessServesIsLeftAloneAndCheckedAgainOnTheNextStart() throws Exception {
    try (ServerSocketChannel foreign = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      foreign.bind(UnixDomainSocketAddress.of(socket));
      Throwable refused = assertFails(deploy(4));
      assertTrue(refused.getMessage().contains("another process listens"), refused.getMessage());
      assertTrue(Files.exists(socket), "the live socket file is still there");
    }
    // the other process is gone and left its file: the next start checks again and takes the path
    deploy(2).await();
    assertServed();
  }
}
