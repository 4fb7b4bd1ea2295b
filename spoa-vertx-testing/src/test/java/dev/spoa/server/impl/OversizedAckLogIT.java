package dev.spoa.server.impl;

import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.server.AgentTestBase;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A handler whose every answer outgrows the frame size: each ACK trimmed and counted, one WARN a second. */
class OversizedAckLogIT extends AgentTestBase {

  private static final int NOTIFIES = 200;

  @Test
  void manyOversizedAcksAreEachTrimmedAndLoggedOncePerSecond() {
    startServer(new SpoaServerOptions().setAckOverflowVariable("txn.dropped"));
    List<Action> tooMany = IntStream.range(0, 40).mapToObj(i -> Action.setVar(Scope.TXN, "v" + i, i)).toList();
    handler("big", req -> Future.succeededFuture(tooMany));
    SpopTestClient c = client();
    c.hello("pipelining", 256).await(); // the smallest frame size: 40 actions do not fit

    LogLimiter log = ((SpoaServerImpl) server).oversizedAckLog;
    long started = System.nanoTime();
    List<Future<AckFrame>> acks = new ArrayList<>();
    for (int i = 0; i < NOTIFIES; i++) {
      acks.add(c.notify(2L * i + 1, 1, SpoaMessage.of("big")));
    }
    for (Future<AckFrame> ack : acks) {
      List<Action> actions = ack.await().actions();
      assertEquals("dropped", actions.get(actions.size() - 1).name(), "every ACK is trimmed and says so");
    }
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;

    assertEquals(NOTIFIES, log.allowed() + log.suppressed(), "every oversized ACK went through the limiter");
    assertTrue(log.allowed() >= 1 && log.allowed() <= seconds + 1,
      log.allowed() + " WARN lines in " + seconds + " whole seconds");
  }
}
