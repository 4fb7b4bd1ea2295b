package dev.spoa.server.impl;

import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.core.streams.ReadStream;

import java.util.function.LongSupplier;

/**
 * The framing of a connection's byte stream: alternately a 4-byte length prefix and the frame body it
 * announced, decoded. A length outside [7, max-frame-size] is refused before any of its body is
 * buffered, so what a peer announces never sizes an allocation beyond the agreed frame size. Used on
 * the connection's event loop only.
 */
final class FrameReader {

  /** What the reader finds. */
  interface Listener {

    /**
     * A decoded frame, read at {@code readNanos}; a {@link SpopException} it throws is reported as
     * {@link #invalid}, like bad input.
     */
    void frame(Frame frame, long readNanos);

    /** Bad input: the status to disconnect with, and why. */
    void invalid(SpopStatus status, String detail);
  }

  private final RecordParser parser;
  private final Listener listener;
  private final LongSupplier clock;
  /** The body length announced by the last length prefix, or -1 while waiting for a prefix. */
  private int pendingBodyLength = -1;
  private long maxFrameSize;
  private boolean beforeHello = true;
  private boolean paused;
  private boolean stopped;

  /**
   * @param maxFrameSize the limit until {@link #agreed(long)}: the connection's before the HELLO
   * @param clock        the time of a read, in nanoseconds (the connection's activity clock)
   */
  FrameReader(ReadStream<Buffer> stream, long maxFrameSize, LongSupplier clock, Listener listener) {
    this.maxFrameSize = maxFrameSize;
    this.clock = clock;
    this.listener = listener;
    this.parser = RecordParser.newFixed(4, stream);
    parser.handler(this::onRecord);
  }

  /** Errors of the stream itself (a reset, TLS), not of its content. */
  void exceptionHandler(Handler<Throwable> handler) {
    parser.exceptionHandler(handler);
  }

  /** The max-frame-size of the HELLO handshake applies from the next length prefix on. */
  void agreed(long maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
    beforeHello = false;
  }

  /** Reads nothing until {@link #resume()}: the stream's own backpressure then reaches the peer. */
  void pause() {
    if (!paused) {
      paused = true;
      parser.pause();
    }
  }

  void resume() {
    if (paused && !stopped) {
      paused = false;
      parser.resume();
    }
  }

  /** For good: what was read and not yet handed over is dropped. */
  void stop() {
    stopped = true;
    pause();
  }

  private void onRecord(Buffer record) {
    if (stopped) {
      return;
    }
    if (pendingBodyLength < 0) {
      long length = record.getUnsignedInt(0);
      if (length < FrameDecoder.MIN_FRAME_LENGTH) {
        listener.invalid(SpopStatus.INVALID_FRAME, "frame length " + length + " is below the minimum of "
          + FrameDecoder.MIN_FRAME_LENGTH);
      } else if (length > maxFrameSize) {
        listener.invalid(SpopStatus.FRAME_TOO_BIG, "frame length " + length + " exceeds max-frame-size " + maxFrameSize
          + (beforeHello ? " (before HELLO)" : ""));
      } else {
        pendingBodyLength = (int) length;
        parser.fixedSizeMode(pendingBodyLength);
      }
      return;
    }
    pendingBodyLength = -1;
    parser.fixedSizeMode(4);
    long readNanos = clock.getAsLong();
    try {
      listener.frame(FrameDecoder.decode(record), readNanos);
    } catch (SpopException e) {
      listener.invalid(e.status(), e.getMessage());
    }
  }
}
