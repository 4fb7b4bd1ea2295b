package dev.spoa.server.impl;

import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One partial NOTIFY: its size cap, its share of the instance's budget, given back once, and its deadline. */
class ReassemblyTest {

  private static final int MAX_SIZE = 1000;
  private static final long NO_DEADLINE_HERE = 60_000;

  private final Vertx vertx = Vertx.vertx();
  private final AtomicLong shared = new AtomicLong();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private Reassembly start(long timeoutMillis, Runnable onDeadline) {
    return new Reassembly(7, 1, shared, vertx, timeoutMillis, onDeadline);
  }

  private static Buffer bytes(int n) {
    return Buffer.buffer(new byte[n]);
  }

  @Test
  void fragmentsAreCountedAgainstTheSharedBudgetUntilTheNotifyIsComplete() {
    Reassembly r = start(NO_DEADLINE_HERE, () -> { });
    assertTrue(r.add(Buffer.buffer("ab"), MAX_SIZE, 100));
    assertTrue(r.add(Buffer.buffer("cde"), MAX_SIZE, 100));
    assertEquals(5, shared.get());
    assertEquals(2, r.fragments());
    assertEquals(Buffer.buffer("abcde"), r.complete());
    assertEquals(0, shared.get());
    r.discard(); // the connection's close after completion gives nothing back twice
    assertEquals(0, shared.get());
  }

  @Test
  void aFragmentPastTheSharedBudgetIsRefusedAndLeavesTheCountAsItWas() {
    shared.set(60); // other connections' partial NOTIFYs
    Reassembly r = start(NO_DEADLINE_HERE, () -> { });
    assertTrue(r.add(bytes(30), MAX_SIZE, 100));
    assertFalse(r.add(bytes(11), MAX_SIZE, 100));
    assertEquals(90, shared.get());
    r.discard();
    r.discard();
    assertEquals(60, shared.get(), "only its own bytes are given back, once");
  }

  @Test
  void aFragmentPastTheSizeCapIsStatus3() {
    Reassembly r = start(NO_DEADLINE_HERE, () -> { });
    assertTrue(r.add(bytes(600), MAX_SIZE, 1 << 20));
    SpopException e = assertThrows(SpopException.class, () -> r.add(bytes(401), MAX_SIZE, 1 << 20));
    assertEquals(SpopStatus.FRAME_TOO_BIG, e.status());
    assertEquals(600, shared.get());
  }

  @Test
  void anUnfinishedNotifyMeetsItsDeadline() {
    Promise<Long> fired = Promise.promise();
    long started = System.nanoTime();
    Reassembly r = start(100, () -> fired.tryComplete((System.nanoTime() - started) / 1_000_000));
    r.add(bytes(10), MAX_SIZE, 100);
    assertTrue(fired.future().await() >= 100);
  }
}
