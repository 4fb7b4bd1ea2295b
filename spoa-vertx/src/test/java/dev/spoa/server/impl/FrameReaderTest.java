package dev.spoa.server.impl;

import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection's framing: frames however the bytes arrive, lengths refused before their body is
 * read, the agreed size from the HELLO on, and nothing read once stopped.
 */
class FrameReaderTest {

  private static final NotifyFrame NOTIFY = NotifyFrame.of(3, 1,
    SpoaMessage.of("check", Arg.of("ip", TypedValue.ofString("192.0.2.1"))));

  private final ByteStream stream = new ByteStream();
  private final AtomicLong clock = new AtomicLong(1_000);
  private final List<String> seen = new ArrayList<>();
  private final List<Long> readAt = new ArrayList<>();
  private boolean listenerThrows;
  private final FrameReader reader = new FrameReader(stream, 2048, clock::incrementAndGet, new FrameReader.Listener() {
    @Override
    public void frame(Frame frame, long readNanos) {
      if (listenerThrows) {
        throw new SpopException(SpopStatus.INVALID_FRAME, "expected HAPROXY-HELLO, got " + frame.type());
      }
      seen.add(frame.type() + " " + frame.streamId() + "/" + frame.frameId());
      readAt.add(readNanos);
    }

    @Override
    public void invalid(SpopStatus status, String detail) {
      seen.add("invalid " + status.code() + ": " + detail);
    }
  });

  @Test
  void framesAreDecodedWhereverTheBytesSplit() {
    Buffer two = FrameEncoder.encode(NOTIFY).appendBuffer(FrameEncoder.encode(NotifyFrame.of(3, 2, NOTIFY.messages().get(0))));
    for (int i = 0; i < two.length(); i++) {
      stream.push(two.slice(i, i + 1));
    }
    assertEquals(List.of("NOTIFY 3/1", "NOTIFY 3/2"), seen);
    // the clock is read once per frame, when its last byte arrived
    assertEquals(List.of(1_001L, 1_002L), readAt);

    seen.clear();
    stream.push(FrameEncoder.encode(NOTIFY).appendBuffer(FrameEncoder.encode(NOTIFY)));
    assertEquals(List.of("NOTIFY 3/1", "NOTIFY 3/1"), seen, "two frames in one read");
  }

  @Test
  void aLengthBelowTheMinimumIsRefused() {
    stream.push(Buffer.buffer().appendInt(6));
    assertEquals(List.of("invalid 4: frame length 6 is below the minimum of 7"), seen);
  }

  @Test
  void aLengthAboveTheLimitIsRefusedBeforeItsBodyIsRead() {
    stream.push(Buffer.buffer().appendUnsignedInt(0xFFFF_FFFFL));
    assertEquals(List.of("invalid 3: frame length 4294967295 exceeds max-frame-size 2048 (before HELLO)"), seen);

    seen.clear();
    reader.agreed(16_380);
    Buffer big = FrameEncoder.encode(NotifyFrame.of(3, 1,
      SpoaMessage.of("check", Arg.of("ua", TypedValue.ofString("x".repeat(4_000))))));
    stream.push(big);
    assertEquals(List.of("NOTIFY 3/1"), seen, "the agreed size applies once the HELLO is done");
    stream.push(Buffer.buffer().appendInt(16_381));
    assertEquals("invalid 3: frame length 16381 exceeds max-frame-size 16380", seen.get(1));
  }

  @Test
  void badContentAndTheListenersOwnRefusalAreReportedAsInvalid() {
    stream.push(Buffer.buffer().appendInt(7).appendByte((byte) 42).appendInt(1).appendByte((byte) 0).appendByte((byte) 0));
    assertEquals(List.of("invalid 4: unknown frame type 42"), seen);

    seen.clear();
    listenerThrows = true;
    stream.push(FrameEncoder.encode(NOTIFY));
    assertEquals(List.of("invalid 4: expected HAPROXY-HELLO, got NOTIFY"), seen);
  }

  @Test
  void nothingIsHandedOverWhilePausedAndTheStreamItselfIsPausedThen() {
    Buffer frame = FrameEncoder.encode(NOTIFY);
    reader.pause();
    stream.push(frame);
    assertEquals(List.of(), seen, "a paused reader holds the frame");
    assertTrue(stream.paused, "and pauses the socket, so TCP pushes back on HAProxy");
    reader.resume();
    assertEquals(List.of("NOTIFY 3/1"), seen);
    assertFalse(stream.paused);
  }

  @Test
  void nothingIsReadOnceStopped() {
    Buffer frame = FrameEncoder.encode(NOTIFY);
    stream.push(frame.slice(0, 10));
    reader.stop();
    stream.push(frame.slice(10, frame.length()));
    reader.resume();
    stream.push(frame);
    assertEquals(List.of(), seen, "what arrives after the stop is dropped, a resume changes nothing");
    assertTrue(stream.paused);
  }

  /** A read stream fed by the test, which records whether it is paused. */
  private static final class ByteStream implements ReadStream<Buffer> {
    private Handler<Buffer> handler;
    boolean paused;

    void push(Buffer bytes) {
      handler.handle(bytes);
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      this.handler = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      paused = true;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      paused = false;
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      paused = false;
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
      return this;
    }
  }
}
