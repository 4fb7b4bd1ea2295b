package dev.spoa.server.impl;

import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A NOTIFY being rebuilt from fragments on one connection, bounded three ways: its size
 * ({@code maxReassembledSize}), the bytes all connections of the Vert.x instance hold in partial
 * NOTIFYs together ({@code maxReassemblyBytes}: many connections that each stop just below the size
 * cap would otherwise add up to any amount), and time ({@code reassemblyTimeout}: a peer that stops
 * half-way would otherwise hold the bytes as long as the connection lives).
 *
 * <p>Used on its connection's event loop; only the shared byte count is touched by several threads.
 * The bytes are given back exactly once: on {@link #complete()}, or on {@link #discard()} (abort,
 * deadline, refusal, connection end).
 */
final class Reassembly {

  final long streamId;
  final long frameId;
  private final AtomicLong sharedBytes;
  private final Vertx vertx;
  private final long deadlineTimer;
  private Buffer payload = Buffer.buffer();
  private long held;
  private int fragments;
  private boolean finished;

  /**
   * Starts one with an empty payload; {@code onDeadline} runs on the calling context if it is
   * neither complete nor discarded within {@code timeoutMillis}.
   */
  Reassembly(long streamId, long frameId, AtomicLong sharedBytes, Vertx vertx, long timeoutMillis, Runnable onDeadline) {
    this.streamId = streamId;
    this.frameId = frameId;
    this.sharedBytes = sharedBytes;
    this.vertx = vertx;
    this.deadlineTimer = vertx.setTimer(timeoutMillis, id -> onDeadline.run());
  }

  /**
   * Appends a fragment's bytes. Past {@code maxSize} it throws (status 3, as before); when the
   * shared budget has no room it adds nothing and returns {@code false}: the caller ends the
   * connection with status 13.
   */
  boolean add(Buffer fragment, int maxSize, long sharedBudget) {
    int length = fragment.length();
    if (held + length > maxSize) {
      throw new SpopException(SpopStatus.FRAME_TOO_BIG, "fragmented NOTIFY " + streamId + "/" + frameId
        + " exceeds maxReassembledSize " + maxSize);
    }
    if (sharedBytes.addAndGet(length) > sharedBudget) {
      sharedBytes.addAndGet(-length);
      return false;
    }
    held += length;
    fragments++;
    payload.appendBuffer(fragment);
    return true;
  }

  int fragments() {
    return fragments;
  }

  /** Bytes of this NOTIFY counted against the shared budget. */
  long held() {
    return held;
  }

  /** The whole payload; the bytes leave the shared budget (the decoded NOTIFY is in-flight's to bound). */
  Buffer complete() {
    Buffer whole = payload;
    discard();
    return whole;
  }

  /** Drops the partial payload and gives its bytes back; nothing happens a second time. */
  void discard() {
    if (finished) {
      return;
    }
    finished = true;
    vertx.cancelTimer(deadlineTimer);
    sharedBytes.addAndGet(-held);
    held = 0;
    payload = null;
  }
}
