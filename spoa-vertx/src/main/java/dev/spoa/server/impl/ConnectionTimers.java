package dev.spoa.server.impl;

import io.vertx.core.Vertx;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * A connection's clocks: the HELLO deadline, its maximum age, and one quiet watch (the idle
 * timeout while serving, the drain's quiet time while draining). They decide when; the connection,
 * called back, decides what. Used on the connection's event loop only, like the connection.
 */
final class ConnectionTimers {

  static final long IDLE_EXPIRED = -1;
  static final long IDLE_CHECK_OFF = 0;

  private final Vertx vertx;
  private long lastActivityNanos = System.nanoTime();
  private long helloTimer = -1;
  private long ageTimer = -1;
  private long quietTimer = -1;

  ConnectionTimers(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A frame came or an answer left: the connection is not quiet. Returns the time it noted. */
  long touch() {
    return lastActivityNanos = System.nanoTime();
  }

  long lastActivityNanos() {
    return lastActivityNanos;
  }

  void helloDeadline(long timeoutMillis, Runnable onTimeout) {
    helloTimer = vertx.setTimer(timeoutMillis, id -> {
      helloTimer = -1;
      onTimeout.run();
    });
  }

  void helloReceived() {
    helloTimer = cancel(helloTimer);
  }

  /**
   * Calls {@code onAge} once the connection is {@code ageMillis} old, less a random part of up to
   * {@code jitter} of it, so the connections opened by one burst do not all end together.
   */
  void maxAge(long ageMillis, double jitter, Runnable onAge) {
    ageTimer = vertx.setTimer(ageWithJitter(ageMillis, jitter, ThreadLocalRandom.current().nextDouble()), id -> {
      ageTimer = -1;
      onAge.run();
    });
  }

  static long ageWithJitter(long ageMillis, double jitter, double random) {
    return Math.max(1, ageMillis - (long) (ageMillis * jitter * random));
  }

  /**
   * Watches for quiet, replacing the watch before: {@code onQuiet} gets the quiet milliseconds once
   * {@code quietSinceNanos} is {@code timeoutMillis} old and the connection is not busy. The first
   * check is after {@code firstCheckMillis}; the timeout is read at each check (it changes live, 0
   * stops the watch). A busy connection is checked a whole period later (see {@link #nextIdleCheck}).
   */
  void watchQuiet(long firstCheckMillis, LongSupplier timeoutMillis, LongSupplier quietSinceNanos, BooleanSupplier busy,
                  LongConsumer onQuiet) {
    cancel(quietTimer);
    quietTimer = vertx.setTimer(Math.max(1, firstCheckMillis), id -> {
      quietTimer = -1;
      long quietMillis = (System.nanoTime() - quietSinceNanos.getAsLong()) / 1_000_000;
      long next = nextIdleCheck(timeoutMillis.getAsLong(), quietMillis, busy.getAsBoolean());
      if (next == IDLE_EXPIRED) {
        onQuiet.accept(quietMillis);
      } else if (next != IDLE_CHECK_OFF) {
        watchQuiet(next, timeoutMillis, quietSinceNanos, busy, onQuiet);
      }
    });
  }

  void stopQuietWatch() {
    quietTimer = cancel(quietTimer);
  }

  void cancelAll() {
    helloTimer = cancel(helloTimer);
    ageTimer = cancel(ageTimer);
    quietTimer = cancel(quietTimer);
  }

  /**
   * What a quiet check decides: {@link #IDLE_EXPIRED} (quiet long enough), {@link #IDLE_CHECK_OFF}
   * (the timeout was switched off live), or the milliseconds until the next check, always at least
   * 1. A busy connection (a NOTIFY in flight or being reassembled) is not quiet: it is checked again
   * a whole period later, since the time left after its last frame can be 0 or less, which would
   * re-arm the timer every millisecond for as long as it stays busy. Its waits have deadlines of
   * their own (handler timeouts, {@code reassemblyTimeout}).
   */
  static long nextIdleCheck(long timeoutMillis, long idleMillis, boolean busy) {
    if (timeoutMillis <= 0) {
      return IDLE_CHECK_OFF;
    }
    if (busy) {
      return timeoutMillis;
    }
    return idleMillis >= timeoutMillis ? IDLE_EXPIRED : timeoutMillis - idleMillis;
  }

  private long cancel(long id) {
    if (id >= 0) {
      vertx.cancelTimer(id);
    }
    return -1;
  }
}
