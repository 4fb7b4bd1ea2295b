package dev.spoa.server.impl;

import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BooleanSupplier;

/**
 * When a draining connection may close (docs/protocol.md, "Drain"): right after an ACK that leaves
 * nothing in flight once HAProxy no longer picks the agent, or once HAProxy has left it quiet for
 * {@code drainIdleTimeout}. The connection's state says whether it drains; this says when it may go.
 * Used on the connection's event loop only, like the connection.
 */
final class ConnectionDrain {

  /** The server's side of the drain, read live. */
  interface Phase {

    /** The agent drains: it refuses health checks. */
    boolean isDraining();

    /** HAProxy has marked the agent DOWN: a draining connection may close. */
    boolean isReleased();

    long drainIdleTimeout();
  }

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionDrain.class);

  private final Phase server;
  private final AgentState shared;
  private final ConnectionTimers timers;
  private final BooleanSupplier busy;
  private final Runnable close;
  private final SocketAddress remote;
  /**
   * HAProxy 2.6-3.0 (they offer async): they hand NOTIFYs to idle connections even of an agent
   * marked DOWN, so such a connection closes with its last ACK (the DISCONNECT in the same write:
   * HAProxy reads both before it sends again), or for being quiet only once the whole agent has
   * been (no NOTIFY is coming that the close could cross). A connection's own silence proves nothing
   * while the agent still gets NOTIFYs: a HAProxy thread reuses its latest idle connection first and
   * wakes older ones in bursts, one idle for 20 s included.
   */
  private boolean handedNotifiesWhileDown;

  /**
   * @param busy  whether a NOTIFY is in flight or being reassembled on the connection
   * @param close closes the connection with AGENT-DISCONNECT 0
   */
  ConnectionDrain(Phase server, AgentState shared, ConnectionTimers timers, BooleanSupplier busy, Runnable close,
                  SocketAddress remote) {
    this.server = server;
    this.shared = shared;
    this.timers = timers;
    this.busy = busy;
    this.close = close;
    this.remote = remote;
  }

  /** The HELLO tells the HAProxy version's manners: 2.6-3.0 offer async, 3.1+ never do. */
  void hello(boolean offersAsync) {
    handedNotifiesWhileDown = offersAsync;
  }

  /** A draining connection read a NOTIFY: the agent is not quiet. No shared write on the hot path otherwise. */
  void notifyRead(long readNanos) {
    shared.lastDrainNotifyNanos = readNanos;
  }

  /** The connection starts draining: held while HAProxy may still pick it (however long it was idle). */
  void begin() {
    if (server.isReleased()) {
      watchQuiet();
    } else {
      timers.stopQuietWatch();
    }
  }

  /** HAProxy has marked the agent DOWN: the draining connection closes once quiet. */
  void release() {
    watchQuiet();
  }

  /**
   * Whether a draining connection closes right after the ACK just added: nothing is left in flight
   * and either HAProxy no longer picks the agent or the connection drains on its own (its maximum age,
   * Vert.x shutting the socket down).
   */
  boolean closesAfterAck() {
    return !busy.getAsBoolean() && (!server.isDraining() || server.isReleased());
  }

  /** Since when the connection counts as quiet: 2.6-3.0 only once the whole agent has been. */
  long quietSinceNanos() {
    return handedNotifiesWhileDown ? Math.max(timers.lastActivityNanos(), shared.lastDrainNotifyNanos)
      : timers.lastActivityNanos();
  }

  private void watchQuiet() {
    timers.watchQuiet(0, server::drainIdleTimeout, this::quietSinceNanos, busy, quietMillis -> {
      if (LOG.isDebugEnabled()) {
        long now = System.nanoTime();
        LOG.debug("{} drained: quiet for {} ms (this connection {} ms, the agent {} ms)", remote, quietMillis,
          (now - timers.lastActivityNanos()) / 1_000_000, (now - shared.lastDrainNotifyNanos) / 1_000_000);
      }
      close.run();
    });
  }
}
