package dev.spoa.server.impl;

import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import dev.spoa.protocol.DataType;
import dev.spoa.server.SpoaServerOptions;

/**
 * The answer to a HAPROXY-HELLO, worked out without I/O: the version (only 2.0 exists), the
 * max-frame-size (HAProxy's, capped by ours) and the capabilities both sides support.
 * Lenient where HAProxy varies (a health check offers no capabilities, 3.x offers only
 * pipelining), strict where the connection could not work.
 */
record HelloNegotiation(long maxFrameSize, boolean pipelining, boolean async, boolean fragmentation,
                        boolean peerFragmentation, boolean healthcheck, String engineId) {


  /** The capabilities to announce in the AGENT-HELLO. */
  String capabilities() {
    StringBuilder sb = new StringBuilder();
    if (pipelining) {
      sb.append("pipelining");
    }
    if (async) {
      sb.append(sb.length() > 0 ? "," : "").append("async");
    }
    if (fragmentation) {
      sb.append(sb.length() > 0 ? "," : "").append("fragmentation");
    }
    return sb.toString();
  }

  /**
   * With the capabilities the options enable. HAProxy 2.6 to 3.0 (the SPOE applet, recognized by
   * the {@code async} it offers and 3.1+ never do) get pipelining only with
   * {@link SpoaServerOptions#isPipeliningBefore31()}: without it, connections close losslessly.
   */
  static HelloNegotiation negotiate(KvFrame hello, SpoaServerOptions options) {
    boolean pipelining = options.isPipelining() && (options.isPipeliningBefore31() || !offers(hello, "async"));
    return negotiate(hello, options.getMaxFrameSize(), pipelining, options.isAsync(), options.isFragmentation());
  }

  static boolean offers(KvFrame hello, String capability) {
    TypedValue caps = hello.get("capabilities");
    return caps != null && caps.type() == DataType.STRING && containsToken(caps.asString(), capability);
  }

  /** With pipelining as the only capability the agent may agree to. */
  static HelloNegotiation negotiate(KvFrame hello, long ourMaxFrameSize, boolean pipeliningEnabled) {
    return negotiate(hello, ourMaxFrameSize, pipeliningEnabled, false, false);
  }

  /**
   * Pipelining and async are agreed when HAProxy offers them and the agent enables them.
   * Fragmentation is announced whenever enabled: HAProxy 2.6 to 3.0 never offer it, yet fragment
   * their NOTIFYs for an agent that announced it; 3.1+ ignore it.
   *
   * @param ourMaxFrameSize the largest frame the agent accepts
   * @throws SpopException with the status for the AGENT-DISCONNECT when the HELLO cannot be accepted
   */
  static HelloNegotiation negotiate(KvFrame hello, long ourMaxFrameSize, boolean pipeliningEnabled,
                                    boolean asyncEnabled, boolean fragmentationEnabled) {
    if (hello.type() != FrameType.HAPROXY_HELLO) {
      throw new SpopException(SpopStatus.INVALID_FRAME, "expected HAPROXY-HELLO, got " + hello.type());
    }
    if (hello.streamId() != 0 || hello.frameId() != 0) {
      throw new SpopException(SpopStatus.INVALID_FRAME, "HAPROXY-HELLO with stream-id/frame-id "
        + hello.streamId() + "/" + hello.frameId() + " instead of 0/0");
    }
    TypedValue versions = hello.get("supported-versions");
    if (versions == null || versions.type() != DataType.STRING) {
      throw new SpopException(SpopStatus.NO_VERSION, "no supported-versions string in HAPROXY-HELLO");
    }
    if (!containsToken(versions.asString(), "2.0")) {
      throw new SpopException(SpopStatus.UNSUPPORTED_VERSION, "HAProxy supports '" + versions.asString()
        + "', this agent only 2.0");
    }
    TypedValue size = hello.get("max-frame-size");
    if (size == null || !size.type().isInteger()) {
      throw new SpopException(SpopStatus.NO_MAX_FRAME_SIZE, "no integer max-frame-size in HAPROXY-HELLO");
    }
    long theirs = size.asLong();
    if (theirs < 0 && size.type() == DataType.UINT64) {
      theirs = Long.MAX_VALUE; // above 2^63-1: larger than anything we accept
    }
    if (theirs < SpoaServerOptions.MIN_FRAME_SIZE) {
      throw new SpopException(SpopStatus.BAD_MAX_FRAME_SIZE, "HAProxy's max-frame-size " + size.asUnsignedString()
        + " is below " + SpoaServerOptions.MIN_FRAME_SIZE);
    }
    boolean pipelining = pipeliningEnabled && offers(hello, "pipelining");
    boolean async = asyncEnabled && offers(hello, "async");
    boolean peerFragmentation = offers(hello, "fragmentation");
    TypedValue hc = hello.get("healthcheck");
    boolean healthcheck = hc != null && hc.type() == DataType.BOOL && hc.asBoolean();
    TypedValue engine = hello.get("engine-id");
    String engineId = engine != null && engine.type() == DataType.STRING ? engine.asString() : "";
    return new HelloNegotiation(Math.min(theirs, ourMaxFrameSize), pipelining, async, fragmentationEnabled,
      peerFragmentation, healthcheck, engineId);
  }

  /** Whether a comma-separated list holds {@code token}; spaces around items are ignored. */
  static boolean containsToken(String list, String token) {
    for (String item : list.split(",")) {
      if (item.trim().equals(token)) {
        return true;
      }
    }
    return false;
  }
}
