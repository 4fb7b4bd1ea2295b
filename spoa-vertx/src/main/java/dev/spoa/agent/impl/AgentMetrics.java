package dev.spoa.agent.impl;

import dev.spoa.admin.SpoaAdminOptions;
import dev.spoa.admin.SpoaAdminServer;
import dev.spoa.metrics.MicrometerSpoaMetrics;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.server.SpoaServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.List;
import java.util.function.Supplier;

/**
 * An agent's metrics: one Prometheus registry for Vert.x's own metrics and the agent's, served on
 * the admin port. Only loaded when metrics are on: Micrometer is an optional dependency.
 */
public final class AgentMetrics {

  private final PrometheusMeterRegistry registry;
  private final SpoaMetrics spoaMetrics;

  private AgentMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    this.spoaMetrics = new MicrometerSpoaMetrics(registry);
  }

  /** A registry for a Vert.x still to be built: {@link #addTo} wires Vert.x's metrics into it. */
  public static AgentMetrics create() {
    return new AgentMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** The registry a Vert.x was built with, when it is Prometheus'; otherwise one for the agent's own metrics. */
  public static AgentMetrics of(Vertx vertx) {
    return new AgentMetrics(BackendRegistries.getDefaultNow() instanceof PrometheusMeterRegistry p ? p
      : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  void addTo(VertxBuilder builder) {
    builder.withMetrics(new MicrometerMetricsFactory(registry));
  }

  public SpoaMetrics spoaMetrics() {
    return spoaMetrics;
  }

  public Future<SpoaAdminServer> listen(Vertx vertx, SpoaAdminOptions options, String handlerAddressPrefix,
                                        Supplier<List<SpoaServer>> servers) {
    return SpoaAdminServer.create(vertx, options, registry, handlerAddressPrefix).servers(servers).listen();
  }
}
