package dev.spoa.agent;

import dev.spoa.config.SpoaConfig;
import dev.spoa.server.SpoaServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;

/** An agent that {@link SpoaAgent} started. */
public interface RunningAgent {

  Vertx vertx();

  /** The configuration it started with (live changes of the file are applied to the servers). */
  SpoaConfig config();

  /** Its servers, one per server verticle instance; empty for the {@code handler} role. */
  List<SpoaServer> servers();

  /** The admin port's actual port (/metrics, /health, /ready), or -1 when metrics are off. */
  int adminPort();

  /**
   * Stops in the order that loses no request: the servers drain (HAProxy stops sending, open work
   * is answered), then the handlers finish what they hold, then the admin port closes and, when
   * the agent built its Vert.x, Vert.x closes (and leaves the cluster). Calling it again returns
   * the same future. Failures along the way are logged; the future always succeeds.
   */
  Future<Void> close();
}
