package dev.spoa.server.impl;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What HAProxy's health checks tell a draining agent. HAProxy marks a server DOWN after {@code fall}
 * failed checks in a row and until then keeps sending it work, so a drain may close connections only
 * once each HAProxy that checks the agent has seen enough refusals. HAProxy hosts are told apart by
 * their address; the hosts that count are those that checked in the minute before the drain began.
 * Shared by the servers of one Vert.x instance (several verticle instances share a listener, and a
 * check lands on any of them); thread-safe.
 */
final class HealthCheckTally {

  /** A host that has not checked for this long before the drain is not waited for. */
  static final long RECENT_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Map<String, Long> lastCheckNanos = new ConcurrentHashMap<>();
  private final Map<String, Integer> refusedSinceDrain = new ConcurrentHashMap<>();
  private volatile long drainStartNanos;
  /** Servers draining now; the first starts the tally, the last ends it. */
  private int drains;

  /** A health check answered normally, from {@code host}. */
  void answered(String host) {
    lastCheckNanos.put(host, System.nanoTime());
  }

  /** A health check refused during the drain, from {@code host}. */
  void refused(String host) {
    lastCheckNanos.put(host, System.nanoTime());
    refusedSinceDrain.merge(host, 1, Integer::sum);
  }

  /** The first server to drain starts the tally of refusals; the others join it. */
  synchronized void drainStarted() {
    if (drains++ == 0) {
      drainStartNanos = System.nanoTime();
      refusedSinceDrain.clear();
    }
  }

  /** A server's drain is over (a later drain of this Vert.x starts a new tally). */
  synchronized void drainEnded() {
    drains = Math.max(0, drains - 1);
  }

  /**
   * Whether every host that checked in the minute before the drain has had {@code required}
   * checks refused since it began (true at once when no host checked).
   */
  boolean downEverywhere(int required) {
    long start = drainStartNanos;
    for (Map.Entry<String, Long> e : lastCheckNanos.entrySet()) {
      boolean recent = start - e.getValue() < RECENT_NANOS;
      if (recent && refusedSinceDrain.getOrDefault(e.getKey(), 0) < required) {
        return false;
      }
    }
    return true;
  }

  /** The refusals since the drain began, all hosts together (for logs). */
  int refusedCount() {
    return refusedSinceDrain.values().stream().mapToInt(Integer::intValue).sum();
  }
}
