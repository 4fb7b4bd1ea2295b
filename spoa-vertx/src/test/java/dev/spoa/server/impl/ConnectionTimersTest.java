package dev.spoa.server.impl;

import dev.spoa.Await;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.spoa.server.impl.ConnectionTimers.IDLE_CHECK_OFF;
import static dev.spoa.server.impl.ConnectionTimers.IDLE_EXPIRED;
import static dev.spoa.server.impl.ConnectionTimers.ageWithJitter;
import static dev.spoa.server.impl.ConnectionTimers.nextIdleCheck;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection's clocks: the quiet check's decision (never a re-arm below 1 ms, a busy connection
 * waits a whole period), and the timers on a Vert.x context: each fires once, when due, unless
 * cancelled or replaced.
 */
class ConnectionTimersTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final ConnectionTimers timers = new ConnectionTimers(vertx);
  private final List<String> fired = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /**
   * Waits for a timer set after the ones under test, on the same event loop: timers fire in the
   * order of their deadlines, so any of theirs that was going to fire has fired by then.
   */
  private void awaitTimersDueBefore(long millis) {
    onContext(() -> vertx.setTimer(millis, id -> fired.add("sentinel")));
    Await.until(() -> fired.contains("sentinel"), "the sentinel timer");
    fired.remove("sentinel");
  }

  /** Runs on the context, as the connection does, and waits for it. */
  private void onContext(Runnable action) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      action.run();
      done.complete(null);
    });
    done.join();
  }

  @Test
  void aBusyConnectionIsCheckedAgainAWholePeriodLaterHoweverLongItsLastFrameIsAgo() {
    // the stalled fragmented NOTIFY: idle far past the timeout, yet busy (a partial NOTIFY)
    assertEquals(2000, nextIdleCheck(2000, 2001, true));
    assertEquals(2000, nextIdleCheck(2000, 60_000, true));
    assertEquals(2000, nextIdleCheck(2000, 0, true));
  }

  @Test
  void aQuietConnectionExpiresAtTheTimeoutAndIsOtherwiseCheckedWhenItWouldExpire() {
    assertEquals(IDLE_EXPIRED, nextIdleCheck(2000, 2000, false));
    assertEquals(IDLE_EXPIRED, nextIdleCheck(2000, 5000, false));
    assertEquals(1, nextIdleCheck(2000, 1999, false));
    assertEquals(1500, nextIdleCheck(2000, 500, false));
  }

  @Test
  void aTimeoutSwitchedOffLiveStopsTheTimer() {
    assertEquals(IDLE_CHECK_OFF, nextIdleCheck(0, 10, false));
    assertEquals(IDLE_CHECK_OFF, nextIdleCheck(0, 10, true));
  }

  @Test
  void noAnswerReArmsBelowOneMillisecond() {
    for (long timeout = 0; timeout <= 50; timeout++) {
      for (long idle = 0; idle <= 120; idle++) {
        for (boolean busy : new boolean[] {false, true}) {
          long next = nextIdleCheck(timeout, idle, busy);
          assertTrue(next == IDLE_EXPIRED || next == IDLE_CHECK_OFF || next >= 1,
            "timeout " + timeout + ", idle " + idle + ", busy " + busy + ": " + next);
          if (busy && timeout > 0) {
            assertEquals(timeout, next, "a busy connection waits its whole period");
          }
        }
      }
    }
  }

  @Test
  void theHelloDeadlineFiresOnceUnlessTheHelloCame() {
    ConnectionTimers other = new ConnectionTimers(vertx);
    onContext(() -> {
      timers.helloDeadline(20, () -> fired.add("late"));
      other.helloDeadline(20, () -> fired.add("cancelled"));
      other.helloReceived();
    });
    awaitTimersDueBefore(100);
    assertEquals(List.of("late"), fired);
  }

  @Test
  void theMaximumAgeLosesARandomPartOfUpToItsJitter() {
    assertEquals(1000, ageWithJitter(1000, 0.3, 0));
    assertEquals(700, ageWithJitter(1000, 0.3, 1));
    assertEquals(850, ageWithJitter(1000, 0.3, 0.5));
    assertEquals(1, ageWithJitter(1, 1.0, 1), "never 0 (Vert.x refuses a timer below 1 ms)");
  }

  @Test
  void aQuietWatchFiresOnceTheTimeoutIsPastTheLastActivityAndNotBefore() {
    AtomicLong firedAfter = new AtomicLong(-1);
    long[] from = new long[1];
    onContext(() -> {
      from[0] = timers.touch();
      timers.watchQuiet(10, () -> 150, timers::lastActivityNanos, () -> false, quiet -> {
        firedAfter.set((System.nanoTime() - from[0]) / 1_000_000);
        fired.add("quiet " + (quiet >= 150));
      });
    });
    Await.until(() -> !fired.isEmpty(), "the watch fired");
    assertEquals(List.of("quiet true"), fired, "quiet for at least the timeout");
    assertTrue(firedAfter.get() >= 150, "not before the timeout: " + firedAfter.get() + " ms");
  }

  @Test
  void whileBusyAWatchNeverFires() {
    AtomicBoolean busy = new AtomicBoolean(true);
    onContext(() -> timers.watchQuiet(1, () -> 50, timers::lastActivityNanos, busy::get, quiet -> fired.add("quiet")));
    awaitTimersDueBefore(300); // five periods
    assertEquals(List.of(), fired, "busy: never quiet");
    onContext(() -> {
      busy.set(false);
      timers.touch();
    });
    Await.until(() -> fired.size() == 1, "quiet once no longer busy");
  }

  @Test
  void aNewWatchReplacesTheOldOneAndTimeoutZeroOrCancelStopsIt() {
    AtomicLong timeout = new AtomicLong(50);
    onContext(() -> {
      timers.watchQuiet(1, () -> 50, timers::lastActivityNanos, () -> false, quiet -> fired.add("replaced"));
      timers.watchQuiet(1, timeout::get, timers::lastActivityNanos, () -> false, quiet -> fired.add("second"));
    });
    Await.until(() -> fired.size() == 1, "one watch fired");
    assertEquals(List.of("second"), fired);

    onContext(() -> {
      timeout.set(0); // switched off live
      timers.watchQuiet(1, timeout::get, timers::lastActivityNanos, () -> false, quiet -> fired.add("off"));
      timers.helloDeadline(30, () -> fired.add("hello"));
      timers.maxAge(30, 0, () -> fired.add("age"));
      timers.cancelAll();
      timers.watchQuiet(30, () -> 1, timers::lastActivityNanos, () -> false, quiet -> fired.add("stopped"));
      timers.stopQuietWatch();
    });
    awaitTimersDueBefore(200);
    assertEquals(List.of("second"), fired);
  }
}
