package dev.spoa.admin;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Admin servers of one Vert.x instance on one host and port (one per agent verticle instance, e.g.
 * {@code VertxApplication -instances 2}) listen one after the other. Vert.x 5.0.7 lets such servers
 * share one listener, and a server that joins before the first one has bound copies the first one's
 * metrics while they are still unset: its HTTP connections then have no socket metric, and
 * vertx-micrometer fails on each of its requests (a NullPointerException in
 * {@code VertxHttpServerMetrics.requestBegin}), seen in {@code VertxApplicationIT} under load.
 */
final class SharedPortListens implements Shareable {

  private static final String MAP_NAME = "dev.spoa.admin-listens";

  private final Map<String, Future<?>> last = new HashMap<>();

  private SharedPortListens() {
  }

  static SharedPortListens of(Vertx vertx) {
    return vertx.sharedData().<String, SharedPortListens>getLocalMap(MAP_NAME)
      .computeIfAbsent(MAP_NAME, k -> new SharedPortListens());
  }

  /**
   * Runs {@code listen} on {@code context} (the one the server belongs to) once the previous listen on
   * {@code hostAndPort} has completed, whichever way.
   */
  <T> Future<T> after(Context context, String hostAndPort, Supplier<Future<T>> listen) {
    Promise<T> mine = Promise.promise();
    Future<?> previous;
    synchronized (last) {
      previous = last.getOrDefault(hostAndPort, Future.succeededFuture());
      last.put(hostAndPort, mine.future());
    }
    previous.onComplete(ignored -> {
      if (context == Vertx.currentContext()) {
        listen.get().onComplete(mine);
      } else {
        context.runOnContext(v -> listen.get().onComplete(mine));
      }
    });
    return mine.future();
  }
}
