package dev.spoa.agent;

import dev.spoa.agent.impl.AgentMetrics;
import dev.spoa.agent.impl.AgentParts;
import dev.spoa.config.SpoaConfig;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.server.SpoaServer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * An agent made from its configuration alone, for Vert.x's own launcher:
 * <pre>
 * java -cp agent.jar io.vertx.launcher.application.VertxApplication dev.spoa.agent.SpoaAgentVerticle \
 *      -conf agent.json [-instances 2] [-worker] [-cluster -cluster-host 127.0.0.1]
 * </pre>
 * {@code config()} holds the sections of {@code conf/spoa.yaml} as JSON; {@code agent.handlers} maps
 * each message to the class of its {@link dev.spoa.handler.SpoaHandler} (a public constructor taking a
 * {@link SpoaConfig}, or none). Any other top-level key is the application's own section, read by
 * handlers with {@link SpoaConfig#section(String)}.
 *
 * <p>Each instance registers one handler per message on its own context (the launcher's
 * {@code -instances} and {@code -worker} size and place them), and deploys {@code agent.instances}
 * servers as its children. Vert.x undeploys children first, so when the launcher closes Vert.x on
 * SIGTERM the servers drain before the handlers stop. Metrics come from the Vert.x the launcher
 * built ({@code -options '{"metricsOptions":{"enabled":true,"prometheusOptions":{"enabled":true}}}'});
 * the cluster is the launcher's too ({@code -cluster}, with a Hazelcast configuration such as
 * {@code conf/cluster.xml} that keeps it on loopback).
 */
public class SpoaAgentVerticle extends VerticleBase {

  private final List<SpoaHandlerVerticle> handlers = new ArrayList<>();
  private final List<SpoaServer> servers = new CopyOnWriteArrayList<>();
  private Supplier<Future<Void>> adminClose;

  @Override
  public Future<?> start() {
    JsonObject json = config();
    Set<String> own = new HashSet<>(json.fieldNames());
    own.removeAll(SpoaConfig.SECTIONS);
    SpoaConfig config;
    try {
      config = SpoaConfig.fromJson(json, own);
      if (config.role().runsHandlers()) {
        for (Map.Entry<String, String> e : config.handlerClasses().entrySet()) {
          handlers.add(SpoaHandlerVerticle.of(e.getKey(), AgentParts.instantiate(e.getKey(), e.getValue(), config)));
        }
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Future<Void> registered = Future.succeededFuture();
    for (SpoaHandlerVerticle h : handlers) {
      registered = registered.compose(v -> startHandler(h, vertx, context));
    }
    AgentMetrics metrics = config.metricsEnabled() ? AgentMetrics.of(vertx) : null;
    return registered.compose(v -> !config.role().runsServer() ? Future.succeededFuture()
      : AgentParts.deployServers(vertx, config, metrics == null ? SpoaMetrics.NOOP : metrics.spoaMetrics(), servers))
      .compose(v -> metrics == null ? Future.succeededFuture()
        : metrics.listen(vertx, AgentParts.adminOptions(config, List.copyOf(config.handlerClasses().keySet())),
          config.serverOptions().getHandlerAddressPrefix(), () -> List.copyOf(servers))
          .onSuccess(admin -> adminClose = admin::close));
  }

  /** The servers (children) have drained by now: the handlers answer what they hold, then stop. */
  @Override
  public Future<?> stop() {
    List<Future<?>> stopped = new ArrayList<>();
    handlers.forEach(h -> stopped.add(h.stop()));
    return Future.join(stopped).transform(x -> adminClose == null ? Future.succeededFuture() : adminClose.get());
  }

  private static Future<Void> startHandler(SpoaHandlerVerticle handler, Vertx vertx, Context context) {
    handler.init(vertx, context);
    return handler.start().mapEmpty();
  }
}
