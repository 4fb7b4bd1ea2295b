package dev.spoa.examples.haproxy;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SPOE timeouts (error 1) of a load test that no agent could have prevented, found in HAProxy's
 * SPOE log. Tests that demand the agent's verdict for every request count them apart, bounded and
 * printed; every other failure fails them.
 *
 * @param queueStalls NOTIFYs HAProxy 2.6.12 timed out in its own queue without sending them to any
 *                    agent ({@link HaproxyProcess#spoeQueueStalls()}), e.g. when queued while the serving
 *                    agent's JVM was briefly stopped or right after HAProxy started
 * @param hostStalls  NOTIFYs whose {@code timeout processing} HAProxy fired late
 *                    ({@link HaproxyProcess#spoeTimeoutsNoticedLate}): its thread did not run meanwhile, so it
 *                    could not have read an ACK either (once in CI, 3.2 logged 765-782 ms for 500 ms)
 */
public record UnpreventableSpoeTimeouts(long queueStalls, long hostStalls) {

  /** Of {@code timeouts} SPOE timeouts the clients saw, those the logs of {@code processes} explain. */
  public static UnpreventableSpoeTimeouts find(Collection<HaproxyProcess> processes, Duration processingTimeout,
                                               long timeouts) {
    long queue = Math.min(processes.stream().mapToLong(HaproxyProcess::spoeQueueStalls).sum(), timeouts);
    long host = Math.min(processes.stream().mapToLong(h -> h.spoeTimeoutsNoticedLate(processingTimeout)).sum(),
      timeouts - queue);
    return new UnpreventableSpoeTimeouts(queue, host);
  }

  /** The SPOE timeouts among failures counted as {@link IpScores#failure} names them (a key may add a suffix). */
  public static long timeouts(Map<String, AtomicInteger> failures) {
    return failures.entrySet().stream()
      .filter(e -> e.getKey().equals("spoe error 1") || e.getKey().startsWith("spoe error 1 "))
      .mapToLong(e -> e.getValue().get()).sum();
  }

  public long total() {
    return queueStalls + hostStalls;
  }

  /** Fails when either cause happened more often than a merely busy host explains. */
  public void assertBounded(Supplier<String> context) {
    assertTrue(queueStalls <= HaproxyProcess.MAX_SPOE_QUEUE_STALLS, () -> queueStalls
      + " NOTIFYs stuck in HAProxy's queue\n" + context.get());
    assertTrue(hostStalls <= HaproxyProcess.MAX_SPOE_TIMEOUTS_NOTICED_LATE, () -> hostStalls
      + " NOTIFYs timed out by a late HAProxy: the host stalled too often\n" + context.get());
  }

  @Override
  public String toString() {
    return "NOTIFYs that never left HAProxy 2.6.12's queue: " + queueStalls + ", timed out by HAProxy more than "
      + HaproxyProcess.SPOE_TIMEOUT_SLACK.toMillis() + " ms late: " + hostStalls;
  }
}
