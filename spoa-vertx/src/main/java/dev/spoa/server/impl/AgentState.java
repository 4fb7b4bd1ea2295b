package dev.spoa.server.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.nio.file.Path;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What all SPOA servers of one Vert.x instance share, whatever event loop they run on: the counts
 * behind the global caps, the live connections of each HAProxy engine (for async ACKs), and the
 * health checks a drain waits for. Kept in the instance's local shared data, like every state of the
 * library that is per Vert.x instance, so that it lives and dies with the instance.
 */
final class AgentState implements Shareable {

  private static final String KEY = "dev.spoa.agent-state";

  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  final HealthCheckTally healthChecks = new HealthCheckTally();
  /** Bytes held in partial NOTIFYs by all connections (bounded by {@code maxReassemblyBytes}). */
  final AtomicLong reassemblyBytes = new AtomicLong();
  /**
   * When the drain began or, after that, any connection last received a NOTIFY: a 2.6-3.0 connection
   * closes for being quiet only once the whole agent has been (see {@code ConnectionDrain#handedNotifiesWhileDown}).
   */
  volatile long lastDrainNotifyNanos = System.nanoTime();
  final EngineAcks engineAcks = new EngineAcks();
  /** Per unix-socket path: the stale-file check before the first bind of this Vert.x there. */
  private final Map<Path, Future<Void>> socketFileChecks = new ConcurrentHashMap<>();
  /** The warm-up of this Vert.x instance: the JIT's work serves every server and event loop. */
  private Future<Integer> warmUp;

  static AgentState of(Vertx vertx) {
    return vertx.sharedData().<String, AgentState>getLocalMap(KEY).computeIfAbsent(KEY, k -> new AgentState());
  }

  /**
   * Removes a stale socket file at {@code path} (see {@link UnixSocketFiles#removeStale}) once for
   * this Vert.x instance, on a worker thread (it connects and deletes). Every server that listens on
   * the path waits for this same check before it binds: the server instances of a verticle share
   * one listener per path, so a check run again after the first bind would find that listener and
   * fail as "another process listens", or delete the file a live listener of ours holds. A failed
   * check is forgotten, so that a later listen checks again. Completes on the first caller's context.
   */
  Future<Void> checkSocketFileOnce(Vertx vertx, String path) {
    Path key = Path.of(path).toAbsolutePath().normalize();
    Future<Void> check = socketFileChecks.computeIfAbsent(key, p -> vertx.executeBlocking(() -> {
      UnixSocketFiles.removeStale(p);
      return null;
    }, false));
    check.onFailure(e -> socketFileChecks.remove(key, check));
    return check;
  }

  /**
   * Runs {@code warmUp} for the first server of this Vert.x instance that asks; the others wait for
   * the same one. Completes, on the first caller's context, with the NOTIFYs answered.
   */
  synchronized Future<Integer> warmUpOnce(Supplier<Future<Integer>> warmUp) {
    if (this.warmUp == null) {
      this.warmUp = warmUp.get();
    }
    return this.warmUp;
  }
}
