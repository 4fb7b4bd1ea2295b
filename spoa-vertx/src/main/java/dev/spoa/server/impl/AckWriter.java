package dev.spoa.server.impl;

import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.Variable;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The ACKs of one connection in the current event-loop turn, encoded into one buffer that the
 * connection writes once at the end of the turn: one syscall for every ACK completed in the turn,
 * each frame whole, in completion order. An ACK larger than the agreed frame size goes out in
 * fragments to a peer that takes them, else with the actions that fit (and the overflow variable).
 * Used on its connection's event loop only.
 */
final class AckWriter {

  private static final Logger LOG = LoggerFactory.getLogger(AckWriter.class);

  /** The first allocation of a turn's batch is sized from the ACKs in flight, up to this. */
  static final int MAX_BATCH_CAPACITY_HINT = 2048;

  private final SpoaMetrics metrics;
  private final Supplier<String> overflowVariable;
  private final LogLimiter oversizedLog;
  private final Object peer;
  private long maxFrameSize;
  private boolean peerFragmentation;
  private Buffer batch;
  /** When the NOTIFYs of the ACKs in the batch were read, for {@link SpoaMetrics#ackWritten}. */
  private long[] readNanos = new long[4];
  private int timed;

  /**
   * {@code overflowVariable} is read for each trimmed ACK (it can change live); {@code peer} names
   * the connection in the log line of an oversized ACK, which {@code oversizedLog} rate-limits.
   */
  AckWriter(SpoaMetrics metrics, Supplier<String> overflowVariable, LogLimiter oversizedLog, Object peer) {
    this.metrics = metrics;
    this.overflowVariable = overflowVariable;
    this.oversizedLog = oversizedLog;
    this.peer = peer;
  }

  /** The frame size agreed in the handshake, and whether HAProxy announced that it reads fragments. */
  void agreed(long maxFrameSize, boolean peerFragmentation) {
    this.maxFrameSize = maxFrameSize;
    this.peerFragmentation = peerFragmentation;
  }

  /** Whether the turn has no ACK yet: the first one added is when to schedule the write. */
  boolean isEmpty() {
    return batch == null;
  }

  /**
   * Adds an ACK to the batch. {@code readNanos} is when its NOTIFY was read ({@link #NOT_TIMED}:
   * not on this connection); {@code inFlight}, the NOTIFYs still unanswered, sizes a new batch.
   */
  void add(long streamId, long frameId, List<Action> actions, long readNanos, int inFlight) {
    long length = FrameEncoder.ackLength(streamId, frameId, actions);
    if (batch == null) {
      // room for this ACK and as many more as are in flight, the most that can join it in this turn
      batch = Buffer.buffer((int) Math.min(MAX_BATCH_CAPACITY_HINT, (4 + length) * (inFlight + 1)));
    }
    if (readNanos != NOT_TIMED) {
      if (timed == this.readNanos.length) {
        this.readNanos = Arrays.copyOf(this.readNanos, timed * 2);
      }
      this.readNanos[timed++] = readNanos;
    }
    int before = batch.length();
    if (length <= maxFrameSize) {
      FrameEncoder.appendAck(batch, streamId, frameId, actions);
      metrics.frameSent(FrameType.ACK);
    } else if (peerFragmentation) {
      for (Buffer frame : FrameEncoder.fragments(FrameEncoder.ack(streamId, frameId, actions), (int) maxFrameSize)) {
        batch.appendBuffer(frame);
        metrics.frameSent(frame.getByte(4) == FrameType.ACK.code() ? FrameType.ACK : FrameType.UNSET);
      }
    } else {
      batch.appendBuffer(trimmed(streamId, frameId, actions));
      metrics.frameSent(FrameType.ACK);
    }
    metrics.ackSent(batch.length() - before);
  }

  /** The read time of an ACK whose NOTIFY came on another connection: its latency is not recorded. */
  static final long NOT_TIMED = Long.MIN_VALUE;

  /**
   * The batch, to be written now, or {@code null} when the turn had no ACK. Call {@link #written()}
   * once it is written, or {@link #notWritten()}.
   */
  Buffer take() {
    Buffer taken = batch;
    batch = null;
    return taken;
  }

  /** The batch taken last is in the socket: each of its ACKs' time in the agent is reported. */
  void written() {
    long now = System.nanoTime();
    for (int i = 0; i < timed; i++) {
      metrics.ackWritten(now - readNanos[i]);
    }
    timed = 0;
  }

  /** The batch taken last could not be written on this connection. */
  void notWritten() {
    timed = 0;
  }

  private Buffer trimmed(long streamId, long frameId, List<Action> actions) {
    String overflowName = overflowVariable.get();
    Action overflow = overflowName == null ? null : Variable.parse(overflowName).set(actions.size());
    long budget = maxFrameSize - (FrameEncoder.ack(streamId, frameId, List.of()).length() - 4)
      - (overflow == null ? 0 : FrameEncoder.encodedSize(overflow));
    List<Action> kept = new ArrayList<>();
    for (Action a : actions) {
      int size = FrameEncoder.encodedSize(a);
      if (size > budget) {
        break;
      }
      budget -= size;
      kept.add(a);
    }
    int dropped = actions.size() - kept.size();
    if (overflow != null) {
      kept.add(Variable.parse(overflowName).set(dropped));
    }
    metrics.ackTrimmed(dropped);
    if (oversizedLog.allow()) {
      LOG.warn("{} ACK for stream {} frame {} exceeds max-frame-size {}: {} of {} actions dropped; "
        + "more this second are only counted", peer, streamId, frameId, maxFrameSize, dropped, actions.size());
    }
    return FrameEncoder.ack(streamId, frameId, kept);
  }
}
