package dev.spoa.examples.haproxy;

import dev.spoa.metrics.FallbackReason;
import dev.spoa.metrics.SpoaMetrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the end-to-end tests check on the agent's side: NOTIFYs received and answered, reassembled
 * ones, checks, connections, handler failures and DISCONNECTs by status.
 */
public class CountingMetrics implements SpoaMetrics {

  public final AtomicInteger notifiesReceived = new AtomicInteger();
  public final AtomicInteger notifies = new AtomicInteger();
  public final AtomicInteger reassembled = new AtomicInteger();
  public final AtomicInteger fragments = new AtomicInteger();
  public final AtomicInteger healthChecks = new AtomicInteger();
  public final AtomicInteger connections = new AtomicInteger();
  public final AtomicInteger connectionsClosed = new AtomicInteger();
  public final AtomicInteger connectionsRefused = new AtomicInteger();
  public final AtomicInteger handlerFailures = new AtomicInteger();
  public final Map<Integer, AtomicInteger> disconnectsSent = new ConcurrentHashMap<>();
  public final Map<Integer, AtomicInteger> disconnectsReceived = new ConcurrentHashMap<>();

  @Override
  public void notifyReceived() {
    notifiesReceived.incrementAndGet();
  }

  @Override
  public void notifyCompleted(long nanos) {
    notifies.incrementAndGet();
  }

  @Override
  public void notifyReassembled(int fragments) {
    reassembled.incrementAndGet();
    this.fragments.addAndGet(fragments);
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
  public void connectionClosed() {
    connectionsClosed.incrementAndGet();
  }

  @Override
  public void connectionRefused() {
    connectionsRefused.incrementAndGet();
  }

  @Override
  public void fallback(String messageName, FallbackReason reason) {
    if (reason == FallbackReason.HANDLER_FAILURE) {
      handlerFailures.incrementAndGet();
    }
  }

  @Override
  public void disconnectSent(int statusCode) {
    disconnectsSent.computeIfAbsent(statusCode, k -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void disconnectReceived(int statusCode) {
    disconnectsReceived.computeIfAbsent(statusCode, k -> new AtomicInteger()).incrementAndGet();
  }

  /** AGENT-DISCONNECTs sent with {@code status}. */
  public int sent(int status) {
    AtomicInteger n = disconnectsSent.get(status);
    return n == null ? 0 : n.get();
  }

  /** HAPROXY-DISCONNECTs received with {@code status}. */
  public int received(int status) {
    AtomicInteger n = disconnectsReceived.get(status);
    return n == null ? 0 : n.get();
  }

  /** DISCONNECT counts by status, as a plain sorted map (for assertions and messages). */
  public static Map<Integer, Integer> counts(Map<Integer, AtomicInteger> byStatus) {
    Map<Integer, Integer> out = new TreeMap<>();
    byStatus.forEach((status, n) -> out.put(status, n.get()));
    return out;
  }

  /**
   * Asserts that the agent answered {@code expected} NOTIFYs, less those HAProxy itself lost in its
   * queue ({@link HaproxyProcess#spoeQueueStalls()}, at most {@link HaproxyProcess#MAX_SPOE_QUEUE_STALLS});
   * waits a little for the count, which the agent updates on its own threads.
   */
  public void assertAnswered(int expected, HaproxyProcess haproxy) throws InterruptedException {
    long stalls = haproxy.spoeQueueStalls();
    assertTrue(stalls <= HaproxyProcess.MAX_SPOE_QUEUE_STALLS, () -> stalls + " NOTIFYs stuck in HAProxy's queue\n"
      + haproxy.log());
    int answered = awaitAtLeast(notifies, (int) (expected - stalls));
    assertTrue(answered >= expected - stalls, () -> "the agent answered " + answered + " of " + expected + " NOTIFYs ("
      + stalls + " lost in HAProxy 2.6.12's own queue); HAProxy log:\n" + haproxy.log());
  }

  /** The counter once it reached {@code n}, or after 2 s: metrics are recorded just after the ACK is written. */
  public static int awaitAtLeast(AtomicInteger counter, int n) throws InterruptedException {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (counter.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return counter.get();
  }
}
