package dev.spoa.server.impl;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one log line through per interval, from any thread: for events that bad peers or a
 * misconfigured HAProxy can repeat hundreds of times a second (the metrics count them all).
 */
final class LogLimiter {

  private final long intervalNanos;
  private final AtomicLong last = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));

  LogLimiter(long interval, TimeUnit unit) {
    this.intervalNanos = unit.toNanos(interval);
  }

  boolean allow() {
    long now = System.nanoTime();
    long prev = last.get();
    return now - prev >= intervalNanos && last.compareAndSet(prev, now);
  }
}
