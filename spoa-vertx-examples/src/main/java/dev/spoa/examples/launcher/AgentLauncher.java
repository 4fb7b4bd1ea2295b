package dev.spoa.examples.launcher;

import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Starts an agent in the role its {@link AgentSettings} name: the server, the handlers, or both;
 * on a plain or a Hazelcast-clustered Vert.x. The handler class is the same in every role.
 */
public final class AgentLauncher {

  /** The name of the worker pool handlers run on with {@code --worker-pool-size}. */
  public static final String WORKER_POOL = "spoa-handlers";
  /** The variable set when {@code --node-name} is given (HAProxy: {@code txn.<var-prefix>.node}). */
  public static final String NODE_VARIABLE = "node";

  private static final Logger LOG = LoggerFactory.getLogger(AgentLauncher.class);

  private AgentLauncher() {
  }

  /** Builds Vert.x, deploys, and closes Vert.x on SIGTERM/SIGINT; exits with 1 if the start fails. */
  public static void run(AgentSettings s, String messageName, Supplier<SpoaHandler> handler, String what) {
    LOG.info("{} starting: {}", what, s);
    AtomicReference<Vertx> started = new AtomicReference<>();
    // SIGTERM/SIGINT: closing Vert.x undeploys the verticles (the server drains), and leaves the cluster.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Vertx v = started.get();
      if (v != null) {
        v.close().await();
      }
    }, "spoa-shutdown"));
    vertx(s)
      .onSuccess(started::set)
      .compose(vertx -> deploy(vertx, s, messageName, handler, SpoaMetrics.NOOP))
      .onSuccess(v -> {
        if (s.runsHandlers()) {
          LOG.info("{}: {} handler(s) for '{}' registered{}", what, s.handlerInstances, messageName,
            s.clustered ? " cluster-wide" : "");
        }
        if (s.runsServer()) {
          LOG.info("{} listening on {}:{}", what, s.host, s.port);
        }
      })
      .onFailure(t -> {
        LOG.error("{} failed to start: {}", what, t.toString());
        Vertx v = started.getAndSet(null);
        (v == null ? Future.succeededFuture() : v.close()).onComplete(x -> System.exit(1));
      });
  }

  /** A plain Vert.x, or a clustered one joined with {@link ClusterConfig#hazelcast(AgentSettings)}. */
  public static Future<Vertx> vertx(AgentSettings s) {
    if (!s.clustered) {
      return Future.succeededFuture(Vertx.vertx());
    }
    VertxOptions options = new VertxOptions()
      .setEventBusOptions(new EventBusOptions().setHost(s.clusterHost).setPort(0));
    try {
      return Vertx.builder()
        .with(options)
        .withClusterManager(new HazelcastClusterManager(ClusterConfig.hazelcast(s)))
        .buildClustered();
    } catch (RuntimeException e) { // e.g. an unreadable cluster config
      return Future.failedFuture(e);
    }
  }

  /** Deploys the handlers (when the role has them), then the server (when it has one). */
  public static Future<Void> deploy(Vertx vertx, AgentSettings s, String messageName, Supplier<SpoaHandler> handler,
                                    SpoaMetrics metrics) {
    Future<?> f = Future.succeededFuture();
    if (s.runsHandlers()) {
      DeploymentOptions handlers = new DeploymentOptions().setInstances(s.handlerInstances);
      if (s.workerPoolSize > 0) {
        handlers.setThreadingModel(ThreadingModel.WORKER)
          .setWorkerPoolName(WORKER_POOL)
          .setWorkerPoolSize(s.workerPoolSize);
      }
      Supplier<SpoaHandler> h = s.nodeName == null ? handler : () -> withNodeName(handler.get(), s.nodeName);
      f = vertx.deployVerticle(() -> SpoaHandlerVerticle.of(messageName, h.get()), handlers);
    }
    if (s.runsServer()) {
      f = f.compose(id -> vertx.deployVerticle(() -> new SpoaServerVerticle(s.serverOptions(), metrics),
        new DeploymentOptions().setInstances(s.serverInstances)));
    }
    return f.mapEmpty();
  }

  private static SpoaHandler withNodeName(SpoaHandler handler, String nodeName) {
    Action node = Action.setVar(Scope.TXN, NODE_VARIABLE, nodeName);
    return req -> handler.handle(req).map(actions -> {
      List<Action> all = new ArrayList<>(actions == null ? List.of() : actions);
      all.add(node);
      return all;
    });
  }
}
