package dev.spoa.server.impl;

import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.Scope;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AckWriterTest {

  /** What the writer reports. */
  private static final class Reported implements SpoaMetrics {
    final List<FrameType> framesSent = new ArrayList<>();
    final List<Long> latencies = new ArrayList<>();
    int bytes;
    int trimmed;

    @Override
    public void frameSent(FrameType type) {
      framesSent.add(type);
    }

    @Override
    public void ackWritten(long nanos) {
      latencies.add(nanos);
    }

    @Override
    public void ackSent(int bytes) {
      this.bytes += bytes;
    }

    @Override
    public void ackTrimmed(int dropped) {
      trimmed += dropped;
    }
  }

  private final Reported metrics = new Reported();
  private String overflowVariable;
  private final AckWriter writer = new AckWriter(metrics, () -> overflowVariable,
    new LogLimiter(1, TimeUnit.SECONDS), "test-peer");

  private static List<Frame> frames(Buffer batch) {
    List<Frame> frames = new ArrayList<>();
    for (int at = 0; at < batch.length(); ) {
      int length = batch.getInt(at);
      frames.add(FrameDecoder.decode(batch, at + 4, at + 4 + length));
      at += 4 + length;
    }
    return frames;
  }

  private static List<Action> actions(int count, int valueLength) {
    return IntStream.range(0, count).mapToObj(i -> Action.setVar(Scope.TXN, "v" + i, "x".repeat(valueLength))).toList();
  }

  @Test
  void theAcksOfATurnLeaveInOneBufferInTheOrderTheyCame() {
    writer.agreed(16380, false);
    assertTrue(writer.isEmpty());
    writer.add(7, 1, List.of(Action.setVar(Scope.SESS, "score", 20)), System.nanoTime(), 1);
    assertFalse(writer.isEmpty(), "the first ACK starts the batch: the connection schedules its write");
    writer.add(3, 2, List.of(), System.nanoTime(), 0);
    Buffer batch = writer.take();
    assertTrue(writer.isEmpty());
    assertNull(writer.take(), "taken once");
    assertEquals(List.of(AckFrame.of(7, 1, List.of(Action.setVar(Scope.SESS, "score", 20))), AckFrame.of(3, 2, List.of())),
      frames(batch).stream().map(f -> AckFrame.of(f.streamId(), f.frameId(), ((AckFrame) f).actions())).toList());
    assertEquals(List.of(FrameType.ACK, FrameType.ACK), metrics.framesSent);
    assertEquals(batch.length(), metrics.bytes, "the bytes on the wire");
  }

  @Test
  void eachWrittenAckReportsItsTimeInTheAgentOnce() throws Exception {
    writer.agreed(16380, false);
    long read = System.nanoTime();
    writer.add(1, 1, List.of(), read, 0);
    writer.add(2, 1, List.of(), read, 0);
    writer.add(3, 1, List.of(), AckWriter.NOT_TIMED, 0); // read on another connection
    Thread.sleep(5);
    writer.take();
    writer.written();
    assertEquals(2, metrics.latencies.size(), "the ACKs read here, not the foreign one");
    assertTrue(metrics.latencies.stream().allMatch(n -> n >= TimeUnit.MILLISECONDS.toNanos(5)), metrics.latencies::toString);
    writer.add(4, 1, List.of(), System.nanoTime(), 0);
    writer.take();
    writer.notWritten();
    writer.written();
    assertEquals(2, metrics.latencies.size(), "an ACK not written is not reported, nor reported later");
  }

  @Test
  void anAckTooLargeForTheFrameGoesOutInFragmentsToAPeerThatReadsThem() {
    writer.agreed(256, true);
    List<Action> big = actions(10, 100);
    writer.add(5, 9, big, System.nanoTime(), 0);
    List<Frame> frames = frames(writer.take());
    assertTrue(frames.size() > 1, "fragments: " + frames.size());
    assertEquals(FrameType.ACK, metrics.framesSent.get(0));
    assertTrue(metrics.framesSent.subList(1, frames.size()).stream().allMatch(t -> t == FrameType.UNSET), metrics.framesSent::toString);
    assertTrue(frames.stream().allMatch(f -> f.streamId() == 5 && f.frameId() == 9));
    assertEquals(0, metrics.trimmed);
  }

  @Test
  void withoutFragmentsTheActionsThatFitGoOutWithTheOverflowVariable() {
    writer.agreed(256, false);
    overflowVariable = "txn.spoa_dropped";
    List<Action> big = actions(10, 40);
    writer.add(5, 9, big, System.nanoTime(), 0);
    Buffer batch = writer.take();
    List<Frame> frames = frames(batch);
    assertEquals(1, frames.size());
    assertTrue(batch.length() - 4 <= 256, "one frame within max-frame-size: " + (batch.length() - 4));
    List<Action> sent = ((AckFrame) frames.get(0)).actions();
    int kept = sent.size() - 1;
    assertTrue(kept > 0 && kept < big.size(), "some fit: " + kept);
    assertEquals(big.subList(0, kept), sent.subList(0, kept), "the first ones, in order");
    assertEquals(Action.setVar(Scope.TXN, "spoa_dropped", big.size() - kept), sent.get(kept));
    assertEquals(big.size() - kept, metrics.trimmed);
  }
}
