package dev.spoa.agent.impl;

import dev.spoa.agent.RunningAgent;
import dev.spoa.config.SpoaConfig;
import dev.spoa.server.SpoaServer;
import io.vertx.config.ConfigRetriever;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** What one start deployed, recorded as it goes, so that a SIGTERM during the start stops what is there. */
final class RunningAgentImpl implements RunningAgent {

  private static final Logger LOG = LoggerFactory.getLogger(RunningAgentImpl.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final SpoaConfig config;
  final List<SpoaServer> servers = new CopyOnWriteArrayList<>();
  final List<String> handlerDeployments = new CopyOnWriteArrayList<>();
  volatile String serverDeployment;
  volatile int adminPort = -1;
  volatile Supplier<Future<Void>> adminClose;
  volatile ConfigRetriever watcher;
  private Future<Void> closed;

  RunningAgentImpl(Vertx vertx, boolean ownsVertx, SpoaConfig config) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.config = config;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public SpoaConfig config() {
    return config;
  }

  @Override
  public List<SpoaServer> servers() {
    return List.copyOf(servers);
  }

  @Override
  public int adminPort() {
    return adminPort;
  }

  @Override
  public synchronized Future<Void> close() {
    if (closed == null) {
      // no context: Vert.x's close completes on a thread of its own, after the event loops are gone
      Promise<Void> done = Promise.promise();
      stopInOrder().onComplete(x -> {
        if (ownsVertx) {
          vertx.close().onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("closing Vert.x failed: {}", ar.cause().toString());
            }
            done.complete();
          });
        } else {
          done.complete();
        }
      });
      closed = done.future();
    }
    return closed;
  }

  /** Servers (drain), then handlers (finish what they hold), then the admin port and the file watch. */
  private Future<Void> stopInOrder() {
    ConfigRetriever w = watcher;
    if (w != null) {
      w.close();
    }
    String servers = serverDeployment;
    Future<Void> drained = servers == null ? Future.succeededFuture()
      : vertx.undeploy(servers).onFailure(t -> LOG.warn("drain failed: {}", t.toString())).otherwiseEmpty();
    return drained
      .compose(v -> Future.join(handlerDeployments.stream().map(id -> vertx.undeploy(id)
        .onFailure(t -> LOG.warn("stopping the handlers failed: {}", t.toString()))).toList()).otherwiseEmpty())
      .compose(v -> {
        Supplier<Future<Void>> admin = adminClose;
        return admin == null ? Future.<Void>succeededFuture() : admin.get().otherwiseEmpty();
      })
      .mapEmpty();
  }
}
