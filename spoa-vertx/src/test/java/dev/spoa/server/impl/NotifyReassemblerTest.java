package dev.spoa.server.impl;

import dev.spoa.Await;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.FragmentFrame;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection's fragment rules: the whole NOTIFY from its parts wherever they split, one at a
 * time, continuations with its ids, aborts, and the budget and deadline handed to the connection.
 */
class NotifyReassemblerTest {

  private static final NotifyFrame WHOLE = NotifyFrame.of(7, 1,
    SpoaMessage.of("check", Arg.of("ip", TypedValue.ofString("192.0.2.1")), Arg.of("ua", TypedValue.ofString("curl/8"))));
  private static final long NO_DEADLINE_HERE = 60_000;

  private final Vertx vertx = Vertx.vertx();
  private final AtomicLong sharedBytes = new AtomicLong();
  private final List<String> answers = new CopyOnWriteArrayList<>();
  private NotifyReassembler.Limits limits = new NotifyReassembler.Limits(1 << 20, 1 << 20, NO_DEADLINE_HERE);
  private final NotifyReassembler reassembler = new NotifyReassembler(sharedBytes, vertx, SpoaMetrics.NOOP,
    () -> limits, new NotifyReassembler.Listener() {
      @Override
      public void refused(Reassembly partial) {
        answers.add("refused " + partial.streamId + "/" + partial.frameId);
      }

      @Override
      public void timedOut(Reassembly partial) {
        answers.add("timed out " + partial.streamId + "/" + partial.frameId);
      }
    }, "test");

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** WHOLE's messages split at {@code at}: the first fragment (NOTIFY without FIN) and the last (UNSET with FIN). */
  private static List<FragmentFrame> split(int at) {
    Buffer frame = FrameEncoder.encode(WHOLE);
    int payloadStart = 4 + 1 + 4 + 1 + 1; // length, type, flags, stream-id 7 and frame-id 1 as one-byte varints
    Buffer payload = frame.getBuffer(payloadStart, frame.length());
    return List.of(
      new FragmentFrame(FrameType.NOTIFY, 0, 7, 1, payload.getBuffer(0, at)),
      new FragmentFrame(FrameType.UNSET, Frame.FLAG_FIN, 7, 1, payload.getBuffer(at, payload.length())));
  }

  private static FragmentFrame abort(long streamId, long frameId) {
    return new FragmentFrame(FrameType.UNSET, Frame.FLAG_ABORT | Frame.FLAG_FIN, streamId, frameId, Buffer.buffer());
  }

  @Test
  void thePartsMakeTheWholeNotifyWhereverTheySplit() {
    int length = split(1).get(0).payload().length() + split(1).get(1).payload().length();
    for (int at = 0; at <= length; at++) {
      List<FragmentFrame> parts = split(at);
      assertNull(reassembler.accept(parts.get(0)));
      assertTrue(reassembler.inProgress());
      assertEquals(WHOLE, reassembler.accept(parts.get(1)), "split at " + at);
      assertFalse(reassembler.inProgress());
      assertEquals(0, sharedBytes.get(), "the bytes left the budget");
    }
  }

  @Test
  void oneFragmentedNotifyAtATime() {
    List<FragmentFrame> parts = split(5);
    reassembler.accept(parts.get(0));
    assertStatus(SpopStatus.INVALID_INTERLACED_FRAMES, () -> reassembler.checkWhole(NotifyFrame.of(9, 1)));
    assertStatus(SpopStatus.INVALID_INTERLACED_FRAMES,
      () -> reassembler.accept(new FragmentFrame(FrameType.NOTIFY, 0, 9, 1, Buffer.buffer("x"))));
    assertStatus(SpopStatus.INVALID_INTERLACED_FRAMES,
      () -> reassembler.accept(new FragmentFrame(FrameType.UNSET, Frame.FLAG_FIN, 7, 2, Buffer.buffer("x"))));
    assertStatus(SpopStatus.INVALID_FRAME, () -> new NotifyReassembler(sharedBytes, vertx, SpoaMetrics.NOOP,
      () -> limits, null, "other").accept(parts.get(1)));
  }

  @Test
  void anAbortDropsTheNotifyAndAnAbortOfNothingIsIgnored() {
    reassembler.accept(split(5).get(0));
    assertTrue(sharedBytes.get() > 0);
    assertNull(reassembler.accept(abort(7, 1)));
    assertFalse(reassembler.inProgress());
    assertEquals(0, sharedBytes.get());
    assertNull(reassembler.accept(abort(7, 1)), "HAProxy aborts a frame already finished");
    assertNull(reassembler.accept(split(5).get(0)), "a new one starts after the abort");
    assertEquals(WHOLE, reassembler.accept(split(5).get(1)));
  }

  @Test
  void aFragmentPastTheSharedBudgetIsTheConnectionsToAnswerAndTheNotifyIsDropped() {
    limits = new NotifyReassembler.Limits(1 << 20, 4, NO_DEADLINE_HERE);
    assertNull(reassembler.accept(split(5).get(0)));
    assertEquals(List.of("refused 7/1"), answers);
    assertFalse(reassembler.inProgress());
    assertEquals(0, sharedBytes.get());
  }

  @Test
  void aFragmentPastTheSizeCapIsStatus3() {
    limits = new NotifyReassembler.Limits(4, 1 << 20, NO_DEADLINE_HERE);
    assertStatus(SpopStatus.FRAME_TOO_BIG, () -> reassembler.accept(split(5).get(0)));
  }

  @Test
  void anUnfinishedNotifyMeetsItsDeadlineOnce() {
    limits = new NotifyReassembler.Limits(1 << 20, 1 << 20, 50);
    vertx.runOnContext(v -> reassembler.accept(split(5).get(0)));
    Await.until(() -> !answers.isEmpty(), "the deadline");
    assertEquals(List.of("timed out 7/1"), answers);
    Await.until(() -> sharedBytes.get() == 0, "its bytes given back");
  }

  private static void assertStatus(SpopStatus status, org.junit.jupiter.api.function.Executable broken) {
    assertEquals(status, assertThrows(SpopException.class, broken).status());
  }
}
