package dev.spoa.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer fuzz targets for the decoder: whole frames (HELLO/DISCONNECT KV lists, NOTIFY, ACK,
 * fragments), LIST-OF-MESSAGES (reassembled NOTIFYs) and LIST-OF-ACTIONS.
 *
 * <p>Invariant, for any bytes: the decoder either succeeds or throws a {@link SpopException}
 * carrying an assigned SPOP status; never another exception. It never allocates far beyond its
 * input (the values it returns hold at most the input's bytes, and the thread's allocation is
 * bounded by a multiple of the input), and what it returns is stable: encoding it and decoding
 * that again gives the same model.
 *
 * <p>{@code mvn test} runs the checked-in corpus under
 * {@code src/test/resources/dev/spoa/protocol/FrameDecoderFuzzTestInputs/<method>/} (regression
 * mode, a few milliseconds). To fuzz (one target per run), see docs/security.md:
 * {@code ./mvnw -B test -pl spoa-vertx -Pfuzz -Dtest='FrameDecoderFuzzTest#decode'}.
 */
class FrameDecoderFuzzTest {

  /** Slack for a decode's own bookkeeping (lists, records, exception), beyond its per-byte cost. */
  private static final long ALLOCATION_SLACK = 1 << 20;
  /** Each input byte may become at most this many bytes of objects (an empty arg is ~100 bytes). */
  private static final long ALLOCATION_PER_BYTE = 256;

  private static final com.sun.management.ThreadMXBean THREADS =
    ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
      && t.isThreadAllocatedMemorySupported() ? t : null;

  @FuzzTest(maxDuration = "10m")
  void decode(byte[] data) {
    Frame frame = check(data, () -> FrameDecoder.decode(Buffer.buffer(data)));
    if (frame == null) {
      return;
    }
    assertTrue(payloadBytes(frame) <= data.length, "decoded values hold more bytes than the input");
    Buffer again = FrameEncoder.encode(frame);
    assertEquals(again.length() - 4, again.getInt(0), "length prefix");
    assertEquals(frame, FrameDecoder.decode(again, 4, again.length()), "decode(encode(decode(x))) == decode(x)");
  }

  @FuzzTest(maxDuration = "10m")
  void decodeMessages(byte[] data) {
    List<SpoaMessage> messages = check(data, () -> FrameDecoder.decodeMessages(Buffer.buffer(data), 0, data.length));
    if (messages == null) {
      return;
    }
    long bytes = 0;
    for (SpoaMessage m : messages) {
      bytes += m.name().length();
      for (Arg a : m.args()) {
        bytes += a.name().length() + valueBytes(a.value());
      }
    }
    assertTrue(bytes <= data.length, "decoded messages hold more bytes than the input");
    Buffer again = Buffer.buffer();
    messages.forEach(m -> FrameEncoder.appendMessage(again, m));
    assertEquals(messages, FrameDecoder.decodeMessages(again, 0, again.length()));
  }

  @FuzzTest(maxDuration = "10m")
  void decodeActions(byte[] data) {
    List<Action> actions = check(data, () -> FrameDecoder.decodeActions(Buffer.buffer(data), 0, data.length));
    if (actions == null) {
      return;
    }
    long bytes = 0;
    for (Action a : actions) {
      bytes += a.name().length() + (a.value() == null ? 0 : valueBytes(a.value()));
    }
    assertTrue(bytes <= data.length, "decoded actions hold more bytes than the input");
    Buffer again = Buffer.buffer();
    actions.forEach(a -> FrameEncoder.appendAction(again, a));
    assertEquals(actions, FrameDecoder.decodeActions(again, 0, again.length()));
  }

  /**
   * Runs a decode: its result, or {@code null} after a {@link SpopException} with an assigned
   * status. Any other throwable escapes (a finding). The thread's allocation is checked either way.
   */
  static <T> T check(byte[] data, Supplier<T> decode) {
    long limit = ALLOCATION_SLACK + ALLOCATION_PER_BYTE * data.length;
    long before = allocated();
    T result = run(decode);
    long used = allocated() - before;
    if (used > limit) {
      // The first run of a path also loads classes and links string concatenations: measure again.
      before = allocated();
      run(decode);
      long again = allocated() - before;
      assertTrue(again <= limit, () -> "decoding " + data.length + " bytes allocated " + again + " bytes");
    }
    return result;
  }

  private static <T> T run(Supplier<T> decode) {
    try {
      T result = decode.get();
      assertNotNull(result);
      return result;
    } catch (SpopException e) {
      assertNotNull(e.status(), "status");
      assertSame(e.status(), SpopStatus.fromCode(e.status().code()), "an assigned status");
      return null;
    }
  }

  private static long allocated() {
    return THREADS == null ? 0 : THREADS.getCurrentThreadAllocatedBytes();
  }

  private static long payloadBytes(Frame frame) {
    if (frame instanceof FragmentFrame f) {
      return f.payload().length();
    }
    long bytes = 0;
    if (frame instanceof KvFrame kv) {
      for (Map.Entry<String, TypedValue> e : kv.entries().entrySet()) {
        bytes += e.getKey().length() + valueBytes(e.getValue());
      }
    } else if (frame instanceof NotifyFrame n) {
      for (SpoaMessage m : n.messages()) {
        bytes += m.name().length();
        for (Arg a : m.args()) {
          bytes += a.name().length() + valueBytes(a.value());
        }
      }
    } else if (frame instanceof AckFrame a) {
      for (Action action : a.actions()) {
        bytes += action.name().length() + (action.value() == null ? 0 : valueBytes(action.value()));
      }
    }
    return bytes;
  }

  private static long valueBytes(TypedValue v) {
    switch (v.type()) {
      case STRING:
      case BINARY:
      case IPV4:
      case IPV6:
        return v.byteLength();
      default:
        return 0;
    }
  }
}
