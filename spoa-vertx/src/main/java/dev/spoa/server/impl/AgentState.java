package dev.spoa.server.impl;

import io.vertx.core.Vertx;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What all SPOA servers of one Vert.x instance share, whatever event loop they run on: the counts
 * behind the global caps, and the live connections of each HAProxy engine (for async ACKs).
 */
final class AgentState {

  private static final Map<Vertx, AgentState> STATES = Collections.synchronizedMap(new WeakHashMap<>());

  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  /** Bytes held in partial NOTIFYs by all connections (bounded by {@code maxReassemblyBytes}). */
  final AtomicLong reassemblyBytes = new AtomicLong();
  private final Map<String, Set<SpoaConnection>> engines = new ConcurrentHashMap<>();

  static AgentState of(Vertx vertx) {
    return STATES.computeIfAbsent(vertx, v -> new AgentState());
  }

  void addToEngine(String engineId, SpoaConnection connection) {
    engines.computeIfAbsent(engineId, e -> ConcurrentHashMap.newKeySet()).add(connection);
  }

  void removeFromEngine(String engineId, SpoaConnection connection) {
    engines.computeIfPresent(engineId, (e, set) -> {
      set.remove(connection);
      return set.isEmpty() ? null : set;
    });
  }

  /** Another live connection of the engine, or {@code null}. */
  SpoaConnection otherConnection(String engineId, SpoaConnection except) {
    Set<SpoaConnection> set = engines.get(engineId);
    if (set != null) {
      for (SpoaConnection c : set) {
        if (c != except && c.acceptsForeignAcks()) {
          return c;
        }
      }
    }
    return null;
  }
}
