package dev.spoa.server.impl;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What HAProxy's health checks tell a draining agent. HAProxy marks a server DOWN after {@code fall}
 * failed checks in a row and until then keeps sending it work, so a drain may close connections only
 * once each HAProxy that checks the agent has seen enough refusals. HAProxy hosts are told apart by
 * their address; the hosts that count are those that checked in the minute before the drain began,
 * less those whose checks have stopped (an HAProxy that is gone sends none: waiting for it would
 * only hold the drain until its time is up).
 * Shared by the servers of one Vert.x instance (several verticle instances share a listener, and a
 * check lands on any of them); thread-safe.
 */
final class HealthCheckTally {

  /** A host that has not checked for this long before the drain is not waited for. */
  static final long RECENT_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** A host is gone when it has not checked for this many of its longest check intervals. */
  static final int GONE_AFTER_INTERVALS = 3;
  /** ... plus this, for the jitter of HAProxy's check scheduling. */
  static final long GONE_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** The interval of a host seen checking once: HAProxy's default {@code inter}. */
  static final long DEFAULT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final LongSupplier clock;
  private final Map<String, Long> lastCheckNanos = new ConcurrentHashMap<>();
  /** The longest time seen between two checks of a host (within {@link #RECENT_NANOS}). */
  private final Map<String, Long> longestIntervalNanos = new ConcurrentHashMap<>();
  private final Map<String, Integer> refusedSinceDrain = new ConcurrentHashMap<>();
  private volatile long drainStartNanos;
  /** Servers draining now; the first starts the tally, the last ends it. */
  private int drains;

  HealthCheckTally() {
    this(System::nanoTime);
  }

  /** With {@code clock} giving nanoseconds, as {@link System#nanoTime()} does. */
  HealthCheckTally(LongSupplier clock) {
    this.clock = clock;
  }

  /** A health check answered normally, from {@code host}. */
  void answered(String host) {
    checked(host, clock.getAsLong());
  }

  /** A health check refused during the drain, from {@code host}. */
  void refused(String host) {
    checked(host, clock.getAsLong());
    refusedSinceDrain.merge(host, 1, Integer::sum);
  }

  private void checked(String host, long now) {
    Long previous = lastCheckNanos.put(host, now);
    if (previous != null && now - previous < RECENT_NANOS) {
      longestIntervalNanos.merge(host, now - previous, Math::max);
    }
  }

  /** The first server to drain starts the tally of refusals; the others join it. */
  synchronized void drainStarted() {
    if (drains++ == 0) {
      drainStartNanos = clock.getAsLong();
      refusedSinceDrain.clear();
    }
  }

  /** A server's drain is over (a later drain of this Vert.x starts a new tally). */
  synchronized void drainEnded() {
    drains = Math.max(0, drains - 1);
  }

  /**
   * Whether every host that checked in the minute before the drain, and still checks, has had
   * {@code required} checks refused since it began (true at once when no host checked).
   */
  boolean downEverywhere(int required) {
    long start = drainStartNanos;
    long now = clock.getAsLong();
    for (Map.Entry<String, Long> e : lastCheckNanos.entrySet()) {
      String host = e.getKey();
      boolean recent = start - e.getValue() < RECENT_NANOS;
      if (recent && refusedSinceDrain.getOrDefault(host, 0) < required && !gone(host, e.getValue(), now)) {
        return false;
      }
    }
    return true;
  }

  /** No check for {@link #GONE_AFTER_INTERVALS} of its longest intervals: that HAProxy stopped checking. */
  private boolean gone(String host, long lastCheck, long now) {
    long interval = longestIntervalNanos.getOrDefault(host, DEFAULT_INTERVAL_NANOS);
    return now - lastCheck > GONE_AFTER_INTERVALS * interval + GONE_MARGIN_NANOS;
  }

  /** The refusals since the drain began, all hosts together (for logs). */
  int refusedCount() {
    return refusedSinceDrain.values().stream().mapToInt(Integer::intValue).sum();
  }
}
