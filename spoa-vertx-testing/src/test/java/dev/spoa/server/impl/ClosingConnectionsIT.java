package dev.spoa.server.impl;

import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import dev.spoa.server.AgentTestBase;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Connections that end while answers are on their way: ACKs batched for a connection that closes
 * before the end of the turn (async), and a socket shut down by Vert.x with a grace period.
 */
class ClosingConnectionsIT extends AgentTestBase {

  private static final List<Action> ANSWER = List.of(Action.setVar(Scope.SESS, "late", 1));

  /** A connection of {@code engine} with async agreed; returns the agent's side of it. */
  private SpoaConnection asyncConnection(SpopTestClient client, String engine) {
    client.hello(Map.of("supported-versions", TypedValue.ofString("2.0"), "max-frame-size", TypedValue.ofUint32(16380),
      "capabilities", TypedValue.ofString("pipelining,async"), "engine-id", TypedValue.ofString(engine))).await();
    return ((SpoaServerImpl) server).shared().engineAcks.otherConnection(engine, null);
  }

  /**
   * The first connection of an engine gets an ACK (as from a closed sibling, or its own handler)
   * in the same event-loop turn as its socket closes; the ACK goes out on the second connection.
   */
  private void assertAckBatchedAroundACloseGoesElsewhere(boolean closeFirst) {
    startServer(new SpoaServerOptions().setAsync(true));
    String engine = UUID.randomUUID().toString();
    SpoaConnection closing = asyncConnection(client(), engine);
    SpopTestClient other = client();
    asyncConnection(other, engine);
    Future<AckFrame> onOther = other.expectAck(21, 4);
    closing.context.runOnContext(v -> {
      if (closeFirst) {
        closing.socket.close(); // its close event runs after this task, before the batch's flush
      }
      closing.sendForeignAck(21, 4, ANSWER);
      if (!closeFirst) {
        closing.socket.close(); // the flush at the end of the turn writes to a closed socket
      }
    });
    assertEquals(ANSWER, onOther.await().actions());
  }

  @Test
  void withAsyncAnAckBatchedOnAConnectionThatClosesBeforeTheEndOfTheTurnGoesOutOnAnother() {
    assertAckBatchedAroundACloseGoesElsewhere(true);
  }

  @Test
  void withAsyncAnAckWhoseBatchWriteFailsOnAClosedSocketGoesOutOnAnother() {
    assertAckBatchedAroundACloseGoesElsewhere(false);
  }

  @Test
  void aVertxShutdownWithAGracePeriodSendsDisconnect0AfterTheAcksInFlight() {
    startServer(new SpoaServerOptions());
    Promise<Void> reached = Promise.promise();
    Promise<List<Action>> held = Promise.promise();
    handler("held", req -> {
      reached.tryComplete();
      return held.future();
    });
    SpopTestClient idle = readyClient();
    SpopTestClient busy = readyClient();
    Future<AckFrame> ack = busy.notify(1, 1, SpoaMessage.of("held"));
    reached.future().await();

    // Without a shutdown handler both would be cut off without DISCONNECT when the grace period ends.
    Future<Void> shutdown = ((SpoaServerImpl) server).netServer().shutdown(20, TimeUnit.SECONDS);
    assertDisconnect(idle.nextFrame().await(), SpopStatus.NORMAL);
    held.complete(ANSWER);
    assertEquals(ANSWER, ack.await().actions());
    assertDisconnect(busy.nextFrame().await(), SpopStatus.NORMAL);
    shutdown.await(); // every connection closed: no need to wait for the grace period
  }
}
