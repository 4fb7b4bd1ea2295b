package dev.spoa;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one bounded wait of the test suite, for a condition that other threads make true without
 * anything to wait on: a metric, a counter, a list a handler fills. Where a future, promise or
 * checkpoint says when something happened, wait on that instead.
 *
 * <p>It polls every few milliseconds rather than spinning: a spinning test thread takes a core
 * from the event loops it is waiting for, which on a 2-core machine is what makes tests flaky.
 */
public final class Await {

  /** Far beyond what a loaded machine needs (milliseconds); only a real failure reaches it. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final long POLL_MILLIS = 5;

  private Await() {
  }

  /** Returns once {@code condition} holds; fails naming {@code what} after {@link #TIMEOUT}. */
  public static void until(BooleanSupplier condition, String what) {
    until(condition, () -> what);
  }

  /** As {@link #until(BooleanSupplier, String)}, describing the state seen at the timeout. */
  public static void until(BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not reached within " + TIMEOUT.toSeconds() + " s: " + state.get());
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for: " + state.get(), e);
      }
    }
  }
}
