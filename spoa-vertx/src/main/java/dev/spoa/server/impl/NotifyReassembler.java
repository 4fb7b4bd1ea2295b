package dev.spoa.server.impl;

import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.FragmentFrame;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The fragment rules of one connection: one fragmented NOTIFY at a time (HAProxy does not interlace
 * them), its continuations carry its ids, an abort drops it, and its last fragment yields the whole
 * NOTIFY, decoded once, wherever the splits fell. Each partial NOTIFY is a bounded
 * {@link Reassembly}. A broken rule throws a {@link SpopException} with the DISCONNECT status; a
 * refusal for the shared budget and a deadline are the connection's to answer ({@link Listener}).
 * Used on the connection's event loop only.
 */
final class NotifyReassembler {

  private static final Logger LOG = LoggerFactory.getLogger(NotifyReassembler.class);

  /** What bounds a partial NOTIFY; read when one starts and at each fragment (they change live). */
  record Limits(int maxSize, long sharedBudget, long timeoutMillis) {
  }

  /** The connection's answers; the partial NOTIFY is dropped right after each. */
  interface Listener {
    /** The instance's budget had no room for the next fragment of {@code partial}. */
    void refused(Reassembly partial);

    /** {@code partial} was not finished within its timeout. */
    void timedOut(Reassembly partial);
  }

  private final AtomicLong sharedBytes;
  private final Vertx vertx;
  private final SpoaMetrics metrics;
  private final Supplier<Limits> limits;
  private final Listener listener;
  private final Object peer;
  private Reassembly partial;

  /** {@code peer} names the connection in log lines. */
  NotifyReassembler(AtomicLong sharedBytes, Vertx vertx, SpoaMetrics metrics, Supplier<Limits> limits,
                    Listener listener, Object peer) {
    this.sharedBytes = sharedBytes;
    this.vertx = vertx;
    this.metrics = metrics;
    this.limits = limits;
    this.listener = listener;
    this.peer = peer;
  }

  /** A fragmented NOTIFY is unfinished: the connection is busy. */
  boolean inProgress() {
    return partial != null;
  }

  /** A whole NOTIFY may not come while a fragmented one is unfinished. */
  void checkWhole(NotifyFrame notify) {
    if (partial != null) {
      throw new SpopException(SpopStatus.INVALID_INTERLACED_FRAMES, "NOTIFY " + notify.streamId() + "/"
        + notify.frameId() + " while NOTIFY " + partial.streamId + "/" + partial.frameId + " is being reassembled");
    }
  }

  /**
   * Takes a part of a fragmented NOTIFY (the first, a continuation or an abort). Returns the whole
   * NOTIFY when this was its last part, otherwise {@code null}.
   */
  NotifyFrame accept(FragmentFrame fragment) {
    if (fragment.type() == FrameType.NOTIFY) {
      if (partial != null) {
        throw new SpopException(SpopStatus.INVALID_INTERLACED_FRAMES, "new fragmented NOTIFY " + fragment.streamId()
          + "/" + fragment.frameId() + " while " + partial.streamId + "/" + partial.frameId + " is unfinished");
      }
      if (fragment.abort()) {
        return null; // abandoned before it began
      }
      Reassembly[] started = new Reassembly[1];
      started[0] = new Reassembly(fragment.streamId(), fragment.frameId(), sharedBytes, vertx,
        limits.get().timeoutMillis(), () -> onDeadline(started[0]));
      partial = started[0];
      return add(fragment);
    }
    if (partial == null) {
      if (fragment.abort()) {
        return null; // HAProxy aborts a frame already finished or never seen: nothing to drop
      }
      throw new SpopException(SpopStatus.INVALID_FRAME, "continuation " + fragment.streamId() + "/"
        + fragment.frameId() + " without a first fragment");
    }
    if (fragment.streamId() != partial.streamId || fragment.frameId() != partial.frameId) {
      throw new SpopException(SpopStatus.INVALID_INTERLACED_FRAMES, "fragment of " + fragment.streamId() + "/"
        + fragment.frameId() + " while " + partial.streamId + "/" + partial.frameId + " is unfinished");
    }
    if (fragment.abort()) {
      LOG.debug("{} HAProxy aborted fragmented NOTIFY {}/{}", peer, partial.streamId, partial.frameId);
      drop();
      metrics.notifyAborted();
      return null;
    }
    return add(fragment);
  }

  /** Past the size cap it throws (status 3); when the shared budget is spent the listener answers. */
  private NotifyFrame add(FragmentFrame fragment) {
    Limits now = limits.get();
    if (!partial.add(fragment.payload(), now.maxSize(), now.sharedBudget())) {
      metrics.reassemblyRefused();
      listener.refused(partial);
      drop();
      return null;
    }
    if (!fragment.fin()) {
      return null;
    }
    Reassembly done = partial;
    partial = null;
    int fragments = done.fragments();
    Buffer payload = done.complete();
    metrics.notifyReassembled(fragments);
    return new NotifyFrame(Frame.FLAG_FIN, done.streamId, done.frameId,
      FrameDecoder.decodeMessages(payload, 0, payload.length()));
  }

  private void onDeadline(Reassembly expired) {
    if (partial != expired) {
      return; // finished or dropped as its timer fired
    }
    metrics.reassemblyTimedOut();
    listener.timedOut(partial);
    drop();
  }

  /** Frees the partial NOTIFY, if any, and its share of the budget, and stops its deadline. */
  void drop() {
    if (partial != null) {
      partial.discard();
      partial = null;
    }
  }
}
