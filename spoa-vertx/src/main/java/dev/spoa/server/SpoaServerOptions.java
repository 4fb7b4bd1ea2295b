package dev.spoa.server;

import dev.spoa.handler.SpoaHandlers;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.TrustOptions;

/**
 * Options of a {@link SpoaServer}: the TCP/TLS settings of {@link NetServerOptions} plus the SPOP
 * ones. The server listens on {@value #DEFAULT_HOST}:{@value #DEFAULT_PORT} unless told otherwise:
 * an agent is exposed on purpose, with TLS, never by default.
 *
 * <p>JSON keys are the property names ({@code maxFrameSize}, {@code handlerTimeout}, ...) next to
 * those of {@link NetServerOptions} ({@code port}, {@code host}, {@code ssl}, ...).
 */
public class SpoaServerOptions extends NetServerOptions {

  public static final int DEFAULT_PORT = 12345;
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** HAProxy's own default: {@code tune.bufsize} (16384) minus 4. */
  public static final int DEFAULT_MAX_FRAME_SIZE = 16380;
  /** SPOP's floor for max-frame-size. */
  public static final int MIN_FRAME_SIZE = 256;
  /** Like HAProxy's {@code max-waiting-frames} and its 3.x stream limit. */
  public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 20;
  /** Below the usual HAProxy {@code timeout processing} of 500 ms or more. */
  public static final long DEFAULT_HANDLER_TIMEOUT = 400;
  public static final boolean DEFAULT_PIPELINING = true;
  public static final long DEFAULT_SHUTDOWN_TIMEOUT = 10_000;
  public static final String DEFAULT_HANDLER_ADDRESS_PREFIX = SpoaHandlers.DEFAULT_ADDRESS_PREFIX;

  private int maxFrameSize;
  private int maxInFlightPerConnection;
  private long handlerTimeout;
  private boolean pipelining;
  private long shutdownTimeout;
  private String handlerAddressPrefix;

  public SpoaServerOptions() {
    super();
    init();
    setPort(DEFAULT_PORT);
    setHost(DEFAULT_HOST);
  }

  public SpoaServerOptions(SpoaServerOptions other) {
    super(other);
    maxFrameSize = other.maxFrameSize;
    maxInFlightPerConnection = other.maxInFlightPerConnection;
    handlerTimeout = other.handlerTimeout;
    pipelining = other.pipelining;
    shutdownTimeout = other.shutdownTimeout;
    handlerAddressPrefix = other.handlerAddressPrefix;
  }

  /** From JSON, e.g. a section of the configuration; absent keys keep their defaults. */
  public SpoaServerOptions(JsonObject json) {
    super(json);
    init();
    if (!json.containsKey("port")) {
      setPort(DEFAULT_PORT);
    }
    if (!json.containsKey("host")) {
      setHost(DEFAULT_HOST);
    }
    setMaxFrameSize(json.getInteger("maxFrameSize", maxFrameSize));
    setMaxInFlightPerConnection(json.getInteger("maxInFlightPerConnection", maxInFlightPerConnection));
    setHandlerTimeout(json.getLong("handlerTimeout", handlerTimeout));
    setPipelining(json.getBoolean("pipelining", pipelining));
    setShutdownTimeout(json.getLong("shutdownTimeout", shutdownTimeout));
    setHandlerAddressPrefix(json.getString("handlerAddressPrefix", handlerAddressPrefix));
  }

  private void init() {
    maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    maxInFlightPerConnection = DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;
    handlerTimeout = DEFAULT_HANDLER_TIMEOUT;
    pipelining = DEFAULT_PIPELINING;
    shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    handlerAddressPrefix = DEFAULT_HANDLER_ADDRESS_PREFIX;
  }

  @Override
  public JsonObject toJson() {
    return super.toJson()
      .put("maxFrameSize", maxFrameSize)
      .put("maxInFlightPerConnection", maxInFlightPerConnection)
      .put("handlerTimeout", handlerTimeout)
      .put("pipelining", pipelining)
      .put("shutdownTimeout", shutdownTimeout)
      .put("handlerAddressPrefix", handlerAddressPrefix);
  }

  public int getMaxFrameSize() {
    return maxFrameSize;
  }

  /**
   * The largest frame the agent accepts and announces; the agreed size is the smaller of this and
   * HAProxy's. At least {@value #MIN_FRAME_SIZE}.
   */
  public SpoaServerOptions setMaxFrameSize(int maxFrameSize) {
    if (maxFrameSize < MIN_FRAME_SIZE) {
      throw new IllegalArgumentException("maxFrameSize must be at least " + MIN_FRAME_SIZE + ", got " + maxFrameSize);
    }
    this.maxFrameSize = maxFrameSize;
    return this;
  }

  public int getMaxInFlightPerConnection() {
    return maxInFlightPerConnection;
  }

  /** NOTIFYs handled at once on one connection; at the cap the server stops reading from it. */
  public SpoaServerOptions setMaxInFlightPerConnection(int maxInFlightPerConnection) {
    if (maxInFlightPerConnection < 1) {
      throw new IllegalArgumentException("maxInFlightPerConnection must be at least 1, got " + maxInFlightPerConnection);
    }
    this.maxInFlightPerConnection = maxInFlightPerConnection;
    return this;
  }

  public long getHandlerTimeout() {
    return handlerTimeout;
  }

  /**
   * Milliseconds a handler has to answer; then its message contributes no actions and the ACK goes
   * out anyway. Keep it below HAProxy's {@code timeout processing}.
   */
  public SpoaServerOptions setHandlerTimeout(long handlerTimeout) {
    if (handlerTimeout < 1) {
      throw new IllegalArgumentException("handlerTimeout must be at least 1 ms, got " + handlerTimeout);
    }
    this.handlerTimeout = handlerTimeout;
    return this;
  }

  public boolean isPipelining() {
    return pipelining;
  }

  /** Whether to agree to pipelining when HAProxy offers it (several NOTIFYs in flight per connection). */
  public SpoaServerOptions setPipelining(boolean pipelining) {
    this.pipelining = pipelining;
    return this;
  }

  public long getShutdownTimeout() {
    return shutdownTimeout;
  }

  /** Milliseconds {@link SpoaServerVerticle#stop()} lets in-flight NOTIFYs finish before closing. */
  public SpoaServerOptions setShutdownTimeout(long shutdownTimeout) {
    if (shutdownTimeout < 0) {
      throw new IllegalArgumentException("shutdownTimeout must not be negative, got " + shutdownTimeout);
    }
    this.shutdownTimeout = shutdownTimeout;
    return this;
  }

  public String getHandlerAddressPrefix() {
    return handlerAddressPrefix;
  }

  /** The event-bus address of the handlers of message {@code m} is this prefix followed by {@code m}. */
  public SpoaServerOptions setHandlerAddressPrefix(String handlerAddressPrefix) {
    if (handlerAddressPrefix == null) {
      throw new NullPointerException("handlerAddressPrefix");
    }
    this.handlerAddressPrefix = handlerAddressPrefix;
    return this;
  }

  // Inherited setters, narrowed so that chains keep the SPOA type.

  @Override
  public SpoaServerOptions setPort(int port) {
    super.setPort(port);
    return this;
  }

  @Override
  public SpoaServerOptions setHost(String host) {
    super.setHost(host);
    return this;
  }

  @Override
  public SpoaServerOptions setSsl(boolean ssl) {
    super.setSsl(ssl);
    return this;
  }

  @Override
  public SpoaServerOptions setKeyCertOptions(KeyCertOptions options) {
    super.setKeyCertOptions(options);
    return this;
  }

  @Override
  public SpoaServerOptions setTrustOptions(TrustOptions options) {
    super.setTrustOptions(options);
    return this;
  }

  @Override
  public SpoaServerOptions setClientAuth(ClientAuth clientAuth) {
    super.setClientAuth(clientAuth);
    return this;
  }

  @Override
  public SpoaServerOptions setAcceptBacklog(int acceptBacklog) {
    super.setAcceptBacklog(acceptBacklog);
    return this;
  }

  @Override
  public SpoaServerOptions setReusePort(boolean reusePort) {
    super.setReusePort(reusePort);
    return this;
  }

  @Override
  public SpoaServerOptions setTcpNoDelay(boolean tcpNoDelay) {
    super.setTcpNoDelay(tcpNoDelay);
    return this;
  }

  @Override
  public SpoaServerOptions setIdleTimeout(int idleTimeout) {
    super.setIdleTimeout(idleTimeout);
    return this;
  }
}
