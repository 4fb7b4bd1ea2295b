package dev.spoa.server;

import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.testing.HaproxyPersonality;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * An in-process agent and fake HAProxy connections to it: one Vert.x instance per test, a server on
 * a free loopback port recording its metrics, clients closed after the test.
 */
abstract class AgentTestBase {

  protected Vertx vertx;
  protected RecordingMetrics metrics;
  protected SpoaServer server;
  protected final List<SpopTestClient> clients = new ArrayList<>();

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
    metrics = new RecordingMetrics();
  }

  @AfterEach
  void closeVertx() {
    clients.forEach(SpopTestClient::close);
    vertx.close().await();
  }

  protected void startServer(SpoaServerOptions options) {
    server = SpoaServer.create(vertx, options.setPort(0)).metrics(metrics);
    server.listen().await();
  }

  protected void startServer() {
    startServer(new SpoaServerOptions());
  }

  protected SpopTestClient client() {
    return client(HaproxyPersonality.HAPROXY_2_6);
  }

  protected SpopTestClient client(HaproxyPersonality personality) {
    SpopTestClient c = SpopTestClient.connect(vertx, server.actualPort(), "127.0.0.1", personality).await();
    clients.add(c);
    return c;
  }

  /** A client that said HELLO and got an AGENT-HELLO. */
  protected SpopTestClient readyClient() {
    return readyClient(HaproxyPersonality.HAPROXY_2_6);
  }

  protected SpopTestClient readyClient(HaproxyPersonality personality) {
    SpopTestClient c = client(personality);
    KvFrame hello = c.hello().await();
    assertEquals(FrameType.AGENT_HELLO, hello.type(), () -> "expected AGENT-HELLO, got " + hello);
    return c;
  }

  protected void handler(String name, SpoaHandler h) {
    SpoaHandlers.register(vertx, name, h).await();
  }

  protected static void assertDisconnect(Frame frame, SpopStatus status) {
    KvFrame kv = assertInstanceOf(KvFrame.class, frame);
    assertEquals(FrameType.AGENT_DISCONNECT, kv.type(), () -> "expected AGENT-DISCONNECT, got " + frame);
    assertEquals(status.code(), kv.get("status-code").asLong(), () -> "status of " + frame);
  }

  /** The failure of a future that must fail. */
  protected static Throwable assertFails(Future<?> f) {
    try {
      f.await();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected a failure");
  }
}
