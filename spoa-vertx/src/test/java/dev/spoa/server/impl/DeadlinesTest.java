package dev.spoa.server.impl;

import dev.spoa.Await;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One timer for many deadlines: each call expires once, at its own deadline, unless answered. */
class DeadlinesTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final Deadlines deadlines = new Deadlines(vertx);
  private final List<String> expired = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private Deadlines.Entry entry(String name) {
    return new Deadlines.Entry() {
      @Override
      void expired() {
        expired.add(name);
      }
    };
  }

  private static long inMillis(long millis) {
    return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /** Runs {@code action} on the context the deadlines belong to, and waits for it. */
  private void onContext(Runnable action) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      action.run();
      done.complete(null);
    });
    done.get(5, TimeUnit.SECONDS);
  }

  private int pending() throws Exception {
    int[] n = new int[1];
    onContext(() -> n[0] = deadlines.pending());
    return n[0];
  }

  @Test
  void callsExpireInDeadlineOrderWhateverTheOrderTheyCameIn() throws Exception {
    onContext(() -> {
      deadlines.add(entry("late"), inMillis(300));
      deadlines.add(entry("early"), inMillis(50)); // earlier than the armed timer: re-armed
      deadlines.add(entry("middle"), inMillis(150));
    });
    Await.until(() -> expired.size() == 3, expired::toString);
    assertEquals(List.of("early", "middle", "late"), expired);
    assertEquals(0, pending());
  }

  @Test
  void answeredCallsNeverExpire() throws Exception {
    Deadlines.Entry answered = entry("answered");
    Deadlines.Entry first = entry("first");
    onContext(() -> {
      deadlines.add(first, inMillis(40));
      deadlines.add(answered, inMillis(60));
      deadlines.add(entry("last"), inMillis(80));
      deadlines.remove(answered);
      deadlines.remove(answered); // twice: no harm
    });
    assertEquals(2, pending());
    // calls expire in deadline order: once "last" has, a wrong expiry of "answered" would be in the list
    Await.until(() -> expired.contains("last"), expired::toString);
    assertEquals(List.of("first", "last"), expired);
    assertEquals(0, pending());
    onContext(() -> deadlines.remove(first)); // after its expiry: nothing to undo
    assertEquals(0, pending());
  }

  @Test
  void callsAddedWhileOthersExpireGetTheirOwnDeadline() throws Exception {
    onContext(() -> deadlines.add(new Deadlines.Entry() {
      @Override
      void expired() {
        expired.add("first");
        deadlines.add(entry("added on expiry"), inMillis(50));
      }
    }, inMillis(30)));
    Await.until(() -> expired.size() == 2, expired::toString);
    assertEquals(List.of("first", "added on expiry"), expired);
    assertEquals(0, pending());
  }
}
