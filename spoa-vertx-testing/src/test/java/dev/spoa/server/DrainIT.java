package dev.spoa.server;

import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.testing.HaproxyPersonality;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain's rule against the test client: connections are kept and served until the checking
 * HAProxy has had {@code drainHealthChecks} checks refused (it may send on any of them until it
 * marks the agent DOWN), then each closes after its next ACK; the listener serves late connections
 * until the drain is quiet.
 */
class DrainIT extends AgentTestBase {

  private static final SpoaMessage M = SpoaMessage.of("m");

  DrainIT() {
    pipeliningBefore31 = false; // the default: 2.6 personality connections carry one NOTIFY at a time
  }

  private void startDrainableServer(int drainHealthChecks) {
    startServer(new SpoaServerOptions().setDrainHealthChecks(drainHealthChecks).setDrainIdleTimeout(300));
    handler("m", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "x", 1))));
  }

  /** An ACK for the NOTIFY, and (proved by a second one) the connection still open after it. */
  private static void assertServedAndKept(SpopTestClient c, long streamId) {
    assertEquals(1, c.notify(streamId, 1, M).await().actions().size());
    AckFrame next = c.notify(streamId + 1, 1, M).await();
    assertEquals(streamId + 1, next.streamId(), "no DISCONNECT came between the two ACKs");
  }

  @Test
  void connectionsAreKeptUntilTheCheckingHaproxyHadThatManyChecksRefused() {
    startDrainableServer(3);
    assertEquals(dev.spoa.protocol.FrameType.AGENT_HELLO, client().healthCheck().await().type()); // HAProxy checks
    // 3.x: a quiet connection of an agent marked DOWN is not picked again, so it closes once quiet
    SpopTestClient busy = readyClient(HaproxyPersonality.HAPROXY_3_X);
    Future<Void> drained = server.shutdown(20, TimeUnit.SECONDS);

    for (int refused = 1; refused <= 2; refused++) {
      assertDisconnect(client().healthCheck().await(), SpopStatus.NORMAL);
      assertServedAndKept(busy, refused * 10);
    }
    SpopTestClient late = readyClient(HaproxyPersonality.HAPROXY_3_X); // still UP to HAProxy: served
    assertServedAndKept(late, 100);

    assertDisconnect(client().healthCheck().await(), SpopStatus.NORMAL); // the third: DOWN
    assertDisconnect(busy.nextFrame().await(), SpopStatus.NORMAL); // closes once quiet
    busy.closed().await();
    assertDisconnect(late.nextFrame().await(), SpopStatus.NORMAL);
    drained.await();
    assertFalse(server.isListening());
  }

  @Test
  void afterTheChecksWereRefusedAConnectionClosesRightAfterItsAck() {
    startDrainableServer(1);
    client().healthCheck().await();
    SpopTestClient c = readyClient();
    Future<Void> drained = server.shutdown(20, TimeUnit.SECONDS);
    assertDisconnect(client().healthCheck().await(), SpopStatus.NORMAL);
    // one refused check was asked for: the next ACK is the connection's last frame
    awaitReleased(c);
    drained.await();
  }

  @Test
  void anAgentNeverCheckedDoesNotWaitForChecks() {
    startDrainableServer(3);
    SpopTestClient c = readyClient();
    Future<Void> drained = server.shutdown(20, TimeUnit.SECONDS);
    awaitReleased(c);
    drained.await();
  }

  @Test
  void theDrainTimeEndsAConnectionHaproxyStillUsesWhenTheChecksNeverCame() {
    startDrainableServer(3);
    client().healthCheck().await();
    SpopTestClient c = readyClient();
    Future<Void> drained = server.shutdown(500, TimeUnit.MILLISECONDS);
    assertDisconnect(c.nextFrame().await(), SpopStatus.NORMAL);
    drained.await();
  }

  /** A NOTIFY answered by its ACK followed by AGENT-DISCONNECT (the release may come just after the ACK). */
  private static void awaitReleased(SpopTestClient c) {
    awaitReleased(c, 1);
  }

  private static void awaitReleased(SpopTestClient c, long streamId) {
    assertEquals(1, c.notify(streamId, 1, M).await().actions().size());
    assertDisconnect(assertInstanceOf(dev.spoa.protocol.Frame.class, c.nextFrame().await()), SpopStatus.NORMAL);
    c.closed().await();
  }

  /**
   * A drain of a 2.6 connection nothing is sent on (drainIdleTimeout 1 s): HAProxy 2.6-3.0 may hand
   * it a NOTIFY while others get traffic (a HAProxy thread reuses its latest idle connection first,
   * so one idle for 20 s can be woken by the next burst), so it waits for the whole agent's quiet second.
   */
  private SpopTestClient drainingWithAQuiet26Connection() {
    startServer(new SpoaServerOptions().setDrainHealthChecks(1));
    handler("m", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "x", 1))));
    client().healthCheck().await();
    SpopTestClient quiet = readyClient();
    server.shutdown(30, TimeUnit.SECONDS);
    assertDisconnect(client().healthCheck().await(), SpopStatus.NORMAL); // DOWN
    return quiet;
  }

  @Test
  void aQuietHaproxy26ConnectionClosesOnceTheWholeAgentIsQuiet() {
    SpopTestClient quiet = drainingWithAQuiet26Connection();
    long from = System.nanoTime();
    assertDisconnect(quiet.nextFrame().await(), SpopStatus.NORMAL);
    assertTrue(System.nanoTime() - from < TimeUnit.SECONDS.toNanos(4), "closed for the agent's quiet second");
  }

  @Test
  void aQuietHaproxy26ConnectionIsKeptWhileTheAgentGetsNotifiesHoweverLongItsOwnSilence() throws Exception {
    SpopTestClient quiet = drainingWithAQuiet26Connection();
    SpopTestClient quiet3x = readyClient(HaproxyPersonality.HAPROXY_3_X);
    long from = System.nanoTime();
    // HAProxy's traffic goes on over other connections, a NOTIFY every 100 ms, for 6 s: more than
    // five of the quiet connection's own drain idle timeouts
    long streamId = 1;
    long lastAnswer = 0;
    while (System.nanoTime() - from < TimeUnit.SECONDS.toNanos(6)) {
      lastAnswer = sendOneNotify(streamId++);
    }
    assertTrue(quiet3x.closed().isComplete(), "a quiet 3.x connection closes after its own quiet second");
    assertFalse(quiet.closed().isComplete(), "the quiet 2.6 one is kept while the agent gets NOTIFYs");
    assertDisconnect(quiet.nextFrame().await(), SpopStatus.NORMAL);
    // the agent's quiet second starts when it reads the last NOTIFY, a little before its answer came back
    assertTrue(System.nanoTime() - lastAnswer >= TimeUnit.MILLISECONDS.toNanos(500),
      "closed once the agent had been quiet for its drain idle timeout");
  }

  /** One NOTIFY on a connection of its own, then 100 ms of nothing; returns when its answer came. */
  private long sendOneNotify(long streamId) throws InterruptedException {
    SpopTestClient other = readyClient();
    assertEquals(1, other.notify(streamId, 1, M).await().actions().size());
    long answered = System.nanoTime();
    other.close();
    Thread.sleep(100);
    return answered;
  }
}
