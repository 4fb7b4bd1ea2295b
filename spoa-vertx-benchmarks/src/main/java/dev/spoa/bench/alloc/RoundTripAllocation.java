package dev.spoa.bench.alloc;

import dev.spoa.bench.loadgen.LoadOptions;
import dev.spoa.bench.loadgen.SpopLoadGenerator;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes the agent allocates per NOTIFY/ACK round trip, exactly (not sampled): the agent runs in this
 * JVM on one event loop, server and handler on the same loop, and the load generator on its own
 * Vert.x instance; the JVM's per-thread allocation counter of the agent's event-loop thread is read
 * at the start and end of the measured window and divided by the NOTIFYs the handler served.
 *
 * <pre>java -cp spoa-vertx-benchmarks/target/spoa-benchmarks.jar dev.spoa.bench.alloc.RoundTripAllocation
 *     [--direct true] [load generator options: --connections 8 --depth 20 --duration 10 --warmup 10 ...]</pre>
 *
 * {@code --direct true} sets the server's {@code directDispatch} option (handlers in this JVM called
 * without the event bus), for the comparison in docs/performance.md.
 */
public final class RoundTripAllocation {

  private static final List<Action> VERDICT = List.of(Action.setVar(Scope.SESS, "ip_score", 20));

  public static void main(String[] argv) throws Exception {
    List<String> loadArgs = new ArrayList<>(Arrays.asList(argv));
    boolean direct = false;
    int i = loadArgs.indexOf("--direct");
    if (i >= 0 && i + 1 < loadArgs.size()) {
      direct = Boolean.parseBoolean(loadArgs.get(i + 1));
      loadArgs.subList(i, i + 2).clear();
    }
    LoadOptions load = LoadOptions.parse(loadArgs);
    Vertx agent = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Vertx generator = Vertx.vertx();
    try {
      AtomicLong served = new AtomicLong();
      agent.deployVerticle(SpoaHandlerVerticle.of("check-client-ip", req -> {
        served.lazySet(served.get() + 1); // only ever written by the one event loop
        return Future.succeededFuture(VERDICT);
      })).await();
      agent.deployVerticle(new SpoaServerVerticle(new SpoaServerOptions().setHost(load.host()).setPort(load.port())
        .setMaxInFlightPerConnection(Math.max(load.depth(), 1)).setDirectDispatch(direct)
        .setPipeliningBefore31(true))).await(); // the load generator plays HAProxy 2.6 and pipelines
      CompletableFuture<Long> loopThread = new CompletableFuture<>();
      agent.getOrCreateContext().runOnContext(x -> loopThread.complete(Thread.currentThread().getId()));
      long agentThread = loopThread.get(10, TimeUnit.SECONDS); // the only event loop: server and handler run on it
      System.err.println("agent event-loop thread id: " + agentThread); // to filter a JFR recording

      CompletableFuture<JsonObject> loadResult = CompletableFuture.supplyAsync(() -> {
        try {
          return new SpopLoadGenerator(generator, load).run();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // measure inside the generator's own window: after its warm-up, before its end
      long windowMillis = TimeUnit.SECONDS.toMillis(load.durationSeconds()) * 8 / 10;
      Thread.sleep(TimeUnit.SECONDS.toMillis(load.warmupSeconds()) + TimeUnit.SECONDS.toMillis(load.durationSeconds()) / 10);
      com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long bytes0 = threads.getThreadAllocatedBytes(agentThread);
      long served0 = served.get();
      long t0 = System.nanoTime();
      Thread.sleep(windowMillis);
      long bytes1 = threads.getThreadAllocatedBytes(agentThread);
      long served1 = served.get();
      long elapsed = System.nanoTime() - t0;
      JsonObject generatorResult = loadResult.get(load.durationSeconds() + 60, TimeUnit.SECONDS);
      long roundTrips = served1 - served0;
      JsonObject result = new JsonObject()
        .put("dispatch", direct ? "direct" : "event-bus")
        .put("roundTrips", roundTrips)
        .put("roundTripsPerSecond", Math.round(roundTrips / (elapsed / 1e9)))
        .put("bytesPerRoundTrip", roundTrips == 0 ? -1 : Math.round((double) (bytes1 - bytes0) / roundTrips))
        .put("generator", generatorResult);
      System.err.printf("agent event loop: %,d bytes allocated per NOTIFY/ACK round trip (%s dispatch, %,d round trips/s)%n",
        result.getLong("bytesPerRoundTrip"), result.getString("dispatch"), result.getLong("roundTripsPerSecond"));
      System.out.println(result.encode());
      System.exit(generatorResult.getLong("errors") == 0 && roundTrips > 0 ? 0 : 1);
    } finally {
      generator.close();
      agent.close();
    }
  }
}
