package dev.spoa.server.impl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthCheckTallyTest {

  private static final long SECOND = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

  @Test
  void noHostCheckedMeansNothingToWaitFor() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.drainStarted();
    assertTrue(tally.downEverywhere(3));
  }

  @Test
  void everyHostThatCheckedMustHaveHadThatManyRefusals() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.answered("10.0.0.1");
    tally.answered("10.0.0.2");
    tally.drainStarted();
    for (int i = 0; i < 3; i++) {
      assertFalse(tally.downEverywhere(3), "after " + i + " refusals of the first host");
      tally.refused("10.0.0.1");
    }
    assertFalse(tally.downEverywhere(3), "the second HAProxy has not refused enough yet");
    tally.refused("10.0.0.2");
    tally.refused("10.0.0.2");
    assertFalse(tally.downEverywhere(3));
    tally.refused("10.0.0.2");
    assertTrue(tally.downEverywhere(3));
    assertEquals(6, tally.refusedCount());
  }

  @Test
  void aHostFirstSeenDuringTheDrainCountsToo() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.drainStarted();
    tally.refused("10.0.0.3");
    assertFalse(tally.downEverywhere(2));
    tally.refused("10.0.0.3");
    assertTrue(tally.downEverywhere(2));
  }

  @Test
  void aLaterDrainStartsANewTally() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.answered("h");
    tally.drainStarted();
    tally.refused("h");
    assertTrue(tally.downEverywhere(1));
    tally.drainEnded();
    tally.drainStarted();
    assertFalse(tally.downEverywhere(1), "refusals of the earlier drain do not count");
    assertEquals(0, tally.refusedCount());
  }

  @Test
  void zeroRequiredChecksDoesNotWait() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.answered("h");
    tally.drainStarted();
    assertTrue(tally.downEverywhere(0));
  }

  @Test
  void aHostWhoseChecksStoppedIsNotWaitedForAfterThreeOfItsIntervals() {
    long[] now = {0};
    HealthCheckTally tally = new HealthCheckTally(() -> now[0]);
    for (int i = 0; i < 3; i++) { // checks every 2 s
      tally.answered("h");
      now[0] += 2 * SECOND;
    }
    tally.drainStarted();
    tally.refused("h");
    now[0] += 6 * SECOND; // 3 intervals: HAProxy may still be there (scheduling jitter)
    assertFalse(tally.downEverywhere(3));
    now[0] += 2 * SECOND; // past 3 intervals and the margin: that HAProxy is gone
    assertTrue(tally.downEverywhere(3));
  }

  @Test
  void aHostStillCheckingIsWaitedFor() {
    long[] now = {0};
    HealthCheckTally tally = new HealthCheckTally(() -> now[0]);
    tally.answered("h");
    now[0] += SECOND;
    tally.answered("h");
    tally.drainStarted();
    for (int i = 0; i < 2; i++) {
      now[0] += SECOND;
      tally.refused("h");
      assertFalse(tally.downEverywhere(3), "refused " + (i + 1));
    }
    now[0] += SECOND;
    tally.refused("h");
    assertTrue(tally.downEverywhere(3));
  }

  @Test
  void aHostSeenCheckingOnceIsGoneAfterThreeOfHaproxysDefaultIntervals() {
    long[] now = {0};
    HealthCheckTally tally = new HealthCheckTally(() -> now[0]);
    tally.answered("h");
    tally.drainStarted();
    now[0] += 7 * SECOND;
    assertFalse(tally.downEverywhere(3));
    now[0] += SECOND / 10;
    assertTrue(tally.downEverywhere(3), "3 x inter 2s + 1 s without a check");
  }
}
