package dev.spoa.server.impl;

import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.DataType;
import dev.spoa.protocol.FragmentFrame;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * One HAProxy connection: framing, the HELLO handshake, fragment reassembly, NOTIFY dispatch, ACKs,
 * deadlines and the drain. All its state lives on the socket's event loop and is touched only there
 * (event-bus replies come back on the same context; calls from elsewhere hop onto it), so it needs
 * no locks.
 *
 * <p>States: AWAIT_HELLO, READY (serving NOTIFYs), DRAINING (serving; once the server's drain is
 * released, or when the connection reached its maximum age, closing right after an ACK that leaves
 * nothing in flight), CLOSED.
 */
final class SpoaConnection {

  private static final Logger LOG = LoggerFactory.getLogger(SpoaConnection.class);

  private enum State { AWAIT_HELLO, READY, DRAINING, CLOSED }

  private final SpoaServerImpl server;
  /** Package-private, like {@link #context} and {@link #sendForeignAck}: tests close it at a chosen moment. */
  final NetSocket socket;
  private final NotifyDispatcher dispatcher;
  private final SpoaMetrics metrics;
  private final AgentState shared;
  private final Vertx vertx;
  final Context context;
  private final Deadlines deadlines;
  private final FrameReader frames;

  /** Volatile: other connections' event loops read it ({@link #acceptsForeignAcks()}). */
  private volatile State state = State.AWAIT_HELLO;
  private int maxInFlight = 1;
  private int inFlight;
  private String engineId = "";
  /** Volatile: other connections' event loops read it ({@link #acceptsForeignAcks()}). */
  private volatile boolean async;
  private boolean fragmentation;
  /** ACKs of this event-loop turn, written at its end (see {@link #sendAck}). */
  private final AckWriter acks;
  private final io.vertx.core.Handler<Void> flushAcks = v -> endOfTurn();
  private final NotifyReassembler fragments;
  private final ConnectionTimers timers;
  private final ConnectionDrain drainRules;

  SpoaConnection(SpoaServerImpl server, NetSocket socket) {
    this.server = server;
    this.socket = socket;
    this.dispatcher = server.dispatcher();
    this.metrics = server.metrics();
    this.shared = server.shared();
    this.vertx = Vertx.currentContext().owner();
    this.context = Vertx.currentContext();
    this.deadlines = new Deadlines(vertx);
    this.timers = new ConnectionTimers(vertx);
    this.fragments = new NotifyReassembler(shared.reassemblyBytes, vertx, metrics, server::reassemblyLimits,
      new FragmentAnswers(), socket.remoteAddress());
    long maxFrameSizeBeforeHello = Math.min(server.options().getMaxFrameSize(),
      server.options().getMaxFrameSizeBeforeHello());
    this.acks = new AckWriter(metrics, () -> server.options().getAckOverflowVariable(), server.oversizedAckLog,
      socket.remoteAddress());
    acks.agreed(maxFrameSizeBeforeHello, false);
    this.frames = new FrameReader(socket, maxFrameSizeBeforeHello, timers::touch, new FrameReader.Listener() {
      @Override
      public void frame(Frame frame, long readNanos) {
        onFrame(frame, readNanos);
      }

      @Override
      public void invalid(SpopStatus status, String detail) {
        protocolError(status, detail);
      }
    });
    this.drainRules = new ConnectionDrain(server.drainPhase(), shared, timers, this::busy,
      () -> disconnect(SpopStatus.NORMAL, "agent draining"), socket.remoteAddress());
  }

  void start() {
    metrics.connectionOpened();
    frames.exceptionHandler(this::onSocketError);
    socket.exceptionHandler(this::onSocketError);
    socket.closeHandler(v -> onClosed());
    socket.shutdownHandler(v -> onShutdown());
    socket.drainHandler(v -> updateReading());
    long helloTimeout = server.options().getHelloTimeout();
    timers.helloDeadline(helloTimeout, () -> {
      if (state == State.AWAIT_HELLO) {
        disconnect(SpopStatus.TIMEOUT, "no HELLO within " + helloTimeout + " ms");
      }
    });
  }

  // ---- reading ----

  private void onFrame(Frame frame, long readNanos) {
    metrics.frameReceived(frame.type());
    if (frame.type() == FrameType.HAPROXY_DISCONNECT && frame instanceof KvFrame kv) {
      onHaproxyDisconnect(kv);
      return;
    }
    if (state == State.AWAIT_HELLO) {
      if (!(frame instanceof KvFrame hello) || frame.type() != FrameType.HAPROXY_HELLO) {
        throw new SpopException(SpopStatus.INVALID_FRAME, "expected HAPROXY-HELLO, got " + frame.type()
          + (frame.fin() ? "" : " without FIN"));
      }
      onHello(hello);
      return;
    }
    if (state == State.DRAINING) {
      drainRules.notifyRead(readNanos);
    }
    if (frame instanceof NotifyFrame notify) {
      fragments.checkWhole(notify);
      onNotify(notify);
    } else if (frame instanceof FragmentFrame fragment && (frame.type() == FrameType.NOTIFY || frame.type() == FrameType.UNSET)) {
      if (!fragmentation) {
        throw new SpopException(SpopStatus.FRAGMENTATION_NOT_SUPPORTED,
          fragment.type() + " fragment received: fragmentation was not agreed");
      }
      NotifyFrame whole = fragments.accept(fragment);
      if (whole != null) {
        onNotify(whole);
      }
    } else {
      throw new SpopException(SpopStatus.INVALID_FRAME, "unexpected " + frame.type() + " frame after the handshake");
    }
  }

  private void onHello(KvFrame hello) {
    timers.helloReceived();
    HelloNegotiation hn = HelloNegotiation.negotiate(hello, server.options());
    if (hn.healthcheck()) {
      metrics.healthCheck();
      server.healthCheck(remoteHost(), server.isDraining());
      if (server.isDraining()) {
        // A failed check is what makes HAProxy mark the agent DOWN before it goes away.
        disconnect(SpopStatus.NORMAL, "agent draining");
      } else {
        // A check connection carries nothing after the AGENT-HELLO (HAProxy 3.2 fails the check otherwise).
        closeWith(FrameEncoder.agentHello(hn.maxFrameSize(), hn.capabilities()), FrameType.AGENT_HELLO);
      }
      return;
    }
    engineId = hn.engineId();
    frames.agreed(hn.maxFrameSize());
    maxInFlight = hn.pipelining() ? server.options().getMaxInFlightPerConnection() : 1;
    fragmentation = hn.fragmentation();
    acks.agreed(hn.maxFrameSize(), hn.peerFragmentation());
    drainRules.hello(HelloNegotiation.offers(hello, "async"));
    async = hn.async() && !engineId.isEmpty();
    if (state == State.AWAIT_HELLO) {
      state = State.READY;
    }
    if (async) {
      shared.engineAcks.join(engineId, this);
    }
    send(FrameEncoder.agentHello(hn.maxFrameSize(), hn.capabilities()), FrameType.AGENT_HELLO);
    server.connectionReady();
    startIdleAndAgeTimers();
    if (server.isDraining()) {
      drain(); // HAProxy opened it before seeing the agent DOWN: serve it, then let it go
    }
    LOG.debug("{} ready: engine-id {}, max-frame-size {}, capabilities '{}'",
      socket.remoteAddress(), engineId, hn.maxFrameSize(), hn.capabilities());
  }

  private void onHaproxyDisconnect(KvFrame frame) {
    TypedValue code = frame.get("status-code");
    TypedValue message = frame.get("message");
    int status = code != null && code.type().isInteger() ? (int) code.asLong() : -1;
    metrics.disconnectReceived(status);
    String text = message != null && message.type() == DataType.STRING ? message.asString() : "";
    if (status != SpopStatus.NORMAL.code() && server.haproxyDisconnectLog.allow()) {
      LOG.info("{} HAProxy disconnects: status {} {} ({} NOTIFY in flight); more this second are only counted",
        socket.remoteAddress(), status, text, inFlight);
    } else {
      LOG.debug("{} HAProxy disconnects: status {} {}", socket.remoteAddress(), status, text);
    }
    disconnect(SpopStatus.NORMAL, SpopStatus.NORMAL.message());
  }

  /** The connection's answer to a fragmented NOTIFY it cannot finish: a log line, then DISCONNECT. */
  private final class FragmentAnswers implements NotifyReassembler.Listener {

    @Override
    public void refused(Reassembly partial) {
      if (server.reassemblyBudgetLog.allow()) {
        LOG.warn("{} fragmented NOTIFY {}/{} refused: partial NOTIFYs of all connections hold {} of maxReassemblyBytes {}; "
            + "disconnecting with status 13; more this second are only counted", socket.remoteAddress(),
          partial.streamId, partial.frameId, shared.reassemblyBytes.get(), server.options().getMaxReassemblyBytes());
      }
      disconnect(SpopStatus.RESOURCE_ALLOCATION_ERROR, "fragmented NOTIFYs exceed the agent's memory budget");
    }

    @Override
    public void timedOut(Reassembly partial) {
      if (state == State.CLOSED) {
        return;
      }
      if (server.reassemblyTimeoutLog.allow()) {
        LOG.warn("{} fragmented NOTIFY {}/{} unfinished after reassemblyTimeout {} ms ({} bytes in {} fragments); "
            + "disconnecting with status 2; more this second are only counted", socket.remoteAddress(),
          partial.streamId, partial.frameId, server.options().getReassemblyTimeout(), partial.held(), partial.fragments());
      }
      disconnect(SpopStatus.TIMEOUT, "fragmented NOTIFY not completed in time");
    }
  }

  // ---- NOTIFY to ACK ----

  private void onNotify(NotifyFrame notify) {
    long startNanos = System.nanoTime();
    metrics.notifyReceived();
    inFlight++;
    updateReading();
    if (shared.inFlight.incrementAndGet() > server.options().getMaxInFlight()) {
      shared.inFlight.decrementAndGet();
      onActions(notify, dispatcher.overloaded(engineId, notify), startNanos, false);
      return;
    }
    dispatcher.dispatch(engineId, notify, deadlines).onComplete((actions, failure) -> {
      // The dispatcher never fails; an empty ACK covers the impossible case all the same.
      onActions(notify, failure == null ? actions : List.of(), startNanos, true);
    });
  }

  private void onActions(NotifyFrame notify, List<Action> actions, long startNanos, boolean counted) {
    inFlight--;
    if (counted) {
      shared.inFlight.decrementAndGet();
    }
    metrics.notifyCompleted(timers.touch() - startNanos); // before the write: HAProxy may answer at once
    if (state == State.CLOSED) {
      deliverElsewhere(notify.streamId(), notify.frameId(), actions);
      return;
    }
    sendAck(notify.streamId(), notify.frameId(), actions, startNanos);
    if (state == State.DRAINING && drainRules.closesAfterAck()) {
      disconnect(SpopStatus.NORMAL, "agent draining");
    } else {
      updateReading();
    }
  }

  /** Async: the connection of a NOTIFY closed before its answer; another one of the engine may take it. */
  private void deliverElsewhere(long streamId, long frameId, List<Action> actions) {
    if (async) { // otherwise HAProxy is gone from this connection and ignores late ACKs
      shared.engineAcks.reroute(engineId, this, streamId, frameId, actions);
    }
  }

  /** Async: an ACK of another connection of the engine, which closed before it could leave. */
  void sendForeignAck(long streamId, long frameId, List<Action> actions) {
    if (state == State.CLOSED) {
      deliverElsewhere(streamId, frameId, actions);
      return;
    }
    sendAck(streamId, frameId, actions, AckWriter.NOT_TIMED);
  }

  /** Adds the ACK to this event-loop turn's batch (see {@link AckWriter}), written at the end of the turn. */
  private void sendAck(long streamId, long frameId, List<Action> actions, long readNanos) {
    if (acks.isEmpty()) {
      context.runOnContext(flushAcks);
    }
    acks.add(streamId, frameId, actions, readNanos, inFlight);
  }

  private void endOfTurn() {
    if (state != State.CLOSED) {
      flushAckBatch();
      updateReading();
    } else {
      // HAProxy closed the connection before the end of the turn
      Buffer unsent = acks.take();
      acks.notWritten();
      if (unsent != null) {
        deliverElsewhere(unsent);
      }
    }
  }

  private void flushAckBatch() {
    Buffer batch = acks.take();
    if (batch == null) {
      return;
    }
    if (async) {
      // the socket can be closed before its close event reaches this connection
      socket.write(batch).onFailure(e -> deliverElsewhere(batch));
    } else {
      socket.write(batch);
    }
    // Outside a read, Vert.x writes and flushes at once: the ACKs are in the kernel's socket buffer
    // now (or, when it is full, in Netty's queue, which backpressure then pauses reading for).
    acks.written();
  }

  /** Async: ACKs encoded for this connection that cannot leave on it any more. */
  private void deliverElsewhere(Buffer frames) {
    if (async) {
      shared.engineAcks.reroute(engineId, this, frames);
    }
  }

  boolean acceptsForeignAcks() {
    return async && state != State.CLOSED;
  }

  /**
   * Pauses reading while the in-flight cap is reached or the socket's write queue is full, and
   * resumes at half the cap, not at the first answer: the RecordParser copies what is left of its
   * buffer each time it stops, so when the peer has sent more than the cap lets in, resuming for
   * one frame at a time copies that rest once per NOTIFY (measured: 1.8 KB per NOTIFY, a peer
   * sending 20 at a time against a cap of 1); resuming at half the cap copies it once per half cap.
   * At a cap of 1 (no pipelining) it resumes with nothing in flight: there a peer that pipelines
   * without agreement still costs a copy per NOTIFY.
   */
  private void updateReading() {
    if (inFlight >= maxInFlight || socket.writeQueueFull()) {
      frames.pause();
    } else if (inFlight <= maxInFlight / 2) {
      frames.resume(); // not once stopped: a closed connection reads nothing more
    }
  }

  // ---- timers ----

  private void startIdleAndAgeTimers() {
    SpoaServerOptions options = server.options();
    if (options.getConnectionIdleTimeout() > 0) {
      timers.watchQuiet(options.getConnectionIdleTimeout(), () -> server.options().getConnectionIdleTimeout(),
        timers::lastActivityNanos, this::busy, idleMillis -> disconnect(SpopStatus.TIMEOUT, "idle for " + idleMillis + " ms"));
    }
    if (options.getMaxConnectionAge() > 0) {
      timers.maxAge(options.getMaxConnectionAge(), options.getMaxConnectionAgeJitter(), () -> {
        if (state == State.READY) {
          LOG.debug("{} reached its maximum age: closing after its next ACK", socket.remoteAddress());
          state = State.DRAINING;
        }
      });
    }
  }

  /** A NOTIFY in flight or being reassembled: not idle, whatever the time since its last frame. */
  private boolean busy() {
    return inFlight > 0 || fragments.inProgress();
  }

  // ---- drain, called by the server from any thread ----

  /**
   * The server drains: keep serving, and keep the connection while HAProxy may still pick it (until
   * {@link #release()}).
   */
  void drain() {
    context.runOnContext(v -> {
      if (state == State.READY || state == State.DRAINING) {
        state = State.DRAINING;
        drainRules.begin();
      }
    });
  }

  /**
   * HAProxy has marked the agent DOWN: close right after an ACK that leaves nothing in flight, or
   * once HAProxy has left the connection (2.6-3.0: the whole agent) quiet for {@code drainIdleTimeout}.
   */
  void release() {
    context.runOnContext(v -> {
      if (state == State.DRAINING) {
        drainRules.release();
      }
    });
  }

  /** The drain's time is up: AGENT-DISCONNECT status 0 now. */
  void endDrain() {
    context.runOnContext(v -> {
      if (state != State.CLOSED) {
        disconnect(SpopStatus.NORMAL, "agent shutting down");
      }
    });
  }

  // ---- writing and closing ----

  /** Expected bad input: one WARN line without a stack trace, the DISCONNECT status, close. */
  private void protocolError(SpopStatus status, String detail) {
    if (state == State.CLOSED) {
      return;
    }
    LOG.warn("{} protocol error, disconnecting with status {} ({}): {}{}",
      socket.remoteAddress(), status.code(), status.message(), detail,
      engineId.isEmpty() ? "" : " [engine-id " + engineId + "]");
    disconnect(status, status.message());
  }

  private void disconnect(SpopStatus status, String message) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("{} AGENT-DISCONNECT {} ({}): {} NOTIFY in flight, {}", socket.remoteAddress(), status.code(), message,
        inFlight, acks.isEmpty() ? "no ACK in the same write" : "after the ACKs of this turn");
    }
    metrics.disconnectSent(status.code());
    closeWith(FrameEncoder.agentDisconnect(status.code(), message), FrameType.AGENT_DISCONNECT);
  }

  private void send(Buffer frame, FrameType type) {
    socket.write(frame);
    metrics.frameSent(type);
  }

  /**
   * Writes a last frame, then closes once it is flushed; reads nothing more. The ACKs of this turn
   * go first, in the same write: HAProxy 2.6-3.0 then read the DISCONNECT with the last ACK and send
   * nothing on the connection in between (a NOTIFY sent then would fail).
   */
  private void closeWith(Buffer lastFrame, FrameType type) {
    if (state == State.CLOSED) {
      return;
    }
    Buffer batch = acks.take();
    state = State.CLOSED;
    timers.cancelAll();
    fragments.drop(); // now, not at the close event: a peer that reads nothing delays that indefinitely
    frames.stop();
    metrics.frameSent(type);
    socket.end(batch == null ? lastFrame : batch.appendBuffer(lastFrame));
    acks.written();
  }

  private String remoteHost() {
    io.vertx.core.net.SocketAddress remote = socket.remoteAddress();
    return remote == null || remote.host() == null ? "local" : remote.host();
  }

  private void onSocketError(Throwable t) {
    if (t instanceof IOException) {
      // HAProxy 3.x drops pooled connections with a reset: a normal end
      LOG.debug("{} connection error: {}", socket.remoteAddress(), t.toString());
    } else {
      LOG.warn("{} unexpected error on connection", socket.remoteAddress(), t);
    }
  }

  /**
   * Vert.x shuts the socket down (a {@code NetServer.shutdown} with a grace period) and closes it
   * when the grace period ends: HAProxy is told first, with AGENT-DISCONNECT 0 after the ACKs of
   * this turn. With NOTIFYs in flight or being reassembled, the connection closes right after the
   * ACK that leaves none (as at its maximum age), so answers ready within the grace period still
   * reach HAProxy.
   */
  private void onShutdown() {
    if (state == State.CLOSED) {
      return;
    }
    if (state != State.AWAIT_HELLO && busy()) {
      state = State.DRAINING;
    } else {
      disconnect(SpopStatus.NORMAL, "agent shutting down");
    }
  }

  private void onClosed() {
    if (state != State.CLOSED) {
      state = State.CLOSED;
      LOG.debug("{} closed by HAProxy with {} NOTIFY in flight", socket.remoteAddress(), inFlight);
    }
    frames.stop(); // a frame the parser still holds is not served on a closed connection
    timers.cancelAll();
    if (async) {
      shared.engineAcks.leave(engineId, this);
    }
    fragments.drop();
    metrics.connectionClosed();
    server.closed(this);
  }
}
