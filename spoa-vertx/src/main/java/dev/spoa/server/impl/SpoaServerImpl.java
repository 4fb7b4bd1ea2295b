package dev.spoa.server.impl;

import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.server.SpoaServer;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/** A {@link NetServer} whose sockets each get a {@link SpoaConnection}, and the graceful drain. */
public final class SpoaServerImpl implements SpoaServer {

  private static final Logger LOG = LoggerFactory.getLogger(SpoaServerImpl.class);

  private final Vertx vertx;
  private volatile SpoaServerOptions options;
  private final AgentState shared;
  private final Set<SpoaConnection> connections = ConcurrentHashMap.newKeySet();
  private final LogLimiter refusalLog = new LogLimiter(1, TimeUnit.SECONDS);
  /** HAProxy's DISCONNECTs with an error status: a misconfiguration can make hundreds a second. */
  final LogLimiter haproxyDisconnectLog = new LogLimiter(1, TimeUnit.SECONDS);
  /** Unfinished fragmented NOTIFYs and a spent reassembly budget: a flood of them is one line a second. */
  final LogLimiter reassemblyTimeoutLog = new LogLimiter(1, TimeUnit.SECONDS);
  final LogLimiter reassemblyBudgetLog = new LogLimiter(1, TimeUnit.SECONDS);
  /** A handler whose answers outgrow the frame size does so on every request. */
  final LogLimiter oversizedAckLog = new LogLimiter(1, TimeUnit.SECONDS);
  private SpoaMetrics metrics = SpoaMetrics.NOOP;
  private NotifyDispatcher dispatcher;
  private NetServer netServer;
  private volatile boolean draining;
  /** Draining, and HAProxy has marked the agent DOWN: connections may close as they finish. */
  private volatile boolean released;
  /** When the last connection that is not a health check said HELLO. */
  private volatile long lastConnectionNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
  private volatile boolean listening;
  private Promise<Void> drained;
  private boolean drainTimeUp;

  public SpoaServerImpl(Vertx vertx, SpoaServerOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.shared = AgentState.of(vertx);
  }

  @Override
  public SpoaServer metrics(SpoaMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    return this;
  }

  @Override
  public Future<SpoaServer> listen() {
    if (options.getUnixSocketPath() != null) {
      return listen(SocketAddress.domainSocketAddress(options.getUnixSocketPath()));
    }
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
    dispatcher = new NotifyDispatcher(vertx, DispatchSettings.of(options), metrics);
    netServer = vertx.createNetServer(options);
    netServer.connectHandler(this::accept);
    SpoaServerOptions current = options;
    Future<Void> ready = current.getWarmUpNotifies() == 0 ? Future.succeededFuture()
      : onOurContext(shared.warmUpOnce(() -> WarmUp.run(vertx, current)).<Void>mapEmpty());
    if (!address.isDomainSocket()) {
      return ready.compose(v -> bind(address));
    }
    return ready.compose(v -> onOurContext(shared.checkSocketFileOnce(vertx, address.path())))
      .compose(v -> bind(address));
  }

  /**
   * {@code shared} (run once for all servers) completes on the first server's context; go on on our
   * own, which is the event loop our connections get.
   */
  private Future<Void> onOurContext(Future<Void> shared) {
    Context context = vertx.getOrCreateContext();
    Promise<Void> done = Promise.promise();
    shared.onComplete(ar -> context.runOnContext(v -> done.handle(ar)));
    return done.future();
  }

  private Future<SpoaServer> bind(SocketAddress address) {
    Future<SpoaServer> bound = netServer.listen(address).<SpoaServer>map(this).recover(e -> Future.failedFuture(
      new IllegalStateException("cannot listen on " + (address.isDomainSocket() ? "unix:" + address.path() + " (spoa.unixSocketPath)"
        : address.host() + ":" + address.port() + " (spoa.port, SPOA_PORT)") + ": " + e.getMessage(), e)));
    if (address.isDomainSocket() && options.getUnixSocketPermissions() != null) {
      bound = bound.compose(s -> vertx.fileSystem()
        .chmod(address.path(), options.getUnixSocketPermissions()).map(s));
    }
    return bound.onSuccess(s -> listening = !draining);
  }

  private void accept(NetSocket socket) {
    if (shared.connections.incrementAndGet() > options.getMaxConnections()) {
      shared.connections.decrementAndGet();
      refuse(socket);
      return;
    }
    SpoaConnection connection = new SpoaConnection(this, socket);
    connections.add(connection);
    connection.start();
    if (draining) {
      connection.drain();
    }
  }

  private void refuse(NetSocket socket) {
    if (refusalLog.allow()) {
      LOG.warn("{} refused: {} connections open (maxConnections); further refusals this second are only counted",
        socket.remoteAddress(), options.getMaxConnections());
    }
    metrics.connectionRefused();
    metrics.disconnectSent(SpopStatus.RESOURCE_ALLOCATION_ERROR.code());
    socket.end(FrameEncoder.agentDisconnect(SpopStatus.RESOURCE_ALLOCATION_ERROR.code(), "too many connections"));
  }

  /** Called by a connection, on its event loop, once it is closed. */
  void closed(SpoaConnection connection) {
    if (connections.remove(connection)) {
      shared.connections.decrementAndGet();
    }
  }

  SpoaServerOptions options() {
    return options;
  }

  /** What bounds a fragmented NOTIFY, from the options of the moment. */
  NotifyReassembler.Limits reassemblyLimits() {
    SpoaServerOptions now = options;
    return new NotifyReassembler.Limits(now.getMaxReassembledSize(), now.getMaxReassemblyBytes(), now.getReassemblyTimeout());
  }

  SpoaMetrics metrics() {
    return metrics;
  }

  NotifyDispatcher dispatcher() {
    return dispatcher;
  }

  AgentState shared() {
    return shared;
  }

  /** The listener, for tests that shut it down the way Vert.x does (with a grace period). */
  NetServer netServer() {
    return netServer;
  }

  boolean isDraining() {
    return draining;
  }

  /** Whether a draining connection may close: HAProxy no longer sends this agent new work. */
  boolean isReleased() {
    return released;
  }

  /** The drain as the connections see it, read live. */
  ConnectionDrain.Phase drainPhase() {
    return new ConnectionDrain.Phase() {
      @Override
      public boolean isDraining() {
        return draining;
      }

      @Override
      public boolean isReleased() {
        return released;
      }

      @Override
      public long drainIdleTimeout() {
        return options().getDrainIdleTimeout();
      }
    };
  }

  /** A health check from {@code host}: answered, or refused during a drain. */
  void healthCheck(String host, boolean refused) {
    if (refused) {
      shared.healthChecks.refused(host);
    } else {
      shared.healthChecks.answered(host);
    }
  }

  /** A connection that is not a health check said HELLO. */
  void connectionReady() {
    lastConnectionNanos = System.nanoTime();
  }

  @Override
  public int actualPort() {
    return netServer == null ? -1 : netServer.actualPort();
  }

  /** The JSON keys of the TLS material and settings that a listening TLS server takes without a restart. */
  private static final Set<String> TLS_KEYS = tlsKeys();

  private static Set<String> tlsKeys() {
    Set<String> keys = new TreeSet<>(new ServerSSLOptions().toJson().fieldNames());
    keys.addAll(Set.of("pemKeyCertOptions", "pemTrustOptions", "keyStoreOptions", "trustStoreOptions",
      "pfxKeyCertOptions", "pfxTrustOptions"));
    return Set.copyOf(keys);
  }

  @Override
  public synchronized Future<Set<String>> updateOptions(SpoaServerOptions newOptions) {
    JsonObject current = options.toJson();
    JsonObject wanted = newOptions.toJson();
    JsonObject merged = current.copy();
    // a server that listens with TLS and keeps it takes new certificates, keys and CAs at once
    boolean tlsLive = netServer != null && options.isSsl() && newOptions.isSsl();
    boolean tlsChanged = false;
    Set<String> needRestart = new TreeSet<>();
    // toJson leaves out unset (null) settings: a key on one side only was set or cleared
    Set<String> keys = new TreeSet<>(current.fieldNames());
    keys.addAll(wanted.fieldNames());
    for (String key : keys) {
      Object value = wanted.getValue(key);
      if (!Objects.equals(current.getValue(key), value)) {
        boolean tls = tlsLive && TLS_KEYS.contains(key);
        if (SpoaServerOptions.LIVE_KEYS.contains(key) || tls) {
          if (value == null) {
            merged.remove(key);
          } else {
            merged.put(key, value);
          }
          tlsChanged |= tls;
        } else {
          needRestart.add(key);
        }
      }
    }
    SpoaServerOptions applied;
    try {
      applied = new SpoaServerOptions(merged);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Future<Boolean> tls = tlsChanged ? netServer.updateSSLOptions(applied.getSslOptions(), true) : Future.succeededFuture(false);
    return tls.map(x -> {
      synchronized (this) {
        options = applied;
        if (dispatcher != null) {
          dispatcher.update(DispatchSettings.of(applied));
        }
      }
      return needRestart;
    });
  }

  @Override
  public Future<Boolean> updateSSLOptions(ServerSSLOptions sslOptions, boolean force) {
    NetServer server = netServer;
    return server == null ? Future.failedFuture(new IllegalStateException("not listening"))
      : server.updateSSLOptions(sslOptions, force);
  }

  @Override
  public boolean isListening() {
    return listening;
  }

  @Override
  public Future<Void> close() {
    draining = true;
    listening = false;
    return netServer == null ? Future.succeededFuture() : netServer.close();
  }

  /**
   * The drain, built so that HAProxy loses no request whatever its check settings:
   * <ol>
   *   <li>health checks are answered with AGENT-DISCONNECT, so that {@code option spop-check} marks
   *   the agent DOWN; every connection, old or new, is served and kept meanwhile, because until
   *   then HAProxy may send on any of them (3.x reuses its pooled connections at any time);</li>
   *   <li>once each HAProxy host that checks the agent has had {@code drainHealthChecks} checks
   *   refused (HAProxy's {@code fall}), HAProxy no longer picks the agent: each connection closes
   *   right after an ACK that leaves nothing in flight on it, the DISCONNECT in the same write as
   *   the ACK (HAProxy 2.6-3.0 read them together and send nothing in between), or after
   *   {@code drainIdleTimeout} without traffic;</li>
   *   <li>the listener stays open until no connection is left and none has opened for
   *   {@code drainIdleTimeout}, so that a late HAProxy connection is served, not refused.</li>
   * </ol>
   * The whole is bounded by {@code timeout}; the connections left then get AGENT-DISCONNECT status 0.
   */
  @Override
  public synchronized Future<Void> shutdown(long timeout, TimeUnit unit) {
    if (netServer == null) {
      return Future.succeededFuture();
    }
    if (drained != null) {
      return drained.future().eventually(() -> netServer.close());
    }
    draining = true;
    listening = false;
    drained = Promise.promise();
    shared.healthChecks.drainStarted();
    shared.lastDrainNotifyNanos = System.nanoTime();
    LOG.info("draining {} connections for at most {} ms: health checks are refused until HAProxy marks the agent DOWN",
      connections.size(), unit.toMillis(timeout));
    connections.forEach(SpoaConnection::drain);
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    pollDrain(deadline);
    long poll = vertx.setPeriodic(DRAIN_POLL_MILLIS, id -> pollDrain(deadline));
    return drained.future()
      .andThen(ar -> {
        vertx.cancelTimer(poll);
        shared.healthChecks.drainEnded();
      })
      .eventually(() -> netServer.close());
  }

  /** How often a drain looks at the checks refused, the connections left and the time. */
  static final long DRAIN_POLL_MILLIS = 100;

  private synchronized void pollDrain(long deadlineNanos) {
    if (drained.future().isComplete()) {
      return;
    }
    long now = System.nanoTime();
    SpoaServerOptions o = options;
    if (!released && shared.healthChecks.downEverywhere(o.getDrainHealthChecks())) {
      released = true;
      LOG.info("{} health checks refused: HAProxy no longer sends new work; {} connections close as they finish",
        shared.healthChecks.refusedCount(), connections.size());
      connections.forEach(SpoaConnection::release);
    }
    boolean quiet = now - lastConnectionNanos >= TimeUnit.MILLISECONDS.toNanos(o.getDrainIdleTimeout());
    if (released && connections.isEmpty() && quiet) {
      drained.tryComplete();
    } else if (now - deadlineNanos >= 0 && !drainTimeUp) {
      drainTimeUp = true;
      LOG.info("drain time is up ({} health checks refused{}): disconnecting {} connections",
        shared.healthChecks.refusedCount(), released ? "" : ", HAProxy may not have marked the agent DOWN yet",
        connections.size());
      connections.forEach(SpoaConnection::endDrain);
      // their DISCONNECTs flush and they close; whatever is left goes with the server
      vertx.setTimer(1000, x -> drained.tryComplete());
      if (connections.isEmpty()) {
        drained.tryComplete();
      }
    }
  }
}
