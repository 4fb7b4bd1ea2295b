package dev.spoa.server;

import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.FragmentFrame;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fragmented NOTIFYs that stop half-way or pile up: the reassembly deadline ends a stalled one, and
 * the bytes all connections hold in partial NOTIFYs stay within the instance's budget.
 */
class ReassemblyIT extends AgentTestBase {

  /** The NOTIFY of these tests: about 720 bytes, sent as a first fragment of 600 and the rest. */
  private static final int TEXT_LENGTH = 700;
  private static final int FIRST_FRAGMENT = 600;
  /** Room for one such NOTIFY, not for two first fragments. */
  private static final long BUDGET = 1000;

  private static final Buffer PAYLOAD = FrameEncoder.appendMessage(Buffer.buffer(),
    SpoaMessage.of("echo-length", Arg.of("text", TypedValue.ofString("x".repeat(TEXT_LENGTH)))));
  private static final List<Action> ANSWER = List.of(Action.setVar(Scope.TXN, "len", TEXT_LENGTH));

  private void echoLengthHandler() {
    handler("echo-length", req -> Future.succeededFuture(
      List.of(Action.setVar(Scope.TXN, "len", req.arg("text").asString().length()))));
  }

  private static void sendFirstFragment(SpopTestClient c, long streamId) {
    c.send(new FragmentFrame(FrameType.NOTIFY, 0, streamId, 1, PAYLOAD.getBuffer(0, FIRST_FRAGMENT))).await();
  }

  private static AckFrame sendLastFragment(SpopTestClient c, long streamId) {
    Future<AckFrame> ack = c.expectAck(streamId, 1);
    c.send(new FragmentFrame(FrameType.UNSET, Frame.FLAG_FIN, streamId, 1,
      PAYLOAD.getBuffer(FIRST_FRAGMENT, PAYLOAD.length()))).await();
    return ack.await();
  }

  /** A whole NOTIFY in two fragments is answered: the budget has room for all of it. */
  private static void assertRebuiltAndAnswered(SpopTestClient c, long streamId) {
    sendFirstFragment(c, streamId);
    assertEquals(ANSWER, sendLastFragment(c, streamId).actions());
  }

  @Test
  void aStalledFragmentedNotifyEndsItsConnectionWithStatus2AtItsDeadlineAndGivesItsBytesBack() {
    // The idle timeout is far shorter: a partial NOTIFY is not idleness, its own deadline ends it.
    startServer(new SpoaServerOptions().setReassemblyTimeout(1000).setConnectionIdleTimeout(200)
      .setMaxReassemblyBytes(BUDGET));
    echoLengthHandler();
    SpopTestClient stalled = readyClient();
    long sent = System.nanoTime();
    sendFirstFragment(stalled, 1);
    Frame last = stalled.nextFrame().await();
    long waitedMillis = (System.nanoTime() - sent) / 1_000_000;
    assertDisconnect(last, SpopStatus.TIMEOUT);
    assertTrue(waitedMillis >= 950, "ended by reassemblyTimeout (1000 ms), not by the idle timeout: " + waitedMillis + " ms");
    stalled.closed().await();
    assertEquals(1, metrics.reassemblyTimeouts.get());

    assertRebuiltAndAnswered(readyClient(), 1);
  }

  @Test
  void fragmentsPastTheBudgetEndTheirConnectionWithStatus13AndEveryEndOfAPartialNotifyGivesItsBytesBack()
      throws InterruptedException {
    startServer(new SpoaServerOptions().setMaxReassemblyBytes(BUDGET));
    echoLengthHandler();
    SpopTestClient holder = readyClient();
    sendFirstFragment(holder, 1);
    SpopTestClient refused = readyClient();
    sendFirstFragment(refused, 1);
    assertDisconnect(refused.nextFrame().await(), SpopStatus.RESOURCE_ALLOCATION_ERROR);
    refused.closed().await();
    assertEquals(1, metrics.reassemblyRefusals.get());

    // completed: answered, and its bytes are free again
    assertEquals(ANSWER, sendLastFragment(holder, 1).actions());
    assertRebuiltAndAnswered(readyClient(), 1);

    // aborted by HAProxy
    sendFirstFragment(holder, 3);
    holder.send(new FragmentFrame(FrameType.UNSET, Frame.FLAG_FIN | Frame.FLAG_ABORT, 3, 1, Buffer.buffer())).await();
    assertRebuiltAndAnswered(holder, 5);

    // its connection closed by HAProxy
    SpopTestClient leaving = readyClient();
    sendFirstFragment(leaving, 1);
    int closedBefore = metrics.closed.get();
    leaving.close().await();
    dev.spoa.Await.until(() -> metrics.closed.get() > closedBefore, "the agent saw the connection close");
    assertRebuiltAndAnswered(holder, 7);
    assertEquals(1, metrics.reassemblyRefusals.get());
  }
}
