package dev.spoa.server.impl;

import dev.spoa.dispatch.NotifyDispatcher;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * One HAProxy connection: framing, the HELLO handshake, NOTIFY dispatch and ACKs. All its state
 * lives on the socket's event loop and is touched only there (event-bus replies come back on the
 * same context), so it needs no locks.
 *
 * <p>States: AWAIT_HELLO, READY (serving NOTIFYs), DRAINING (serving, closing when idle), CLOSED.
 */
final class SpoaConnection {

  private static final Logger LOG = LoggerFactory.getLogger(SpoaConnection.class);

  private enum State { AWAIT_HELLO, READY, DRAINING, CLOSED }

  private final NetSocket socket;
  private final SpoaServerOptions options;
  private final NotifyDispatcher dispatcher;
  private final SpoaMetrics metrics;
  private RecordParser parser;

  private State state = State.AWAIT_HELLO;
  /** The body length announced by the last length prefix, or -1 while waiting for a prefix. */
  private int pendingBodyLength = -1;
  private long maxFrameSize;
  private int maxInFlight = 1;
  private int inFlight;
  private boolean readingPaused;
  private String engineId = "";

  SpoaConnection(NetSocket socket, SpoaServerOptions options, NotifyDispatcher dispatcher, SpoaMetrics metrics) {
    this.socket = socket;
    this.options = options;
    this.dispatcher = dispatcher;
    this.metrics = metrics;
    this.maxFrameSize = options.getMaxFrameSize();
  }

  void start() {
    metrics.connectionOpened();
    parser = RecordParser.newFixed(4, socket);
    parser.handler(this::onRecord);
    parser.exceptionHandler(this::onSocketError);
    socket.exceptionHandler(this::onSocketError);
    socket.closeHandler(v -> onClosed());
    socket.shutdownHandler(v -> startDrain());
    socket.drainHandler(v -> updateReading());
  }

  /** Alternately a 4-byte length prefix and the frame body it announced. */
  private void onRecord(Buffer record) {
    if (state == State.CLOSED) {
      return;
    }
    if (pendingBodyLength < 0) {
      long length = record.getUnsignedInt(0);
      if (length < FrameDecoder.MIN_FRAME_LENGTH) {
        protocolError(SpopStatus.INVALID_FRAME, "frame length " + length + " is below the minimum of 7");
      } else if (length > maxFrameSize) {
        protocolError(SpopStatus.FRAME_TOO_BIG, "frame length " + length + " exceeds max-frame-size " + maxFrameSize);
      } else {
        pendingBodyLength = (int) length;
        parser.fixedSizeMode(pendingBodyLength);
      }
      return;
    }
    pendingBodyLength = -1;
    parser.fixedSizeMode(4);
    try {
      onFrame(FrameDecoder.decode(record));
    } catch (SpopException e) {
      protocolError(e.status(), e.getMessage());
    }
  }

  private void onFrame(Frame frame) {
    metrics.frameReceived(frame.type());
    if (frame.type() == FrameType.HAPROXY_DISCONNECT) {
      onHaproxyDisconnect((KvFrame) frame);
      return;
    }
    if (state == State.AWAIT_HELLO) {
      if (frame.type() != FrameType.HAPROXY_HELLO) {
        throw new SpopException(SpopStatus.INVALID_FRAME, "expected HAPROXY-HELLO, got " + frame.type());
      }
      onHello((KvFrame) frame);
      return;
    }
    switch (frame.type()) {
      case NOTIFY:
        if (frame instanceof NotifyFrame notify) {
          onNotify(notify);
          return;
        }
        throw new SpopException(SpopStatus.FRAGMENTATION_NOT_SUPPORTED, "NOTIFY without FIN: fragmentation was not agreed");
      case UNSET:
        throw new SpopException(SpopStatus.FRAGMENTATION_NOT_SUPPORTED, "fragment received: fragmentation was not agreed");
      default:
        throw new SpopException(SpopStatus.INVALID_FRAME, "unexpected " + frame.type() + " frame after the handshake");
    }
  }

  private void onHello(KvFrame hello) {
    HelloNegotiation hn = HelloNegotiation.negotiate(hello, options.getMaxFrameSize(), options.isPipelining());
    Buffer reply = FrameEncoder.agentHello(hn.maxFrameSize(), hn.capabilities());
    if (hn.healthcheck()) {
      // A check connection carries nothing after the AGENT-HELLO (HAProxy 3.2 fails the check otherwise).
      metrics.healthCheck();
      close(reply, FrameType.AGENT_HELLO);
      return;
    }
    engineId = hn.engineId();
    maxFrameSize = hn.maxFrameSize();
    maxInFlight = hn.pipelining() ? options.getMaxInFlightPerConnection() : 1;
    state = State.READY;
    send(reply, FrameType.AGENT_HELLO);
    LOG.debug("{} ready: engine-id {}, max-frame-size {}, capabilities '{}'",
      socket.remoteAddress(), engineId, maxFrameSize, hn.capabilities());
  }

  private void onHaproxyDisconnect(KvFrame frame) {
    TypedValue code = frame.get("status-code");
    TypedValue message = frame.get("message");
    int status = code != null && code.type().isInteger() ? (int) code.asLong() : -1;
    metrics.disconnectReceived(status);
    String text = message != null && message.type() == dev.spoa.protocol.DataType.STRING ? message.asString() : "";
    if (status == SpopStatus.NORMAL.code()) {
      LOG.debug("{} HAProxy disconnects: status 0 {}", socket.remoteAddress(), text);
    } else {
      LOG.info("{} HAProxy disconnects: status {} {} ({} NOTIFY in flight)", socket.remoteAddress(), status, text, inFlight);
    }
    metrics.disconnectSent(SpopStatus.NORMAL.code());
    close(FrameEncoder.agentDisconnect(SpopStatus.NORMAL), FrameType.AGENT_DISCONNECT);
  }

  private void onNotify(NotifyFrame notify) {
    long startNanos = System.nanoTime();
    inFlight++;
    updateReading();
    dispatcher.dispatch(engineId, notify).onComplete(ar -> {
      // The dispatcher never fails; an empty ACK covers the impossible case all the same.
      onActions(notify, ar.succeeded() ? ar.result() : List.of(), startNanos);
    });
  }

  private void onActions(NotifyFrame notify, List<Action> actions, long startNanos) {
    inFlight--;
    if (state == State.CLOSED) {
      return; // HAProxy is gone; it ignores late ACKs anyway
    }
    Buffer ack = FrameEncoder.ack(notify.streamId(), notify.frameId(), actions);
    if (ack.length() - 4 > maxFrameSize) {
      ack = trimmedAck(notify, actions);
    }
    send(ack, FrameType.ACK);
    metrics.notifyCompleted(System.nanoTime() - startNanos);
    if (state == State.DRAINING && inFlight == 0) {
      closeDraining();
    } else {
      updateReading();
    }
  }

  /** The ACK with the actions that fit the agreed frame size, in order; the rest is dropped. */
  private Buffer trimmedAck(NotifyFrame notify, List<Action> actions) {
    long budget = maxFrameSize - (FrameEncoder.ack(notify.streamId(), notify.frameId(), List.of()).length() - 4);
    int keep = 0;
    for (Action a : actions) {
      int size = FrameEncoder.encodedSize(a);
      if (size > budget) {
        break;
      }
      budget -= size;
      keep++;
    }
    int dropped = actions.size() - keep;
    metrics.ackTrimmed(dropped);
    LOG.warn("{} ACK for stream {} frame {} exceeds max-frame-size {}: {} of {} actions dropped",
      socket.remoteAddress(), notify.streamId(), notify.frameId(), maxFrameSize, dropped, actions.size());
    return FrameEncoder.ack(notify.streamId(), notify.frameId(), actions.subList(0, keep));
  }

  /** Pauses reading while the in-flight cap is reached or the socket's write queue is full. */
  private void updateReading() {
    boolean shouldPause = state != State.CLOSED && (inFlight >= maxInFlight || socket.writeQueueFull());
    if (shouldPause != readingPaused) {
      readingPaused = shouldPause;
      if (shouldPause) {
        parser.pause();
      } else {
        parser.resume();
      }
    }
  }

  private void startDrain() {
    if (state == State.CLOSED) {
      return;
    }
    if (state == State.AWAIT_HELLO || inFlight == 0) {
      closeDraining();
    } else {
      state = State.DRAINING;
    }
  }

  private void closeDraining() {
    metrics.disconnectSent(SpopStatus.NORMAL.code());
    close(FrameEncoder.agentDisconnect(SpopStatus.NORMAL.code(), "agent shutting down"), FrameType.AGENT_DISCONNECT);
  }

  /** Expected bad input: one WARN line without a stack trace, the DISCONNECT status, close. */
  private void protocolError(SpopStatus status, String detail) {
    if (state == State.CLOSED) {
      return;
    }
    LOG.warn("{} protocol error, disconnecting with status {} ({}): {}",
      socket.remoteAddress(), status.code(), status.message(), detail);
    metrics.disconnectSent(status.code());
    close(FrameEncoder.agentDisconnect(status), FrameType.AGENT_DISCONNECT);
  }

  private void send(Buffer frame, FrameType type) {
    socket.write(frame);
    metrics.frameSent(type);
  }

  /** Writes a last frame, then closes once it is flushed; reads nothing more. */
  private void close(Buffer lastFrame, FrameType type) {
    state = State.CLOSED;
    parser.pause();
    metrics.frameSent(type);
    socket.end(lastFrame);
  }

  private void onSocketError(Throwable t) {
    if (t instanceof IOException) {
      // HAProxy 3.x drops pooled connections with a reset: a normal end
      LOG.debug("{} connection error: {}", socket.remoteAddress(), t.toString());
    } else {
      LOG.warn("{} unexpected error on connection", socket.remoteAddress(), t);
    }
  }

  private void onClosed() {
    if (state != State.CLOSED) {
      state = State.CLOSED;
      LOG.debug("{} closed by HAProxy with {} NOTIFY in flight", socket.remoteAddress(), inFlight);
    }
    metrics.connectionClosed();
  }
}
