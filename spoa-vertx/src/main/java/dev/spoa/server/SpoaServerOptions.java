package dev.spoa.server;

import dev.spoa.handler.SpoaHandlers;
import dev.spoa.protocol.Variable;
import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.netty.handler.logging.ByteBufFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.TrafficShapingOptions;
import io.vertx.core.net.TrustOptions;

import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Options of a {@link SpoaServer}: the TCP/TLS settings of {@link NetServerOptions} plus the SPOP
 * ones. The server listens on {@value #DEFAULT_HOST}:{@value #DEFAULT_PORT} unless told otherwise:
 * an agent is exposed on purpose, with TLS, never by default.
 *
 * <p>JSON keys are the property names ({@code maxFrameSize}, {@code handlerTimeout}, ...) next to
 * those of {@link NetServerOptions} ({@code port}, {@code host}, {@code ssl}, ...); the converter of
 * the SPOA keys is generated from the getters and setters.
 */
@DataObject
@JsonGen(publicConverter = false)
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
  /** Off: see {@link #setPipeliningBefore31(boolean)}. */
  public static final boolean DEFAULT_PIPELINING_BEFORE_31 = false;
  /**
   * Room for HAProxy's default checks ({@code inter 2s fall 3}: DOWN 4 to 6 s after the drain
   * begins) and for the connections to finish; Kubernetes' default grace period is 30 s too.
   */
  public static final long DEFAULT_SHUTDOWN_TIMEOUT = 30_000;
  public static final String DEFAULT_HANDLER_ADDRESS_PREFIX = SpoaHandlers.DEFAULT_ADDRESS_PREFIX;
  /** Announce fragmentation and reassemble fragmented NOTIFYs (HAProxy 2.6 to 3.0). */
  public static final boolean DEFAULT_FRAGMENTATION = true;
  public static final int DEFAULT_MAX_REASSEMBLED_SIZE = 1024 * 1024;
  /** HAProxy sends a NOTIFY's fragments back to back: 5 s is far more than one ever takes. */
  public static final long DEFAULT_REASSEMBLY_TIMEOUT = 5_000;
  /** 64 MiB: 64 connections each at the default {@link #DEFAULT_MAX_REASSEMBLED_SIZE}. */
  public static final long DEFAULT_MAX_REASSEMBLY_BYTES = 64L * 1024 * 1024;
  /** Off: see {@link #setAsync(boolean)}. */
  public static final boolean DEFAULT_ASYNC = false;
  public static final long DEFAULT_HELLO_TIMEOUT = 5_000;
  /** Longer than any usual SPOE {@code timeout idle}: HAProxy closes its idle connections itself. */
  public static final long DEFAULT_CONNECTION_IDLE_TIMEOUT = 600_000;
  /** HAProxy's HELLO takes about 130 bytes. */
  public static final int DEFAULT_MAX_FRAME_SIZE_BEFORE_HELLO = 2048;
  public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  /** 0: connections live as long as HAProxy keeps them. */
  public static final long DEFAULT_MAX_CONNECTION_AGE = 0;
  public static final double DEFAULT_MAX_CONNECTION_AGE_JITTER = 0.3;
  public static final long DEFAULT_DRAIN_IDLE_TIMEOUT = 1_000;
  /** 0: off, each message is one request (see {@link #setHedgeAfter(long)}). */
  public static final long DEFAULT_HEDGE_AFTER = 0;
  /** HAProxy's default {@code fall}: this many refused checks mark the agent DOWN. */
  public static final int DEFAULT_DRAIN_HEALTH_CHECKS = 3;
  /** Off: every message goes over the event bus (see {@link #setDirectDispatch(boolean)}). */
  public static final boolean DEFAULT_DIRECT_DISPATCH = false;
  /** NOTIFYs the server sends through its own path before it listens (see {@link #setWarmUpNotifies(int)}). */
  public static final int DEFAULT_WARM_UP_NOTIFIES = 5_000;

  /**
   * The JSON keys of the settings that {@link SpoaServer#updateOptions} applies to a listening server,
   * to its live connections and new ones, without a restart; TLS material is live too
   * ({@link SpoaServer#updateSSLOptions}). Any other change needs a restart.
   */
  public static final Set<String> LIVE_KEYS = Set.of("handlerTimeout", "handlerTimeouts", "fallbackVariable",
    "ackOverflowVariable", "maxInFlight", "maxInFlightPerConnection", "maxConnections", "helloTimeout",
    "connectionIdleTimeout", "maxConnectionAge", "maxConnectionAgeJitter", "shutdownTimeout", "drainIdleTimeout",
    "drainHealthChecks", "maxFrameSize", "maxFrameSizeBeforeHello", "maxReassembledSize", "reassemblyTimeout",
    "maxReassemblyBytes", "pipelining", "pipeliningBefore31", "fragmentation", "async", "directDispatch", "hedgeAfter");

  private int maxFrameSize;
  private int maxInFlightPerConnection;
  private long handlerTimeout;
  private boolean pipelining;
  private long shutdownTimeout;
  private String handlerAddressPrefix;
  private boolean fragmentation;
  private int maxReassembledSize;
  private long reassemblyTimeout;
  private long maxReassemblyBytes;
  private boolean async;
  private long helloTimeout;
  private long connectionIdleTimeout;
  private int maxFrameSizeBeforeHello;
  private int maxInFlight;
  private int maxConnections;
  private long maxConnectionAge;
  private double maxConnectionAgeJitter;
  private long drainIdleTimeout;
  private long hedgeAfter;
  private int drainHealthChecks;
  private boolean pipeliningBefore31;
  private boolean directDispatch;
  private int warmUpNotifies;
  private Map<String, Long> handlerTimeouts;
  private String fallbackVariable;
  private String ackOverflowVariable;
  private String unixSocketPath;
  private String unixSocketPermissions;

  public SpoaServerOptions() {
    super();
    init();
    setPort(DEFAULT_PORT);
    setHost(DEFAULT_HOST);
  }

  public SpoaServerOptions(SpoaServerOptions other) {
    super(other);
    init();
    SpoaServerOptionsConverter.fromJson(other.toJson(), this);
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
    // An explicit null keeps the default, like an absent key (the converter skips it).
    SpoaServerOptionsConverter.fromJson(json, this);
  }

  private void init() {
    maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    maxInFlightPerConnection = DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;
    handlerTimeout = DEFAULT_HANDLER_TIMEOUT;
    pipelining = DEFAULT_PIPELINING;
    shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    handlerAddressPrefix = DEFAULT_HANDLER_ADDRESS_PREFIX;
    fragmentation = DEFAULT_FRAGMENTATION;
    maxReassembledSize = DEFAULT_MAX_REASSEMBLED_SIZE;
    reassemblyTimeout = DEFAULT_REASSEMBLY_TIMEOUT;
    maxReassemblyBytes = DEFAULT_MAX_REASSEMBLY_BYTES;
    async = DEFAULT_ASYNC;
    helloTimeout = DEFAULT_HELLO_TIMEOUT;
    connectionIdleTimeout = DEFAULT_CONNECTION_IDLE_TIMEOUT;
    maxFrameSizeBeforeHello = DEFAULT_MAX_FRAME_SIZE_BEFORE_HELLO;
    maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    maxConnections = DEFAULT_MAX_CONNECTIONS;
    maxConnectionAge = DEFAULT_MAX_CONNECTION_AGE;
    maxConnectionAgeJitter = DEFAULT_MAX_CONNECTION_AGE_JITTER;
    drainIdleTimeout = DEFAULT_DRAIN_IDLE_TIMEOUT;
    hedgeAfter = DEFAULT_HEDGE_AFTER;
    drainHealthChecks = DEFAULT_DRAIN_HEALTH_CHECKS;
    pipeliningBefore31 = DEFAULT_PIPELINING_BEFORE_31;
    directDispatch = DEFAULT_DIRECT_DISPATCH;
    warmUpNotifies = DEFAULT_WARM_UP_NOTIFIES;
    handlerTimeouts = new LinkedHashMap<>();
    fallbackVariable = null;
    ackOverflowVariable = null;
    unixSocketPath = null;
    unixSocketPermissions = null;
  }

  @Override
  public JsonObject toJson() {
    JsonObject json = super.toJson();
    SpoaServerOptionsConverter.toJson(this, json);
    return json;
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

  public boolean isPipeliningBefore31() {
    return pipeliningBefore31;
  }

  /**
   * Whether to agree to pipelining with HAProxy 2.6 to 3.0 too (they offer {@code async}, which
   * 3.1+ never do); it needs {@link #setPipelining(boolean)} as well. Off by default: those versions
   * hand a new NOTIFY to any pipelined connection with room, even one of an agent marked DOWN, so
   * no moment is safe to close one, and a drain (a restart) can fail the NOTIFY HAProxy writes while
   * the agent closes. Without pipelining a connection carries one NOTIFY at a time and closes with
   * its ACK, losing nothing; HAProxy opens more connections instead. HAProxy 3.1+ stop using an
   * agent's connections once it is DOWN, so pipelining with them is always agreed.
   */
  public SpoaServerOptions setPipeliningBefore31(boolean pipeliningBefore31) {
    this.pipeliningBefore31 = pipeliningBefore31;
    return this;
  }

  public long getShutdownTimeout() {
    return shutdownTimeout;
  }

  /**
   * The most milliseconds a drain ({@link SpoaServer#shutdown}, {@link SpoaServerVerticle#stop()})
   * takes: HAProxy's checks must mark the agent DOWN within it, then its connections finish. When it
   * is up, the connections left get AGENT-DISCONNECT.
   */
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

  public boolean isFragmentation() {
    return fragmentation;
  }

  /**
   * Whether to announce {@code fragmentation} and reassemble NOTIFYs that HAProxy 2.6 to 3.0 send
   * in fragments. On by default: without it, HAProxy answers every message larger than the frame
   * size with a storm of new connections ending in DISCONNECT 10 (unless it has
   * {@code no option send-frag-payload}). HAProxy 3.1+ never fragments and ignores the token.
   */
  public SpoaServerOptions setFragmentation(boolean fragmentation) {
    this.fragmentation = fragmentation;
    return this;
  }

  public int getMaxReassembledSize() {
    return maxReassembledSize;
  }

  /** The largest NOTIFY payload rebuilt from fragments; past it the connection ends with status 3. */
  public SpoaServerOptions setMaxReassembledSize(int maxReassembledSize) {
    if (maxReassembledSize < MIN_FRAME_SIZE) {
      throw new IllegalArgumentException("maxReassembledSize must be at least " + MIN_FRAME_SIZE + ", got " + maxReassembledSize);
    }
    this.maxReassembledSize = maxReassembledSize;
    return this;
  }

  public long getReassemblyTimeout() {
    return reassemblyTimeout;
  }

  /**
   * Milliseconds a fragmented NOTIFY has from its first fragment to its last; then the connection
   * ends with AGENT-DISCONNECT status 2 and the partial payload is freed. A peer that stops half-way
   * would otherwise hold up to {@link #getMaxReassembledSize()} bytes for as long as the connection lives.
   */
  public SpoaServerOptions setReassemblyTimeout(long reassemblyTimeout) {
    if (reassemblyTimeout < 1) {
      throw new IllegalArgumentException("reassemblyTimeout must be at least 1 ms, got " + reassemblyTimeout);
    }
    this.reassemblyTimeout = reassemblyTimeout;
    return this;
  }

  public long getMaxReassemblyBytes() {
    return maxReassemblyBytes;
  }

  /**
   * Bytes held in partial NOTIFYs over all connections of the Vert.x instance. A fragment that
   * would go past it ends its connection with AGENT-DISCONNECT status 13 (resource allocation
   * error); the bytes are given back when a NOTIFY is complete, aborted, or its connection ends.
   */
  public SpoaServerOptions setMaxReassemblyBytes(long maxReassemblyBytes) {
    if (maxReassemblyBytes < MIN_FRAME_SIZE) {
      throw new IllegalArgumentException("maxReassemblyBytes must be at least " + MIN_FRAME_SIZE + ", got " + maxReassemblyBytes);
    }
    this.maxReassemblyBytes = maxReassemblyBytes;
    return this;
  }

  public boolean isDirectDispatch() {
    return directDispatch;
  }

  /**
   * Whether to call the handlers registered in this Vert.x instance (with {@code SpoaHandlers} or
   * {@code SpoaHandlerVerticle}) directly instead of through the event bus: the same contexts
   * (event loop or worker), deadlines and fallbacks, without the one event-bus message of a local
   * call (or, clustered, a request and its reply). Names without a handler in this instance still
   * go over the event bus (clustered handler nodes), and so do handlers registered as raw event-bus
   * consumers. A direct call runs on the handler's context itself, not on a duplicate per message
   * as the event bus does, so context-local data is not per request. Off by default: the event bus
   * is the design's seam (interceptors, Vert.x event-bus metrics, tracing); docs/performance.md
   * measures what it costs.
   */
  public SpoaServerOptions setDirectDispatch(boolean directDispatch) {
    this.directDispatch = directDispatch;
    return this;
  }

  public int getWarmUpNotifies() {
    return warmUpNotifies;
  }

  /**
   * How many NOTIFYs the server sends through its own code (a private loopback listener, the codec,
   * the dispatch, the ACK batching) before it listens for HAProxy, once per Vert.x instance; 0 turns
   * this off. A JVM runs new code interpreted at first: without the warm-up, the first answers of a
   * restarted agent on a busy host took up to 400 ms, health checks included, and a NOTIFY on a new
   * connection could miss a {@code timeout processing} of 500 ms. The warm-up messages go to an
   * internal handler: yours are not called and the server's metrics do not count them.
   */
  public SpoaServerOptions setWarmUpNotifies(int warmUpNotifies) {
    if (warmUpNotifies < 0) {
      throw new IllegalArgumentException("warmUpNotifies must not be negative, got " + warmUpNotifies);
    }
    this.warmUpNotifies = warmUpNotifies;
    return this;
  }

  public boolean isAsync() {
    return async;
  }

  /**
   * Whether to agree to {@code async} when HAProxy 2.6 to 3.0 offers it: an ACK whose connection
   * closed before it was ready then goes out on another live connection of the same engine.
   * Off by default: on a reload ({@code -sf}) the old HAProxy process disconnects with answers
   * outstanding and ignores the late ACKs when async was agreed, so requests in flight fail; with
   * pipelining alone they do not.
   */
  public SpoaServerOptions setAsync(boolean async) {
    this.async = async;
    return this;
  }

  public long getHelloTimeout() {
    return helloTimeout;
  }

  /** Milliseconds a new connection has to send its HELLO; then it ends with status 2. */
  public SpoaServerOptions setHelloTimeout(long helloTimeout) {
    if (helloTimeout < 1) {
      throw new IllegalArgumentException("helloTimeout must be at least 1 ms, got " + helloTimeout);
    }
    this.helloTimeout = helloTimeout;
    return this;
  }

  public long getConnectionIdleTimeout() {
    return connectionIdleTimeout;
  }

  /**
   * Milliseconds without a frame and with nothing in flight after which a connection ends with
   * AGENT-DISCONNECT status 2; 0 disables it. Keep it above HAProxy's SPOE {@code timeout idle}.
   */
  public SpoaServerOptions setConnectionIdleTimeout(long connectionIdleTimeout) {
    if (connectionIdleTimeout < 0) {
      throw new IllegalArgumentException("connectionIdleTimeout must not be negative, got " + connectionIdleTimeout);
    }
    this.connectionIdleTimeout = connectionIdleTimeout;
    return this;
  }

  public int getMaxFrameSizeBeforeHello() {
    return maxFrameSizeBeforeHello;
  }

  /** The largest frame accepted before the handshake (a HELLO is small; garbage is not read far). */
  public SpoaServerOptions setMaxFrameSizeBeforeHello(int maxFrameSizeBeforeHello) {
    if (maxFrameSizeBeforeHello < MIN_FRAME_SIZE) {
      throw new IllegalArgumentException("maxFrameSizeBeforeHello must be at least " + MIN_FRAME_SIZE + ", got "
        + maxFrameSizeBeforeHello);
    }
    this.maxFrameSizeBeforeHello = maxFrameSizeBeforeHello;
    return this;
  }

  public int getMaxInFlight() {
    return maxInFlight;
  }

  /**
   * NOTIFYs in flight over all connections of the Vert.x instance; past it a NOTIFY is answered at
   * once without actions (fallback reason OVERLOAD), so HAProxy is never stalled.
   */
  public SpoaServerOptions setMaxInFlight(int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
    return this;
  }

  public int getMaxConnections() {
    return maxConnections;
  }

  /** Connections open at once on the Vert.x instance; more get AGENT-DISCONNECT status 13. */
  public SpoaServerOptions setMaxConnections(int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
    }
    this.maxConnections = maxConnections;
    return this;
  }

  public long getMaxConnectionAge() {
    return maxConnectionAge;
  }

  /**
   * Milliseconds after which a connection is closed (after its next ACK, with AGENT-DISCONNECT
   * status 0) so that HAProxy reconnects, spreading its connections over new agent replicas;
   * 0 disables it.
   */
  public SpoaServerOptions setMaxConnectionAge(long maxConnectionAge) {
    if (maxConnectionAge < 0) {
      throw new IllegalArgumentException("maxConnectionAge must not be negative, got " + maxConnectionAge);
    }
    this.maxConnectionAge = maxConnectionAge;
    return this;
  }

  public double getMaxConnectionAgeJitter() {
    return maxConnectionAgeJitter;
  }

  /** Each connection's age limit is shortened by a random part of up to this fraction (0 to 1). */
  public SpoaServerOptions setMaxConnectionAgeJitter(double maxConnectionAgeJitter) {
    if (!(maxConnectionAgeJitter >= 0 && maxConnectionAgeJitter <= 1)) {
      throw new IllegalArgumentException("maxConnectionAgeJitter must be in [0, 1], got " + maxConnectionAgeJitter);
    }
    this.maxConnectionAgeJitter = maxConnectionAgeJitter;
    return this;
  }

  public long getDrainIdleTimeout() {
    return drainIdleTimeout;
  }

  /**
   * Once a drain has seen HAProxy mark the agent DOWN (see {@link #setDrainHealthChecks(int)}), a
   * connection that received nothing for this many milliseconds is closed, and the drain ends when
   * no connection is left and none has opened for this long.
   */
  public SpoaServerOptions setDrainIdleTimeout(long drainIdleTimeout) {
    if (drainIdleTimeout < 1) {
      throw new IllegalArgumentException("drainIdleTimeout must be at least 1 ms, got " + drainIdleTimeout);
    }
    this.drainIdleTimeout = drainIdleTimeout;
    return this;
  }

  public long getHedgeAfter() {
    return hedgeAfter;
  }

  /**
   * A message sent over the event bus that has no answer after this many milliseconds is sent
   * again, to the address's next consumer (on a cluster, often another node), and once more after
   * twice this time if still unanswered; the first answer wins, and every request ends at the
   * handler deadline. It saves the requests that a handler node took with it when it died, or that
   * a node just started answers late. The cost: a slow handler may be called up to three times for
   * one message, so hedge only handlers that may be (reads, counters that tolerate it). 0, the default, turns it off; a value at or above a message's
   * {@link #setHandlerTimeout(long) deadline} never hedges it. Calls made with
   * {@link #setDirectDispatch(boolean) directDispatch} are not hedged.
   */
  public SpoaServerOptions setHedgeAfter(long hedgeAfter) {
    if (hedgeAfter < 0) {
      throw new IllegalArgumentException("hedgeAfter must be 0 (off) or more, got " + hedgeAfter);
    }
    this.hedgeAfter = hedgeAfter;
    return this;
  }

  public int getDrainHealthChecks() {
    return drainHealthChecks;
  }

  /**
   * How many refused health checks a drain waits for, from each HAProxy host that checked the agent
   * in the minute before, before it takes HAProxy to have marked the agent DOWN and starts closing
   * connections: HAProxy's {@code fall}, 3 by default. Until then every connection is served and
   * kept, since HAProxy may send on any of them. An agent never checked does not wait.
   */
  public SpoaServerOptions setDrainHealthChecks(int drainHealthChecks) {
    if (drainHealthChecks < 0) {
      throw new IllegalArgumentException("drainHealthChecks must not be negative, got " + drainHealthChecks);
    }
    this.drainHealthChecks = drainHealthChecks;
    return this;
  }

  /** The deadline of the handlers of {@code messageName}: its own, or {@link #getHandlerTimeout()}. */
  public long getHandlerTimeout(String messageName) {
    Long t = handlerTimeouts.get(messageName);
    return t == null ? handlerTimeout : t;
  }

  public Map<String, Long> getHandlerTimeouts() {
    return Collections.unmodifiableMap(handlerTimeouts);
  }

  /** Deadlines by message name (replacing those set before), each overriding {@link #setHandlerTimeout(long)}. */
  public SpoaServerOptions setHandlerTimeouts(Map<String, Long> handlerTimeouts) {
    Map<String, Long> copy = new LinkedHashMap<>();
    handlerTimeouts.forEach((name, timeout) -> {
      if (timeout == null || timeout < 1) {
        throw new IllegalArgumentException("handler timeout of " + name + " must be at least 1 ms, got " + timeout);
      }
      copy.put(Objects.requireNonNull(name, "messageName"), timeout);
    });
    this.handlerTimeouts = copy;
    return this;
  }

  /** A deadline for one message name, overriding {@link #setHandlerTimeout(long)}. */
  public SpoaServerOptions setHandlerTimeout(String messageName, long timeout) {
    if (timeout < 1) {
      throw new IllegalArgumentException("handler timeout of " + messageName + " must be at least 1 ms, got " + timeout);
    }
    handlerTimeouts.put(Objects.requireNonNull(messageName, "messageName"), timeout);
    return this;
  }

  public String getFallbackVariable() {
    return fallbackVariable;
  }

  /**
   * A variable ({@code "<scope>.<name>"}, e.g. {@code "txn.spoa_error"}) that a fallback ACK sets to
   * the reason code: 1 timeout, 2 handler failure, 3 no handler, 4 other error, 5 overload.
   * {@code null} (default): fallback ACKs are empty.
   */
  public SpoaServerOptions setFallbackVariable(String fallbackVariable) {
    if (fallbackVariable != null) {
      Variable.parse(fallbackVariable);
    }
    this.fallbackVariable = fallbackVariable;
    return this;
  }

  public String getAckOverflowVariable() {
    return ackOverflowVariable;
  }

  /**
   * A variable ({@code "<scope>.<name>"}) set to the number of actions dropped when an ACK exceeds
   * the agreed frame size and the peer cannot take fragments. {@code null} (default): none.
   */
  public SpoaServerOptions setAckOverflowVariable(String ackOverflowVariable) {
    if (ackOverflowVariable != null) {
      Variable.parse(ackOverflowVariable);
    }
    this.ackOverflowVariable = ackOverflowVariable;
    return this;
  }

  public String getUnixSocketPath() {
    return unixSocketPath;
  }

  /**
   * When set, {@link SpoaServer#listen()} listens on this unix domain socket instead of host:port
   * (HAProxy: {@code server agent unix@/path}). A stale socket file left by a previous run is
   * removed first.
   */
  public SpoaServerOptions setUnixSocketPath(String unixSocketPath) {
    this.unixSocketPath = unixSocketPath;
    return this;
  }

  public String getUnixSocketPermissions() {
    return unixSocketPermissions;
  }

  /** The socket file's mode, e.g. {@code "rw-rw----"} ({@code null}: as the umask makes it). */
  public SpoaServerOptions setUnixSocketPermissions(String unixSocketPermissions) {
    if (unixSocketPermissions != null) {
      PosixFilePermissions.fromString(unixSocketPermissions); // validates
    }
    this.unixSocketPermissions = unixSocketPermissions;
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

  @Override
  public SpoaServerOptions setIdleTimeoutUnit(TimeUnit idleTimeoutUnit) {
    super.setIdleTimeoutUnit(idleTimeoutUnit);
    return this;
  }

  @Override
  public SpoaServerOptions setSni(boolean sni) {
    super.setSni(sni);
    return this;
  }

  @Override
  public SpoaServerOptions setUseProxyProtocol(boolean useProxyProtocol) {
    super.setUseProxyProtocol(useProxyProtocol);
    return this;
  }

  @Override
  public SpoaServerOptions setReceiveBufferSize(int receiveBufferSize) {
    super.setReceiveBufferSize(receiveBufferSize);
    return this;
  }

  @Override
  public SpoaServerOptions setSendBufferSize(int sendBufferSize) {
    super.setSendBufferSize(sendBufferSize);
    return this;
  }

  @Override
  public SpoaServerOptions addCrlPath(String crlPath) {
    super.addCrlPath(crlPath);
    return this;
  }

  @Override
  public SpoaServerOptions addCrlValue(Buffer crlValue) {
    super.addCrlValue(crlValue);
    return this;
  }

  @Override
  public SpoaServerOptions addEnabledCipherSuite(String enabledCipherSuite) {
    super.addEnabledCipherSuite(enabledCipherSuite);
    return this;
  }

  @Override
  public SpoaServerOptions addEnabledSecureTransportProtocol(String enabledSecureTransportProtocol) {
    super.addEnabledSecureTransportProtocol(enabledSecureTransportProtocol);
    return this;
  }

  @Override
  public SpoaServerOptions removeEnabledCipherSuite(String enabledCipherSuite) {
    super.removeEnabledCipherSuite(enabledCipherSuite);
    return this;
  }

  @Override
  public SpoaServerOptions removeEnabledSecureTransportProtocol(String enabledSecureTransportProtocol) {
    super.removeEnabledSecureTransportProtocol(enabledSecureTransportProtocol);
    return this;
  }

  @Override
  public SpoaServerOptions setActivityLogDataFormat(ByteBufFormat activityLogDataFormat) {
    super.setActivityLogDataFormat(activityLogDataFormat);
    return this;
  }

  @Override
  public SpoaServerOptions setEnabledSecureTransportProtocols(Set<String> enabledSecureTransportProtocols) {
    super.setEnabledSecureTransportProtocols(enabledSecureTransportProtocols);
    return this;
  }

  @Override
  public SpoaServerOptions setLogActivity(boolean logActivity) {
    super.setLogActivity(logActivity);
    return this;
  }

  @Override
  public SpoaServerOptions setProxyProtocolTimeoutUnit(TimeUnit proxyProtocolTimeoutUnit) {
    super.setProxyProtocolTimeoutUnit(proxyProtocolTimeoutUnit);
    return this;
  }

  @Override
  public SpoaServerOptions setProxyProtocolTimeout(long proxyProtocolTimeout) {
    super.setProxyProtocolTimeout(proxyProtocolTimeout);
    return this;
  }

  @Override
  public SpoaServerOptions setReadIdleTimeout(int readIdleTimeout) {
    super.setReadIdleTimeout(readIdleTimeout);
    return this;
  }

  @Override
  public SpoaServerOptions setRegisterWriteHandler(boolean registerWriteHandler) {
    super.setRegisterWriteHandler(registerWriteHandler);
    return this;
  }

  @Override
  public SpoaServerOptions setReuseAddress(boolean reuseAddress) {
    super.setReuseAddress(reuseAddress);
    return this;
  }

  @Override
  public SpoaServerOptions setSoLinger(int soLinger) {
    super.setSoLinger(soLinger);
    return this;
  }

  @Override
  public SpoaServerOptions setSslEngineOptions(SSLEngineOptions sslEngineOptions) {
    super.setSslEngineOptions(sslEngineOptions);
    return this;
  }

  @Override
  public SpoaServerOptions setSslHandshakeTimeoutUnit(TimeUnit sslHandshakeTimeoutUnit) {
    super.setSslHandshakeTimeoutUnit(sslHandshakeTimeoutUnit);
    return this;
  }

  @Override
  public SpoaServerOptions setSslHandshakeTimeout(long sslHandshakeTimeout) {
    super.setSslHandshakeTimeout(sslHandshakeTimeout);
    return this;
  }

  @Override
  public SpoaServerOptions setTcpCork(boolean tcpCork) {
    super.setTcpCork(tcpCork);
    return this;
  }

  @Override
  public SpoaServerOptions setTcpFastOpen(boolean tcpFastOpen) {
    super.setTcpFastOpen(tcpFastOpen);
    return this;
  }

  @Override
  public SpoaServerOptions setTcpKeepAlive(boolean tcpKeepAlive) {
    super.setTcpKeepAlive(tcpKeepAlive);
    return this;
  }

  @Override
  public SpoaServerOptions setTcpQuickAck(boolean tcpQuickAck) {
    super.setTcpQuickAck(tcpQuickAck);
    return this;
  }

  @Override
  public SpoaServerOptions setTcpUserTimeout(int tcpUserTimeout) {
    super.setTcpUserTimeout(tcpUserTimeout);
    return this;
  }

  @Override
  public SpoaServerOptions setTrafficClass(int trafficClass) {
    super.setTrafficClass(trafficClass);
    return this;
  }

  @Override
  public SpoaServerOptions setTrafficShapingOptions(TrafficShapingOptions trafficShapingOptions) {
    super.setTrafficShapingOptions(trafficShapingOptions);
    return this;
  }

  @Override
  public SpoaServerOptions setUseAlpn(boolean useAlpn) {
    super.setUseAlpn(useAlpn);
    return this;
  }

  @Override
  public SpoaServerOptions setWriteIdleTimeout(int writeIdleTimeout) {
    super.setWriteIdleTimeout(writeIdleTimeout);
    return this;
  }

  /** A copy, as a {@code SpoaServerOptions}. */
  @Override
  public SpoaServerOptions copy() {
    return new SpoaServerOptions(this);
  }
}
