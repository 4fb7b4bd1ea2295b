package dev.spoa.server;

import dev.spoa.Await;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.FragmentFrame;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fragmentation, async, limits, deadlines, fallbacks and the drain, against the test client. */
class ProtocolHardeningIT extends AgentTestBase {

  @TempDir
  Path tmp;
  private static Map<String, TypedValue> helloEntries(String capabilities, long maxFrameSize, String engineId) {
    Map<String, TypedValue> kv = new LinkedHashMap<>();
    kv.put("supported-versions", TypedValue.ofString("2.0"));
    kv.put("max-frame-size", TypedValue.ofUint32(maxFrameSize));
    kv.put("capabilities", TypedValue.ofString(capabilities));
    kv.put("engine-id", TypedValue.ofString(engineId));
    return kv;
  }

  /** The payload of a NOTIFY carrying one message with a long string argument. */
  private static Buffer notifyPayload(String text) {
    return FrameEncoder.appendMessage(Buffer.buffer(), SpoaMessage.of("echo-length", Arg.of("text", TypedValue.ofString(text))));
  }

  private static FragmentFrame fragment(FrameType type, int flags, long sid, long fid, Buffer payload) {
    return new FragmentFrame(type, flags, sid, fid, payload);
  }

  private final AtomicInteger echoCalls = new AtomicInteger();

  private void echoLengthHandler() {
    handler("echo-length", req -> {
      echoCalls.incrementAndGet();
      return Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "len", req.arg("text").asString().length())));
    });
  }

  // ---- fragmentation (receive) ----

  @Test
  void aFragmentedNotifyIsReassembledAndDispatchedOnce() {
    startServer(new SpoaServerOptions());
    echoLengthHandler();
    SpopTestClient c = readyClient();
    String text = "x".repeat(600);
    Buffer payload = notifyPayload(text);
    // splits fall inside the string, as HAProxy 2.6 cuts them
    Future<AckFrame> ack = c.expectAck(4, 1);
    c.send(fragment(FrameType.NOTIFY, 0, 4, 1, payload.getBuffer(0, 231))).await();
    c.send(fragment(FrameType.UNSET, 0, 4, 1, payload.getBuffer(231, 462))).await();
    c.send(fragment(FrameType.UNSET, Frame.FLAG_FIN, 4, 1, payload.getBuffer(462, payload.length()))).await();
    assertEquals(List.of(Action.setVar(Scope.TXN, "len", 600)), ack.await().actions());
    assertEquals(1, echoCalls.get());
    assertEquals(1, metrics.reassembled.get());
  }

  @Test
  void anAbortDropsThePartialFrameWithoutAckAndTheConnectionGoesOn() {
    startServer(new SpoaServerOptions());
    echoLengthHandler();
    SpopTestClient c = readyClient();
    Buffer payload = notifyPayload("y".repeat(300));
    Future<AckFrame> abortedAck = c.expectAck(6, 1);
    c.send(fragment(FrameType.NOTIFY, 0, 6, 1, payload.getBuffer(0, 100))).await();
    c.send(fragment(FrameType.UNSET, Frame.FLAG_FIN | Frame.FLAG_ABORT, 6, 1, Buffer.buffer())).await();
    AckFrame next = c.notify(8, 1, SpoaMessage.of("echo-length", Arg.of("text", TypedValue.ofString("abc")))).await();
    assertEquals(List.of(Action.setVar(Scope.TXN, "len", 3)), next.actions());
    assertFalse(abortedAck.isComplete(), "no ACK for an aborted NOTIFY");
    assertEquals(1, echoCalls.get(), "the aborted NOTIFY reached no handler");
    assertEquals(1, metrics.aborted.get());
  }

  @Test
  void interlacedFragmentsEndTheConnectionWithStatus11() {
    startServer(new SpoaServerOptions());
    Buffer payload = notifyPayload("z".repeat(300));

    SpopTestClient other = readyClient();
    other.send(fragment(FrameType.NOTIFY, 0, 1, 1, payload.getBuffer(0, 100))).await();
    other.send(fragment(FrameType.UNSET, 0, 2, 1, payload.getBuffer(100, 200))).await();
    assertDisconnect(other.nextFrame().await(), SpopStatus.INVALID_INTERLACED_FRAMES);

    SpopTestClient whole = readyClient();
    whole.send(fragment(FrameType.NOTIFY, 0, 1, 1, payload.getBuffer(0, 100))).await();
    whole.send(NotifyFrame.of(3, 1, SpoaMessage.of("m"))).await();
    assertDisconnect(whole.nextFrame().await(), SpopStatus.INVALID_INTERLACED_FRAMES);

    SpopTestClient orphan = readyClient();
    orphan.send(fragment(FrameType.UNSET, Frame.FLAG_FIN, 9, 1, payload.getBuffer(0, 50))).await();
    assertDisconnect(orphan.nextFrame().await(), SpopStatus.INVALID_FRAME);
  }

  @Test
  void theReassembledSizeIsCapped() {
    startServer(new SpoaServerOptions().setMaxReassembledSize(1000));
    SpopTestClient c = readyClient();
    Buffer payload = notifyPayload("w".repeat(2000));
    c.send(fragment(FrameType.NOTIFY, 0, 1, 1, payload.getBuffer(0, 600))).await();
    c.send(fragment(FrameType.UNSET, 0, 1, 1, payload.getBuffer(600, 1200))).await();
    assertDisconnect(c.nextFrame().await(), SpopStatus.FRAME_TOO_BIG);
    c.closed().await();
  }

  // ---- ACKs larger than the frame size ----

  private static List<Action> bigActions() {
    List<Action> many = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      many.add(Action.setVar(Scope.TXN, "v" + i, "x".repeat(20)));
    }
    return many;
  }

  @Test
  void aPeerThatAnnouncedFragmentationGetsTheWholeAckInFragments() {
    startServer(new SpoaServerOptions());
    List<Action> many = bigActions();
    handler("big", req -> Future.succeededFuture(many));
    SpopTestClient c = client();
    c.hello(helloEntries("pipelining,fragmentation", 256, "e1")).await();
    c.send(NotifyFrame.of(3, 1, SpoaMessage.of("big"))).await();
    Buffer payload = Buffer.buffer();
    List<Frame> frames = new ArrayList<>();
    Frame f;
    do {
      f = c.nextFrame().await();
      frames.add(f);
      FragmentFrame part = assertInstanceOf(FragmentFrame.class, f);
      assertEquals(frames.size() == 1 ? FrameType.ACK : FrameType.UNSET, part.type());
      assertEquals(3, part.streamId());
      assertEquals(1, part.frameId());
      assertTrue(FrameEncoder.encode(part).length() - 4 <= 256, "every fragment fits the agreed size");
      payload.appendBuffer(part.payload());
    } while (!f.fin());
    assertTrue(frames.size() > 1);
    assertEquals(many, FrameDecoder.decodeActions(payload, 0, payload.length()), "nothing lost");
  }

  @Test
  void otherPeersGetTheActionsThatFitAndTheOverflowVariable() {
    startServer(new SpoaServerOptions().setAckOverflowVariable("txn.spoa_overflow"));
    List<Action> many = bigActions();
    handler("big", req -> Future.succeededFuture(many));
    SpopTestClient c = client();
    c.hello("pipelining", 256).await();
    AckFrame ack = c.notify(1, 1, SpoaMessage.of("big")).await();
    List<Action> got = ack.actions();
    Action last = got.get(got.size() - 1);
    int kept = got.size() - 1;
    assertEquals(Action.setVar(Scope.TXN, "spoa_overflow", many.size() - kept), last);
    assertEquals(many.subList(0, kept), got.subList(0, kept));
    assertTrue(FrameEncoder.ack(1, 1, got).length() - 4 <= 256);
  }

  // ---- deadlines and fallbacks ----

  @Test
  void theFallbackVariableCarriesTheReasonOncePerAck() {
    startServer(new SpoaServerOptions().setFallbackVariable("txn.spoa_error")
      .setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST).setHandlerTimeout("slow", 100));
    handler("slow", req -> Promise.<List<Action>>promise().future());
    handler("fails", req -> Future.failedFuture("no"));
    handler("ok", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "ok", 1))));
    SpopTestClient c = readyClient();
    long t0 = System.nanoTime();
    AckFrame timedOut = c.notify(1, 1, SpoaMessage.of("slow")).await();
    assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(HANDLER_TIMEOUT_NOT_UNDER_TEST),
      "the per-message deadline applied, not the general one");
    assertEquals(List.of(Action.setVar(Scope.TXN, "spoa_error", FallbackReason.TIMEOUT.code())), timedOut.actions());
    assertEquals(List.of(Action.setVar(Scope.TXN, "spoa_error", FallbackReason.NO_HANDLER.code())),
      c.notify(2, 1, SpoaMessage.of("unknown")).await().actions());
    assertEquals(List.of(Action.setVar(Scope.TXN, "spoa_error", FallbackReason.HANDLER_FAILURE.code()),
        Action.setVar(Scope.TXN, "ok", 1)),
      c.notify(3, 1, SpoaMessage.of("fails"), SpoaMessage.of("ok"), SpoaMessage.of("unknown")).await().actions(),
      "one fallback variable, the first reason; the good message keeps its action");
  }

  @Test
  void optionsChangeLiveWithoutDroppingConnections() {
    startServer(new SpoaServerOptions().setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST));
    handler("slow", req -> Promise.<List<Action>>promise().future());
    SpopTestClient c = readyClient();
    SpoaServerOptions changed = new SpoaServerOptions().setPort(server.actualPort() + 1).setHandlerTimeout(100)
      .setFallbackVariable("txn.spoa_error").setWarmUpNotifies(0); // warm-up as startServer set it
    java.util.Set<String> needRestart = server.updateOptions(changed).await();
    assertEquals(java.util.Set.of("port"), needRestart, "the listener's port is not changed live");
    long t0 = System.nanoTime();
    AckFrame ack = c.notify(1, 1, SpoaMessage.of("slow")).await();
    assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(HANDLER_TIMEOUT_NOT_UNDER_TEST),
      "the new deadline applies, not the old one");
    assertEquals(List.of(Action.setVar(Scope.TXN, "spoa_error", FallbackReason.TIMEOUT.code())), ack.actions());
    assertFalse(c.closed().isComplete(), "the connection stays");
    // a setting cleared (null: absent from the JSON form) is a change too
    assertEquals(java.util.Set.of("port"), server.updateOptions(new SpoaServerOptions(changed).setFallbackVariable(null)).await());
    assertEquals(List.of(), c.notify(2, 1, SpoaMessage.of("slow")).await().actions(),
      "without the fallback variable a late answer is an empty ACK");
  }

  // ---- limits ----

  @Test
  void pastTheGlobalInFlightCapNotifiesAreAnsweredAtOnce() {
    startServer(new SpoaServerOptions().setMaxInFlight(2).setFallbackVariable("txn.spoa_error"));
    HeldRequests held = holdRequests("held");
    SpopTestClient a = readyClient();
    SpopTestClient b = readyClient();
    Future<AckFrame> a1 = a.notify(1, 1, SpoaMessage.of("held"));
    Future<AckFrame> b1 = b.notify(1, 1, SpoaMessage.of("held"));
    Await.until(() -> held.count() == 2, "both NOTIFYs in the handler");
    AckFrame shed = a.notify(3, 1, SpoaMessage.of("held")).await();
    assertEquals(List.of(Action.setVar(Scope.TXN, "spoa_error", FallbackReason.OVERLOAD.code())), shed.actions());
    assertEquals(2, held.count(), "the shed NOTIFY did not reach the handler");
    held.release(0, List.of());
    held.release(1, List.of());
    a1.await();
    b1.await();
    Future<AckFrame> again = a.notify(5, 1, SpoaMessage.of("held"));
    Await.until(() -> held.count() == 3, "with capacity back, NOTIFYs reach the handler again");
    held.release(2, List.of(Action.setVar(Scope.TXN, "ok", 1)));
    assertEquals(List.of(Action.setVar(Scope.TXN, "ok", 1)), again.await().actions());
  }

  @Test
  void pastMaxConnectionsNewConnectionsGetStatus13() {
    startServer(new SpoaServerOptions().setMaxConnections(2));
    readyClient();
    readyClient();
    SpopTestClient third = client();
    assertDisconnect(third.nextFrame().await(), SpopStatus.RESOURCE_ALLOCATION_ERROR);
    third.closed().await();
  }

  @Test
  void framesBeforeHelloHaveTheirOwnSmallCap() {
    startServer(new SpoaServerOptions().setMaxFrameSizeBeforeHello(300));
    SpopTestClient c = client();
    c.write(Buffer.buffer().appendInt(301)).await();
    assertDisconnect(c.nextFrame().await(), SpopStatus.FRAME_TOO_BIG);
  }

  // ---- timers ----

  @Test
  void aConnectionWithoutHelloIsClosedWithStatus2() {
    startServer(new SpoaServerOptions().setHelloTimeout(200));
    SpopTestClient c = client();
    assertDisconnect(c.nextFrame().await(), SpopStatus.TIMEOUT);
    c.closed().await();
  }

  @Test
  void anIdleConnectionIsClosedWithStatus2ButABusyOneIsNot() {
    long idleTimeout = 1000;
    startServer(new SpoaServerOptions().setConnectionIdleTimeout(idleTimeout));
    handler("m", req -> Future.succeededFuture(List.of()));
    SpopTestClient busy = readyClient(); // opened first: past the idle timeout by the time idle is closed
    long idleSince = System.nanoTime();
    SpopTestClient idle = readyClient();
    Future<Frame> idleEnd = idle.nextFrame();
    long streamId = 0;
    while (!idleEnd.isComplete()) { // a NOTIFY every 100 ms, a tenth of the timeout, until idle's ends
      busy.notify(streamId += 2, 1, SpoaMessage.of("m")).await();
      vertx.timer(100).await();
    }
    assertDisconnect(idleEnd.await(), SpopStatus.TIMEOUT);
    assertTrue(System.nanoTime() - idleSince >= TimeUnit.MILLISECONDS.toNanos(idleTimeout), "not before the timeout");
    assertFalse(busy.closed().isComplete(), "traffic keeps a connection open");
    assertTrue(busy.notify(streamId + 2, 1, SpoaMessage.of("m")).await().actions().isEmpty(), "and serving");
  }

  @Test
  void pastItsMaximumAgeAConnectionClosesRightAfterItsNextAck() {
    startServer(new SpoaServerOptions().setMaxConnectionAge(200).setMaxConnectionAgeJitter(0));
    handler("m", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "x", 1))));
    SpopTestClient c = readyClient();
    c.notify(1, 1, SpoaMessage.of("m")).await();
    awaitConnectionTimers(200); // its age timer has fired
    assertFalse(c.closed().isComplete(), "an old but idle connection waits for its next ACK");
    assertEquals(1, c.notify(3, 1, SpoaMessage.of("m")).await().actions().size(), "the NOTIFY is answered");
    assertDisconnect(c.nextFrame().await(), SpopStatus.NORMAL);
    c.closed().await();
  }

  // ---- drain ----

  @Test
  void theDrainFailsHealthChecksServesOpenConnectionsAndClosesThemAfterAnAck() {
    startServer(new SpoaServerOptions().setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST));
    handler("m", req -> vertx.timer(50).map(v -> List.of(Action.setVar(Scope.TXN, "x", 1))));
    SpopTestClient busy = readyClient();
    SpopTestClient quiet = readyClient();
    long drainStart = System.nanoTime();
    Future<Void> drained = server.shutdown(1500, TimeUnit.MILLISECONDS);

    SpopTestClient check = client();
    assertDisconnect(check.healthCheck().await(), SpopStatus.NORMAL);

    assertEquals(1, busy.notify(1, 1, SpoaMessage.of("m")).await().actions().size(), "still served");
    assertDisconnect(busy.nextFrame().await(), SpopStatus.NORMAL);
    busy.closed().await();

    // with no NOTIFY to answer, the quiet one goes once it has been quiet for drainIdleTimeout
    assertDisconnect(quiet.nextFrame().await(), SpopStatus.NORMAL);
    assertTrue(System.nanoTime() - drainStart >= TimeUnit.MILLISECONDS.toNanos(SpoaServerOptions.DEFAULT_DRAIN_IDLE_TIMEOUT),
      "a quiet connection is not closed when the drain begins");
    int port = server.actualPort();
    drained.await();
    // the listener is closed (its channel may be unbound on its event loop just after the close
    // completes, as seen once under a busy core)
    Await.until(() -> {
      try {
        SpopTestClient.connect(vertx, port, "127.0.0.1").await().close();
        return false;
      } catch (Exception refused) { // await() rethrows the ConnectException as is
        return true;
      }
    }, "the listener closes after the drain");
  }

  // ---- async ----

  private static final List<Action> LATE = List.of(Action.setVar(Scope.SESS, "late", 1));

  /** The first connection's AGENT-HELLO, and the future of the late ACK on the second one. */
  private record HandOver(KvFrame firstHello, SpopTestClient second, Future<AckFrame> lateAckOnSecond) {
  }

  /**
   * Two connections of one engine, both offering async. A NOTIFY on the first is answered only once
   * the server has seen the first close, so its ACK has no connection of its own to go to.
   */
  private HandOver answerOnceItsConnectionClosed() {
    Promise<List<Action>> held = Promise.promise();
    handler("held", req -> held.future());
    String engine = UUID.randomUUID().toString();
    SpopTestClient first = client();
    KvFrame firstHello = first.hello(helloEntries("pipelining,async", 16380, engine)).await();
    SpopTestClient second = client();
    second.hello(helloEntries("pipelining,async", 16380, engine)).await();
    first.send(NotifyFrame.of(11, 2, SpoaMessage.of("held"))).await();
    Future<AckFrame> onSecond = second.expectAck(11, 2);
    first.close().await();
    Await.until(() -> metrics.closed.get() == 1, "the server saw the first connection close");
    held.complete(LATE);
    return new HandOver(firstHello, second, onSecond);
  }

  @Test
  void withAsyncAnAckWhoseConnectionClosedGoesOutOnAnotherOfTheEngine() {
    startServer(new SpoaServerOptions().setAsync(true));
    HandOver h = answerOnceItsConnectionClosed();
    assertTrue(h.firstHello().get("capabilities").asString().contains("async"));
    assertEquals(LATE, h.lateAckOnSecond().await().actions());
  }

  @Test
  void withoutAsyncNoOtherConnectionGetsTheAck() {
    startServer(new SpoaServerOptions()); // async off by default
    HandOver h = answerOnceItsConnectionClosed();
    assertFalse(h.firstHello().get("capabilities").asString().contains("async"));
    Await.until(() -> metrics.notifies.get() == 1, "the late answer is ready");
    // one NOTIFY round trip on the second connection: an ACK handed over to it would arrive first
    assertTrue(h.second().notify(1, 1).await().actions().isEmpty(), "the second connection works");
    assertFalse(h.lateAckOnSecond().isComplete(), "no ACK handed over without async");
  }

  // ---- unix socket ----

  @Test
  void aUnixSocketListenerReplacesAStaleSocketFile() throws Exception {
    Path dir = tmp;
    Path sock = dir.resolve("agent.sock");
    try (var stale = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      stale.bind(java.net.UnixDomainSocketAddress.of(sock)); // closed without removing the file
    }
    assertTrue(Files.exists(sock));
    server = SpoaServer.create(vertx, new SpoaServerOptions().setUnixSocketPath(sock.toString())
      .setUnixSocketPermissions("rw-rw----")).metrics(metrics);
    server.listen().await();
    assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
    handler("m", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "uds", true))));
    SpopTestClient c = SpopTestClient.connect(vertx, SocketAddress.domainSocketAddress(sock.toString())).await();
    clients.add(c);
    c.hello().await();
    assertEquals(List.of(Action.setVar(Scope.TXN, "uds", true)), c.notify(1, 1, SpoaMessage.of("m")).await().actions());

    Path regular = dir.resolve("not-a-socket");
    Files.writeString(regular, "keep me");
    SpoaServer refused = SpoaServer.create(vertx, new SpoaServerOptions().setUnixSocketPath(regular.toString()));
    Throwable t = assertFails(refused.listen());
    assertTrue(t.getMessage().contains("not a socket"), t.getMessage());
    assertEquals("keep me", Files.readString(regular));
  }

}
