package dev.spoa.server.impl;

import org.junit.jupiter.api.Test;

import static dev.spoa.server.impl.SpoaConnection.IDLE_CHECK_OFF;
import static dev.spoa.server.impl.SpoaConnection.IDLE_EXPIRED;
import static dev.spoa.server.impl.SpoaConnection.nextIdleCheck;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The idle timer's decision when it fires: never a re-arm below 1 ms, a busy connection waits a whole period. */
class IdleTimerTest {

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
}
