package dev.spoa.server.impl;

import dev.spoa.Await;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When a draining connection may close: after an ACK only once HAProxy no longer picks the agent
 * (or when the connection drains on its own), for being quiet only once released, and with HAProxy
 * 2.6-3.0 only once the whole agent has been quiet.
 */
class ConnectionDrainTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final AgentState shared = new AgentState();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean released = new AtomicBoolean();
  private final AtomicLong drainIdleTimeout = new AtomicLong(50);
  private final AtomicBoolean busy = new AtomicBoolean();
  private final List<String> closed = new CopyOnWriteArrayList<>();

  private final ConnectionDrain.Phase phase = new ConnectionDrain.Phase() {
    @Override
    public boolean isDraining() {
      return draining.get();
    }

    @Override
    public boolean isReleased() {
      return released.get();
    }

    @Override
    public long drainIdleTimeout() {
      return drainIdleTimeout.get();
    }
  };

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private ConnectionDrain connection(String name, ConnectionTimers timers) {
    return new ConnectionDrain(phase, shared, timers, busy::get, () -> closed.add(name), null);
  }

  /** Runs on the context, as the connection does, and waits for it. */
  private <T> T onContext(Supplier<T> action) {
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(v -> done.complete(action.get()));
    return done.join();
  }

  /**
   * Starts the drain, then waits for a timer set {@code periods} idle timeouts later on the same
   * event loop: timers fire in the order of their deadlines, so a quiet watch due by then has fired.
   */
  private void beginAndWaitPeriods(ConnectionDrain drain, int periods) {
    CompletableFuture<Void> sentinel = new CompletableFuture<>();
    context.runOnContext(v -> {
      drain.begin();
      vertx.setTimer(periods * drainIdleTimeout.get(), id -> sentinel.complete(null));
    });
    sentinel.join();
  }

  @Test
  void afterAnAckItClosesOnlyWhenNothingIsLeftAndHaproxyNoLongerPicksTheAgent() {
    ConnectionDrain drain = connection("c", new ConnectionTimers(vertx));
    draining.set(true);
    assertFalse(drain.closesAfterAck(), "the agent drains but HAProxy may still pick it");
    released.set(true);
    assertTrue(drain.closesAfterAck(), "marked DOWN, nothing in flight");
    busy.set(true);
    assertFalse(drain.closesAfterAck(), "a NOTIFY still in flight or being reassembled");
    busy.set(false);
    draining.set(false);
    released.set(false);
    assertTrue(drain.closesAfterAck(), "a connection draining on its own (maximum age, socket shutdown)");
  }

  @Test
  void haproxy26To30ConnectionsAreQuietOnlyOnceTheWholeAgentIs() {
    ConnectionTimers timers = new ConnectionTimers(vertx);
    ConnectionDrain v26 = connection("2.6", timers);
    ConnectionDrain v32 = connection("3.2", timers);
    v26.hello(true);
    v32.hello(false);
    long ownLast = timers.touch();
    assertEquals(ownLast, v32.quietSinceNanos());
    assertEquals(ownLast, v26.quietSinceNanos(), "the agent's last NOTIFY was before");

    long agentLast = ownLast + 1_000_000_000L;
    connection("another", new ConnectionTimers(vertx)).notifyRead(agentLast);
    assertEquals(agentLast, v26.quietSinceNanos(), "another connection's NOTIFY counts");
    assertEquals(ownLast, v32.quietSinceNanos(), "3.1+: its own silence is enough");
  }

  @Test
  void notQuietCloseBeforeHaproxyMarksTheAgentDownThenOnceQuietForTheIdleTimeout() {
    draining.set(true);
    ConnectionTimers timers = new ConnectionTimers(vertx);
    ConnectionDrain drain = connection("c", timers);
    beginAndWaitPeriods(drain, 4);
    assertEquals(List.of(), closed, "not released: HAProxy may pick the connection however long it was idle");

    released.set(true);
    long from = onContext(() -> {
      long lastFrame = timers.touch();
      drain.release();
      return lastFrame;
    });
    Await.until(() -> !closed.isEmpty(), "closed once quiet");
    long closedAfter = (System.nanoTime() - from) / 1_000_000;
    assertEquals(List.of("c"), closed, "closed once");
    assertTrue(closedAfter >= drainIdleTimeout.get(), "quiet for the whole timeout first: " + closedAfter + " ms");
  }

  @Test
  void aBusyReleasedConnectionIsNotClosedForBeingQuiet() {
    draining.set(true);
    released.set(true);
    busy.set(true);
    ConnectionDrain drain = connection("c", new ConnectionTimers(vertx));
    beginAndWaitPeriods(drain, 6); // released already: it watches for quiet at once
    assertEquals(List.of(), closed, "a NOTIFY in flight: its ACK closes the connection, not the quiet watch");
    busy.set(false);
    Await.until(() -> closed.size() == 1, "closed once no longer busy");
  }
}
