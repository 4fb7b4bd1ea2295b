package dev.spoa.server;

import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.testing.HaproxyPersonality;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * An in-process agent and fake HAProxy connections to it: one Vert.x instance per test, a server on
 * a free loopback port recording its metrics, clients closed after the test.
 */
public abstract class AgentTestBase {

  /**
   * The handler deadline of tests whose subject is not the deadline: far beyond the delays their
   * handlers add on purpose plus what a loaded machine adds, which the default (400 ms) is not.
   */
  static final long HANDLER_TIMEOUT_NOT_UNDER_TEST = 30_000;

  protected Vertx vertx;
  protected RecordingMetrics metrics;
  protected SpoaServer server;
  protected final List<SpopTestClient> clients = new ArrayList<>();

  @BeforeEach
  protected void startVertx() {
    vertx = Vertx.vertx();
    metrics = new RecordingMetrics();
  }

  @AfterEach
  protected void closeVertx() {
    clients.forEach(SpopTestClient::close);
    vertx.close().await();
  }

  /**
   * The suites exercise pipelining with the 2.6 personality as well, so servers agree to it with
   * 2.6-3.0 unless a suite clears this; {@link DrainIT} and {@code HelloNegotiationTest} keep the
   * default, which does not.
   */
  protected boolean pipeliningBefore31 = true;

  /** Starts a server on a free port. */
  protected void startServer(SpoaServerOptions options) {
    options.setPipeliningBefore31(options.isPipeliningBefore31() || pipeliningBefore31);
    if (options.getWarmUpNotifies() == SpoaServerOptions.DEFAULT_WARM_UP_NOTIFIES) {
      // the JIT's warm-up is per JVM, and this one is warm after its first test (WarmUpIT tests it)
      options.setWarmUpNotifies(0);
    }
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
    return client(personality, new NetClientOptions().setTcpNoDelay(true));
  }

  protected SpopTestClient client(HaproxyPersonality personality, NetClientOptions options) {
    SpopTestClient c = SpopTestClient.connect(vertx, SocketAddress.inetSocketAddress(server.actualPort(), "127.0.0.1"),
      personality, options).await();
    clients.add(c);
    return c;
  }

  /** A client that said HELLO and got an AGENT-HELLO. */
  protected SpopTestClient readyClient() {
    return readyClient(HaproxyPersonality.HAPROXY_2_6);
  }

  protected SpopTestClient readyClient(HaproxyPersonality personality) {
    return readyClient(personality, new NetClientOptions().setTcpNoDelay(true));
  }

  protected SpopTestClient readyClient(HaproxyPersonality personality, NetClientOptions options) {
    SpopTestClient c = client(personality, options);
    KvFrame hello = c.hello().await();
    assertEquals(FrameType.AGENT_HELLO, hello.type(), () -> "expected AGENT-HELLO, got " + hello);
    return c;
  }

  protected void handler(String name, SpoaHandler h) {
    SpoaHandlers.register(vertx, name, h).await();
  }

  /** Registers a handler of {@code name} that answers only when the test releases a request. */
  protected HeldRequests holdRequests(String name) {
    HeldRequests held = new HeldRequests();
    handler(name, held::hold);
    return held;
  }

  /**
   * Requests kept unanswered until the test releases them, in arrival order, and the most the
   * handler held unanswered at once: what shows a cap on NOTIFYs in flight at work, with no need to
   * wait and see that nothing more arrives.
   */
  protected static final class HeldRequests {
    private final List<Promise<List<Action>>> held = new CopyOnWriteArrayList<>();
    private final AtomicInteger released = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();

    private Future<List<Action>> hold(SpoaRequest request) {
      Promise<List<Action>> p = Promise.promise();
      held.add(p);
      mostAtOnce.accumulateAndGet(held.size() - released.get(), Math::max);
      return p.future();
    }

    /** How many requests reached the handler. */
    int count() {
      return held.size();
    }

    /** The most requests the handler held unanswered at the same time. */
    int mostAtOnce() {
      return mostAtOnce.get();
    }

    /** Answers the {@code index}-th request (0-based) with {@code actions}. */
    void release(int index, List<Action> actions) {
      released.incrementAndGet(); // before the answer, which lets the next request in
      held.get(index).complete(actions);
    }
  }

  /**
   * Returns once every timer that the last opened connection armed so far with a delay of at most
   * {@code delayMillis} has fired. A timer armed after them on the same event loop with that delay
   * is due no earlier, and an event loop runs its due timers in deadline order: when it fires,
   * theirs have run. A sleep could only guess, and a loaded machine runs timers late.
   */
  protected void awaitConnectionTimers(long delayMillis) {
    Context connection = metrics.lastOpenedConnection;
    Promise<Void> fired = Promise.promise();
    connection.runOnContext(v -> connection.owner().setTimer(delayMillis, id -> fired.complete()));
    fired.future().await();
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
