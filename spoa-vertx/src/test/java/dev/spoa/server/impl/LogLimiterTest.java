package dev.spoa.server.impl;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One line per interval, the rest only counted: on a clock the test moves. */
class LogLimiterTest {

  private final AtomicLong nanos = new AtomicLong(42_000_000_000L);
  private final LogLimiter limiter = new LogLimiter(1, TimeUnit.SECONDS, nanos::get);

  private int allowedOf(int events) {
    int allowed = 0;
    for (int i = 0; i < events; i++) {
      allowed += limiter.allow() ? 1 : 0;
    }
    return allowed;
  }

  @Test
  void oneLineInASecondWindowHoweverManyEvents() {
    assertEquals(1, allowedOf(1000));
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
    assertEquals(0, allowedOf(1000), "the window is not over");
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
    assertEquals(1, allowedOf(1000), "a new window, a new line");
    assertEquals(2, limiter.allowed());
    assertEquals(2998, limiter.suppressed());
  }

  @Test
  void aRareEventIsAlwaysLogged() {
    for (int i = 0; i < 5; i++) {
      assertTrue(limiter.allow());
      nanos.addAndGet(TimeUnit.SECONDS.toNanos(3));
    }
    assertEquals(0, limiter.suppressed());
  }

  @Test
  void theFirstEventIsLoggedWhateverTheClockSays() {
    assertTrue(new LogLimiter(1, TimeUnit.SECONDS, () -> Long.MIN_VALUE).allow());
    LogLimiter atZero = new LogLimiter(1, TimeUnit.SECONDS, () -> 0L);
    assertTrue(atZero.allow());
    assertFalse(atZero.allow());
  }
}
