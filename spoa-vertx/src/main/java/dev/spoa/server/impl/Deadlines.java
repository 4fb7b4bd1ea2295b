package dev.spoa.server.impl;

import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;

/**
 * The deadlines of one connection's direct handler calls, enforced with one timer instead of one per
 * call: the pending calls form an intrusive list, the timer is armed for the earliest deadline and,
 * when it fires, expires what is overdue and re-arms for the earliest that is left. Used only on
 * the connection's event loop, so it needs no locks.
 */
public final class Deadlines {

  /** A call with a deadline; {@link #expired()} runs on the connection's context when it passes. */
  abstract static class Entry {
    private Entry previous;
    private Entry next;
    private long deadlineNanos;
    private boolean linked;

    abstract void expired();
  }

  private final Vertx vertx;
  private Entry head;
  private Entry tail;
  private long timerId = -1;
  private long timerDeadlineNanos;

  public Deadlines(Vertx vertx) {
    this.vertx = vertx;
  }

  void add(Entry entry, long deadlineNanos) {
    entry.deadlineNanos = deadlineNanos;
    entry.linked = true;
    entry.previous = tail;
    entry.next = null;
    if (tail == null) {
      head = entry;
    } else {
      tail.next = entry;
    }
    tail = entry;
    if (timerId < 0) {
      arm(deadlineNanos);
    } else if (deadlineNanos - timerDeadlineNanos < 0) { // a shorter per-message timeout than those before
      vertx.cancelTimer(timerId);
      arm(deadlineNanos);
    }
  }

  /** Forgets {@code entry} (answered in time); nothing when it was already removed. */
  void remove(Entry entry) {
    if (!entry.linked) {
      return;
    }
    entry.linked = false;
    if (entry.previous == null) {
      head = entry.next;
    } else {
      entry.previous.next = entry.next;
    }
    if (entry.next == null) {
      tail = entry.previous;
    } else {
      entry.next.previous = entry.previous;
    }
    entry.previous = null;
    entry.next = null;
  }

  /** Calls waiting for their answer (for tests: it walks the list). */
  int pending() {
    int n = 0;
    for (Entry e = head; e != null; e = e.next) {
      n++;
    }
    return n;
  }

  private void arm(long deadlineNanos) {
    timerDeadlineNanos = deadlineNanos;
    long delayMillis = Math.max(1, (deadlineNanos - System.nanoTime() + 999_999) / 1_000_000);
    timerId = vertx.setTimer(delayMillis, id -> onTimer());
  }

  private void onTimer() {
    timerId = -1;
    long now = System.nanoTime();
    long earliest = 0; // of the calls left (nanoTime values compare by their difference)
    boolean left = false;
    List<Entry> overdue = null;
    for (Entry e = head; e != null; ) {
      Entry following = e.next;
      if (e.deadlineNanos - now <= 0) {
        remove(e);
        if (overdue == null) {
          overdue = new ArrayList<>();
        }
        overdue.add(e);
      } else if (!left || e.deadlineNanos - earliest < 0) {
        earliest = e.deadlineNanos;
        left = true;
      }
      e = following;
    }
    if (left) {
      arm(earliest);
    }
    if (overdue != null) {
      overdue.forEach(Entry::expired); // last: what they trigger may add calls
    }
  }
}
