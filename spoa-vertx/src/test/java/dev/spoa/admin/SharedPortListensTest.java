package dev.spoa.admin;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Listens on one host and port wait for the previous one; other ports do not. */
class SharedPortListensTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  @Test
  void aSecondListenOnTheSamePortStartsWhenTheFirstHasCompletedOnItsOwnContext() throws Exception {
    SharedPortListens listens = SharedPortListens.of(vertx);
    assertSame(listens, SharedPortListens.of(vertx), "one per Vert.x instance");
    Promise<String> first = Promise.promise();
    Context secondContext = vertx.getOrCreateContext();
    AtomicBoolean secondStarted = new AtomicBoolean();
    CompletableFuture<Context> secondRanOn = new CompletableFuture<>();

    Future<String> one = listens.after(vertx.getOrCreateContext(), "127.0.0.1:9090", () -> first.future());
    Future<String> two = listens.after(secondContext, "127.0.0.1:9090", () -> {
      secondStarted.set(true);
      secondRanOn.complete(Vertx.currentContext());
      return Future.succeededFuture("second");
    });
    Future<String> otherPort = listens.after(vertx.getOrCreateContext(), "127.0.0.1:9091",
      () -> Future.succeededFuture("other"));

    assertEquals("other", otherPort.await(), "another port does not wait");
    assertFalse(secondStarted.get(), "the second listen waits for the first");
    assertFalse(two.isComplete());
    first.fail("port in use"); // a failed first listen releases the next one too
    assertEquals("second", two.await());
    assertSame(secondContext, secondRanOn.get(5, TimeUnit.SECONDS), "the server belongs to its own context");
    assertTrue(one.failed());
  }
}
