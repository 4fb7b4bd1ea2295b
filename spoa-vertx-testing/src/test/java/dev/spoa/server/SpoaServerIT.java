package dev.spoa.server;

import dev.spoa.Await;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.FragmentFrame;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server against the test client: handshake, dispatch, pipelining, fallbacks and protocol errors. */
class SpoaServerIT extends AgentTestBase {
  private static SpoaMessage ipMessage(String ip) throws Exception {
    return SpoaMessage.of("check-client-ip", Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName(ip))));
  }

  @Test
  void helloAgreesOnVersionFrameSizeAndPipelining() {
    startServer(new SpoaServerOptions().setMaxFrameSize(8192));
    KvFrame hello = client().hello("pipelining,async", 16380).await();
    assertEquals(FrameType.AGENT_HELLO, hello.type());
    assertEquals(Frame.FLAG_FIN, hello.flags());
    assertEquals("2.0", hello.get("version").asString());
    assertEquals(8192, hello.get("max-frame-size").asLong(), "bounded by the configured maximum");
    assertEquals("pipelining,fragmentation", hello.get("capabilities").asString(), "async is off by default");

    KvFrame smaller = client().hello("pipelining", 1024).await();
    assertEquals(1024, smaller.get("max-frame-size").asLong(), "HAProxy's smaller value wins");

    KvFrame none = client().hello("", 16380).await();
    assertEquals("fragmentation", none.get("capabilities").asString(), "announced whatever HAProxy offers");
  }

  @Test
  void pipeliningIsNotAnnouncedWhenDisabled() {
    startServer(new SpoaServerOptions().setPipelining(false).setFragmentation(false));
    assertEquals("", client().hello().await().get("capabilities").asString());
  }

  @Test
  void healthCheckGetsAFullHelloThenClose() {
    startServer();
    SpopTestClient c = client();
    KvFrame hello = c.healthCheck().await();
    assertEquals(FrameType.AGENT_HELLO, hello.type());
    assertEquals("2.0", hello.get("version").asString());
    assertTrue(hello.entries().containsKey("capabilities"), "capabilities must be present (HAProxy 3.x checks)");
    assertEquals(16380, hello.get("max-frame-size").asLong());
    c.closed().await();
    assertEquals(1, metrics.healthChecks.get());
  }

  @Test
  void notifyIsAnsweredWithTheHandlersActionsAndEchoedIds() throws Exception {
    startServer();
    handler("check-client-ip", req -> Future.succeededFuture(List.of(
      Action.setVar(Scope.SESS, "ip_score", req.arg("ip").asInetAddress().isLoopbackAddress() ? 20 : 10))));
    SpopTestClient c = readyClient();

    AckFrame ack = c.notify(0, 1, ipMessage("127.0.0.1")).await();
    assertEquals(0, ack.streamId(), "stream-id 0 is valid (HAProxy 2.6's first stream)");
    assertEquals(1, ack.frameId());
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", 20)), ack.actions());

    AckFrame other = c.notify(7, 3, ipMessage("192.0.2.1")).await();
    assertEquals(7, other.streamId());
    assertEquals(3, other.frameId());
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", 10)), other.actions());
  }

  @Test
  void pipelinedNotifiesAreAckedInCompletionOrder() throws Exception {
    startServer(new SpoaServerOptions().setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST));
    // The handler answers after the delay given in the "delay" argument.
    handler("slow", req -> {
      long delay = req.arg("delay").asLong();
      return vertx.timer(delay).map(v -> List.of(Action.setVar(Scope.TXN, "delay", delay)));
    });
    SpopTestClient c = readyClient();
    long[] delays = {300, 150, 1};
    Buffer oneWrite = Buffer.buffer();
    for (int i = 0; i < delays.length; i++) {
      oneWrite.appendBuffer(FrameEncoder.encode(NotifyFrame.of(i + 1, 1,
        SpoaMessage.of("slow", Arg.of("delay", TypedValue.ofInt64(delays[i]))))));
    }
    c.write(oneWrite).await();
    List<Long> order = new ArrayList<>();
    for (int i = 0; i < delays.length; i++) {
      AckFrame ack = (AckFrame) c.nextFrame().await();
      order.add(ack.streamId());
      assertEquals(delays[(int) ack.streamId() - 1], ack.actions().get(0).value().asLong(), "actions match their ids");
    }
    assertEquals(List.of(3L, 2L, 1L), order);
    // each ACK's time in the agent, read to written, covers its handler's delay
    Await.until(() -> metrics.ackLatencies.size() == 3, () -> "ACK latencies reported: " + metrics.ackLatencies);
    List<Long> latencies = new ArrayList<>(metrics.ackLatencies);
    for (int i = 0; i < delays.length; i++) {
      long delay = delays[delays.length - 1 - i]; // written in completion order: shortest first
      assertTrue(latencies.get(i) >= TimeUnit.MILLISECONDS.toNanos(delay), () -> "latencies " + latencies);
    }
  }

  @Test
  void messagesOfOneNotifyGoToTheirOwnHandlersAndMergeInOrder() throws Exception {
    startServer(new SpoaServerOptions().setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST));
    handler("first", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "a", 1))));
    handler("second", req -> vertx.timer(50).map(v -> List.of(Action.setVar(Scope.TXN, "b", 2),
      Action.unsetVar(Scope.TXN, "c"))));
    SpopTestClient c = readyClient();
    AckFrame ack = c.notify(5, 1, SpoaMessage.of("second"), SpoaMessage.of("nobody-handles-this"),
      SpoaMessage.of("first")).await();
    assertEquals(List.of(Action.setVar(Scope.TXN, "b", 2), Action.unsetVar(Scope.TXN, "c"),
      Action.setVar(Scope.TXN, "a", 1)), ack.actions());
    assertEquals(1, metrics.fallbacks(FallbackReason.NO_HANDLER));
  }

  @Test
  void anEmptyNotifyGetsAnEmptyAck() {
    startServer();
    AckFrame ack = readyClient().notify(1, 1).await();
    assertTrue(ack.actions().isEmpty());
  }

  @Test
  void failingThrowingAndSilentHandlersStillYieldAnAck() throws Exception {
    startServer(new SpoaServerOptions().setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST).setHandlerTimeout("silent", 200));
    handler("fails", req -> Future.failedFuture(new IllegalStateException("boom")));
    handler("throws", req -> {
      throw new IllegalArgumentException("bang");
    });
    handler("silent", req -> Promise.<List<Action>>promise().future());
    handler("ok", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "ok", true))));
    SpopTestClient c = readyClient();
    assertTrue(c.notify(1, 1, SpoaMessage.of("fails")).await().actions().isEmpty());
    assertTrue(c.notify(2, 1, SpoaMessage.of("throws")).await().actions().isEmpty());
    long t0 = System.nanoTime();
    AckFrame late = c.notify(3, 1, SpoaMessage.of("silent"), SpoaMessage.of("ok")).await();
    assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(150), "answered at the deadline, not before");
    assertEquals(List.of(Action.setVar(Scope.TXN, "ok", true)), late.actions(), "the other message keeps its actions");
    assertEquals(2, metrics.fallbacks(FallbackReason.HANDLER_FAILURE));
    assertEquals(1, metrics.fallbacks(FallbackReason.TIMEOUT));
  }

  @Test
  void workerVerticleHandlersServeBlockingCode() throws Exception {
    startServer(new SpoaServerOptions().setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST));
    List<String> threads = new CopyOnWriteArrayList<>();
    vertx.deployVerticle(SpoaHandlerVerticle.of("check-client-ip", req -> {
      threads.add(Thread.currentThread().getName());
      try {
        Thread.sleep(20); // blocking is allowed on a worker
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Future.succeededFuture(List.of(Action.setVar(Scope.SESS, "ip_score", 1)));
    }), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await();
    SpopTestClient c = readyClient();
    List<Future<AckFrame>> acks = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      acks.add(c.notify(i, 1, ipMessage("10.0.0." + i)));
    }
    for (Future<AckFrame> f : acks) {
      assertEquals(1, f.await().actions().size());
    }
    assertEquals(5, threads.size());
    assertTrue(threads.stream().allMatch(t -> t.startsWith("vert.x-worker-thread")), threads::toString);
  }

  /**
   * Sends {@code count} NOTIFYs of "held" in one write, so that a server ignoring its cap would
   * read them all at once; waits until {@code cap} of them are held, then releases them one at a
   * time as they reach the handler. Each release lets one more in (a cap of 1 or 2 resumes at the
   * first answer, see afterReachingTheCapReadingResumesAtHalfOfIt): the handler then never
   * holds more than {@code cap} at once ({@link HeldRequests#mostAtOnce()}).
   */
  private static void sendAllThenReleaseOneByOne(SpopTestClient c, HeldRequests held, int count, int cap) {
    List<Future<AckFrame>> acks = sendHeldInOneWrite(c, count);
    Await.until(() -> held.count() >= cap, () -> held.count() + " NOTIFYs in the handler, expected " + cap);
    for (int released = 0; released < count; released++) {
      int waitingFor = released + 1;
      Await.until(() -> held.count() >= waitingFor, () -> held.count() + " NOTIFYs reached the handler");
      held.release(released, List.of());
    }
    for (Future<AckFrame> f : acks) {
      f.await();
    }
    assertEquals(count, held.count());
  }

  /** NOTIFYs 1 to {@code count} of "held", in one write: a server ignoring its cap would read them all at once. */
  private static List<Future<AckFrame>> sendHeldInOneWrite(SpopTestClient c, int count) {
    List<Future<AckFrame>> acks = new ArrayList<>();
    Buffer oneWrite = Buffer.buffer();
    for (int i = 1; i <= count; i++) {
      acks.add(c.expectAck(i, 1));
      oneWrite.appendBuffer(FrameEncoder.encode(NotifyFrame.of(i, 1, SpoaMessage.of("held"))));
    }
    c.write(oneWrite).await();
    return acks;
  }

  @Test
  void inFlightNotifiesPerConnectionAreCapped() {
    startServer(new SpoaServerOptions().setMaxInFlightPerConnection(2));
    HeldRequests held = holdRequests("held");
    SpopTestClient c = readyClient();
    sendAllThenReleaseOneByOne(c, held, 5, 2);
    assertEquals(2, held.mostAtOnce(), "the server reads up to the cap, then stops until an ACK");
  }

  @Test
  void afterReachingTheCapReadingResumesAtHalfOfIt() {
    startServer(new SpoaServerOptions().setMaxInFlightPerConnection(4));
    HeldRequests held = holdRequests("held");
    SpopTestClient c = readyClient();
    List<Future<AckFrame>> acks = sendHeldInOneWrite(c, 8);
    Await.until(() -> held.count() == 4, () -> held.count() + " NOTIFYs in the handler, expected the cap, 4");
    held.release(0, List.of());
    // the server decides whether to read on in the turn that handles the answer, and writes the
    // ACK at the end of that turn: once the ACK is here, a 5th NOTIFY would have been read
    acks.get(0).await();
    assertEquals(4, metrics.notifiesRead.get(), "3 in flight, above half the cap: still paused");
    held.release(1, List.of());
    Await.until(() -> held.count() == 6, () -> held.count() + " NOTIFYs in the handler, expected 6");
    for (int i = 2; i < 8; i++) {
      int waitingFor = i;
      Await.until(() -> held.count() > waitingFor, () -> held.count() + " NOTIFYs reached the handler");
      held.release(i, List.of());
    }
    for (Future<AckFrame> f : acks) {
      f.await();
    }
    assertEquals(4, held.mostAtOnce());
  }

  @Test
  void withoutPipeliningOneNotifyIsInFlight() {
    startServer();
    HeldRequests held = holdRequests("held");
    SpopTestClient c = client();
    assertEquals("fragmentation", c.hello("async", 16380).await().get("capabilities").asString());
    sendAllThenReleaseOneByOne(c, held, 2, 1);
    assertEquals(1, held.mostAtOnce(), "the second NOTIFY is read only after the first one's ACK");
  }

  @Test
  void framesDeliveredByteByByteAreReassembled() throws Exception {
    startServer();
    handler("check-client-ip", req -> Future.succeededFuture(List.of(Action.setVar(Scope.SESS, "ip_score", 20))));
    SpopTestClient c = client();
    Map<String, TypedValue> hello = new LinkedHashMap<>();
    hello.put("supported-versions", TypedValue.ofString("2.0"));
    hello.put("max-frame-size", TypedValue.ofUint32(16380));
    hello.put("capabilities", TypedValue.ofString("pipelining,async"));
    Buffer bytes = FrameEncoder.encode(KvFrame.of(FrameType.HAPROXY_HELLO, hello))
      .appendBuffer(FrameEncoder.encode(NotifyFrame.of(9, 2, ipMessage("127.0.0.1"))));
    Future<AckFrame> ack = c.expectAck(9, 2);
    c.writeByteByByte(bytes, 1).await();
    assertEquals(FrameType.AGENT_HELLO, c.nextFrame().await().type());
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", 20)), ack.await().actions());
  }

  @Test
  void notifyBeforeHelloIsAnInvalidFrame() throws Exception {
    startServer();
    SpopTestClient c = client();
    c.send(NotifyFrame.of(1, 1, ipMessage("127.0.0.1"))).await();
    assertDisconnect(c.nextKvFrame().await(), SpopStatus.INVALID_FRAME);
    c.closed().await();
  }

  @Test
  void helloProblemsGetTheirStatus() {
    startServer();
    Map<String, TypedValue> wrongVersion = new LinkedHashMap<>();
    wrongVersion.put("supported-versions", TypedValue.ofString("1.0,2.1"));
    wrongVersion.put("max-frame-size", TypedValue.ofUint32(16380));
    assertDisconnect(client().hello(wrongVersion).await(), SpopStatus.UNSUPPORTED_VERSION);

    Map<String, TypedValue> noVersion = new LinkedHashMap<>();
    noVersion.put("max-frame-size", TypedValue.ofUint32(16380));
    assertDisconnect(client().hello(noVersion).await(), SpopStatus.NO_VERSION);

    Map<String, TypedValue> noSize = new LinkedHashMap<>();
    noSize.put("supported-versions", TypedValue.ofString("2.0"));
    assertDisconnect(client().hello(noSize).await(), SpopStatus.NO_MAX_FRAME_SIZE);

    assertDisconnect(client().hello("pipelining", 255).await(), SpopStatus.BAD_MAX_FRAME_SIZE);
    assertEquals(1, metrics.disconnectsSent(SpopStatus.BAD_MAX_FRAME_SIZE.code()));
  }

  @Test
  void frameLengthsAreCheckedBeforeTheBodyIsRead() {
    startServer(new SpoaServerOptions().setMaxFrameSize(1024));
    SpopTestClient big = client();
    big.write(Buffer.buffer().appendInt(1025)).await(); // no body follows: the length alone decides
    assertDisconnect(big.nextKvFrame().await(), SpopStatus.FRAME_TOO_BIG);
    big.closed().await();

    SpopTestClient huge = client();
    huge.write(Buffer.buffer().appendInt(0x7FFFFFFF)).await();
    assertDisconnect(huge.nextKvFrame().await(), SpopStatus.FRAME_TOO_BIG);

    SpopTestClient tiny = client();
    tiny.write(Buffer.buffer().appendInt(3).appendBytes(new byte[3])).await();
    assertDisconnect(tiny.nextKvFrame().await(), SpopStatus.INVALID_FRAME);

    SpopTestClient negative = client();
    negative.write(Buffer.buffer().appendInt(-1)).await();
    assertDisconnect(negative.nextKvFrame().await(), SpopStatus.FRAME_TOO_BIG);
  }

  @Test
  void afterHelloTheAgreedFrameSizeApplies() {
    startServer();
    SpopTestClient c = client();
    assertEquals(512, c.hello("pipelining", 512).await().get("max-frame-size").asLong());
    Buffer big = FrameEncoder.encode(NotifyFrame.of(1, 1, SpoaMessage.of("m",
      Arg.of("blob", TypedValue.ofBinary(new byte[600])))));
    c.write(big).await();
    assertDisconnect(c.nextKvFrame().await(), SpopStatus.FRAME_TOO_BIG);
  }

  @Test
  void fragmentsAreRefusedWhenFragmentationIsDisabled() {
    startServer(new SpoaServerOptions().setFragmentation(false));
    SpopTestClient c = readyClient();
    c.send(new FragmentFrame(FrameType.NOTIFY, 0, 1, 1, Buffer.buffer(new byte[]{0x01, 'm', 0}))).await();
    assertDisconnect(c.nextKvFrame().await(), SpopStatus.FRAGMENTATION_NOT_SUPPORTED);
  }

  @Test
  void unexpectedFrameTypesAfterHelloAreInvalid() {
    startServer();
    SpopTestClient c = readyClient();
    c.write(FrameEncoder.ack(1, 1, List.of())).await();
    assertDisconnect(c.nextKvFrame().await(), SpopStatus.INVALID_FRAME);
  }

  @Test
  void haproxyDisconnectIsAnsweredThenClosed() {
    startServer();
    SpopTestClient c = readyClient();
    assertDisconnect(c.disconnect(2, "a timeout occurred").await(), SpopStatus.NORMAL);
    c.closed().await();
  }

  @Test
  void oversizedAcksKeepTheActionsThatFit() {
    startServer();
    List<Action> many = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      many.add(Action.setVar(Scope.TXN, "v" + i, "x".repeat(20)));
    }
    handler("big", req -> Future.succeededFuture(many));
    SpopTestClient c = client();
    c.hello("pipelining", 256).await();
    AckFrame ack = c.notify(1, 1, SpoaMessage.of("big")).await();
    int kept = ack.actions().size();
    assertTrue(kept > 0 && kept < many.size(), "kept " + kept);
    assertEquals(many.subList(0, kept), ack.actions(), "the first actions are kept, in order");
    assertTrue(FrameEncoder.ack(1, 1, ack.actions()).length() - 4 <= 256);
    assertTrue(FrameEncoder.ack(1, 1, many.subList(0, kept + 1)).length() - 4 > 256, "as many as fit");
    assertEquals(many.size() - kept, metrics.trimmedActions.get());
  }

  @Test
  void shutdownAnswersInFlightNotifiesThenDisconnects() {
    startServer();
    HeldRequests held = holdRequests("held");
    SpopTestClient c = readyClient();
    Future<AckFrame> ack = c.notify(1, 1, SpoaMessage.of("held"));
    Await.until(() -> held.count() == 1, "the NOTIFY in the handler");
    Future<Void> shutdown = server.shutdown(5, TimeUnit.SECONDS);
    // answered only once the shutdown has begun: the NOTIFY is in flight during it
    held.release(0, List.of(Action.setVar(Scope.TXN, "done", true)));
    assertEquals(1, ack.await().actions().size(), "the in-flight NOTIFY is answered");
    assertDisconnect(c.nextKvFrame().await(), SpopStatus.NORMAL);
    c.closed().await();
    shutdown.await();
  }

  @Test
  void manyConnectionsAreServedAndCounted() throws Exception {
    startServer();
    AtomicInteger calls = new AtomicInteger();
    handler("check-client-ip", req -> {
      calls.incrementAndGet();
      return Future.succeededFuture(List.of(Action.setVar(Scope.SESS, "ip_score", 20)));
    });
    List<SpopTestClient> conns = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      conns.add(readyClient());
    }
    List<Future<AckFrame>> acks = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      for (SpopTestClient conn : conns) {
        acks.add(conn.notify(round, 1, ipMessage("127.0.0.1")));
      }
    }
    for (Future<AckFrame> f : acks) {
      assertEquals(1, f.await().actions().size());
    }
    assertEquals(200, calls.get());
    assertEquals(200, metrics.notifies.get());
    conns.forEach(conn -> conn.close().await());
    Await.until(() -> metrics.closed.get() == 10, () -> "closes counted: " + metrics.closed.get());
    assertEquals(metrics.opened.get(), metrics.closed.get(), "every connection is accounted for");
  }
}
