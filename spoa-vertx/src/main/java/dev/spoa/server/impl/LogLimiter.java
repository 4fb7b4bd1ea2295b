package dev.spoa.server.impl;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets one log line through per interval, from any thread: for events that bad peers or a
 * misconfigured HAProxy can repeat hundreds of times a second (the metrics count them all).
 */
final class LogLimiter {

  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong last;
  private final AtomicLong allowed = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();

  LogLimiter(long interval, TimeUnit unit) {
    this(interval, unit, System::nanoTime);
  }

  /** With the clock {@code nanoClock} (like {@link System#nanoTime()}), for tests. */
  LogLimiter(long interval, TimeUnit unit, LongSupplier nanoClock) {
    this.intervalNanos = unit.toNanos(interval);
    this.nanoClock = nanoClock;
    this.last = new AtomicLong(nanoClock.getAsLong() - intervalNanos); // the first line goes through
  }

  boolean allow() {
    long now = nanoClock.getAsLong();
    long prev = last.get();
    boolean allow = now - prev >= intervalNanos && last.compareAndSet(prev, now);
    (allow ? allowed : suppressed).incrementAndGet();
    return allow;
  }

  /** Lines let through so far. */
  long allowed() {
    return allowed.get();
  }

  /** Events that were only counted so far. */
  long suppressed() {
    return suppressed.get();
  }
}
