package dev.spoa.server;

import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.server.impl.SpoaServerImpl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.SocketAddress;

import java.util.concurrent.TimeUnit;

/**
 * An SPOP 2.0 agent endpoint: accepts HAProxy's SPOE connections, negotiates, and publishes each
 * NOTIFY's messages on the event bus to the handlers registered for their names
 * ({@link dev.spoa.handler.SpoaHandlers}); the handlers' actions go back in one ACK per NOTIFY.
 *
 * <pre>{@code
 * SpoaServer.create(vertx, new SpoaServerOptions().setPort(12345)).listen();
 * }</pre>
 */
public interface SpoaServer {

  static SpoaServer create(Vertx vertx) {
    return create(vertx, new SpoaServerOptions());
  }

  static SpoaServer create(Vertx vertx, SpoaServerOptions options) {
    return new SpoaServerImpl(vertx, new SpoaServerOptions(options));
  }

  /** Where the server reports what it does; {@link SpoaMetrics#NOOP} by default. Call before listening. */
  SpoaServer metrics(SpoaMetrics metrics);

  /** Listens on the host and port of the options. */
  Future<SpoaServer> listen();

  Future<SpoaServer> listen(int port, String host);

  /** Listens on any address, e.g. {@code SocketAddress.domainSocketAddress(path)} for a unix socket. */
  Future<SpoaServer> listen(SocketAddress address);

  /** The bound port (useful after listening on port 0), or -1 before listening. */
  int actualPort();

  /**
   * Applies new options to this running server, without dropping connections: deadlines, limits,
   * timeouts, capabilities and the fallback and overflow variables take effect at once (new
   * connections, new NOTIFYs); so do new TLS certificates, keys and CAs when TLS stays on. Settings
   * of the listener itself (host, port, turning TLS on or off, socket options, the handler address
   * prefix) need a restart: they are not applied, and the future completes with their names. Fails,
   * changing nothing, when the options are invalid.
   */
  Future<java.util.Set<String>> updateOptions(SpoaServerOptions options);

  /**
   * Rotates the TLS material of a listening server (certificate and key, trusted CAs, client
   * authentication) without dropping a connection: the connections opened from now on use it.
   * Completes with whether it changed anything; {@link #updateOptions} does the same when TLS
   * options change and TLS stays on.
   */
  default Future<Boolean> updateSSLOptions(ServerSSLOptions options) {
    return updateSSLOptions(options, false);
  }

  /** The same; {@code force} applies options equal to the current ones again (e.g. files changed in place). */
  Future<Boolean> updateSSLOptions(ServerSSLOptions options, boolean force);

  /** Whether the server listens and is not draining or closed (what readiness probes want). */
  boolean isListening();

  /** Closes at once: open connections are closed, NOTIFYs in flight get no ACK. */
  Future<Void> close();

  /**
   * Stops accepting, lets each connection finish its in-flight NOTIFYs, then sends AGENT-DISCONNECT
   * (status 0) and closes it; whatever is still open after {@code timeout} is closed.
   */
  Future<Void> shutdown(long timeout, TimeUnit unit);
}
