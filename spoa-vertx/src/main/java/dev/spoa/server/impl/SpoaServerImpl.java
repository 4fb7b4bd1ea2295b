package dev.spoa.server.impl;

import dev.spoa.dispatch.NotifyDispatcher;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.server.SpoaServer;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.SocketAddress;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** A {@link NetServer} whose sockets each get a {@link SpoaConnection}. */
public final class SpoaServerImpl implements SpoaServer {

  private final Vertx vertx;
  private final SpoaServerOptions options;
  private SpoaMetrics metrics = SpoaMetrics.NOOP;
  private NetServer netServer;

  public SpoaServerImpl(Vertx vertx, SpoaServerOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  @Override
  public SpoaServer metrics(SpoaMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    return this;
  }

  @Override
  public Future<SpoaServer> listen() {
    return listen(SocketAddress.inetSocketAddress(options.getPort(), options.getHost()));
  }

  @Override
  public Future<SpoaServer> listen(int port, String host) {
    return listen(SocketAddress.inetSocketAddress(port, host));
  }

  @Override
  public Future<SpoaServer> listen(SocketAddress address) {
    if (netServer != null) {
      return Future.failedFuture(new IllegalStateException("already listening"));
    }
    NotifyDispatcher dispatcher = new NotifyDispatcher(vertx, options.getHandlerAddressPrefix(),
      options.getHandlerTimeout(), metrics);
    netServer = vertx.createNetServer(options);
    netServer.connectHandler(socket -> new SpoaConnection(socket, options, dispatcher, metrics).start());
    return netServer.listen(address).map(this);
  }

  @Override
  public int actualPort() {
    return netServer == null ? -1 : netServer.actualPort();
  }

  @Override
  public Future<Void> close() {
    return netServer == null ? Future.succeededFuture() : netServer.close();
  }

  @Override
  public Future<Void> shutdown(long timeout, TimeUnit unit) {
    return netServer == null ? Future.succeededFuture() : netServer.shutdown(timeout, unit);
  }
}
