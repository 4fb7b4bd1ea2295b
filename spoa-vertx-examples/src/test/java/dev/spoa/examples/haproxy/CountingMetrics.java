package dev.spoa.examples.haproxy;

import dev.spoa.metrics.FallbackReason;
import dev.spoa.metrics.SpoaMetrics;

import java.util.concurrent.atomic.AtomicInteger;

/** What the end-to-end tests check on the agent's side: answered NOTIFYs, checks, connections, handler failures. */
public final class CountingMetrics implements SpoaMetrics {

  public final AtomicInteger notifies = new AtomicInteger();
  public final AtomicInteger healthChecks = new AtomicInteger();
  public final AtomicInteger connections = new AtomicInteger();
  public final AtomicInteger handlerFailures = new AtomicInteger();

  @Override
  public void notifyCompleted(long nanos) {
    notifies.incrementAndGet();
  }

  @Override
  public void healthCheck() {
    healthChecks.incrementAndGet();
  }

  @Override
  public void connectionOpened() {
    connections.incrementAndGet();
  }

  @Override
  public void fallback(String messageName, FallbackReason reason) {
    if (reason == FallbackReason.HANDLER_FAILURE) {
      handlerFailures.incrementAndGet();
    }
  }
}
