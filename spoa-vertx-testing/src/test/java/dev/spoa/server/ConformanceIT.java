package dev.spoa.server;

import dev.spoa.Await;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.HaproxyPersonality;
import dev.spoa.testing.SpopTestClient.StreamIds;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same SPOP conformance checks against the agent, once as HAProxy 2.6 and once as HAProxy 3.x
 * ({@link HaproxyPersonality}): handshake, health check, pipelining with each version's ids, empty
 * NOTIFY, DISCONNECT, connections dropped without DISCONNECT, and extreme ids.
 */
class ConformanceIT extends AgentTestBase {
  /** "echo": sets txn.echo to the argument "v", after a random delay of 1 to 30 ms. */
  private void echoHandler(Future<Void> gate) {
    SpoaHandlers.register(vertx, "echo", req -> {
      String v = req.arg("v").asString();
      return gate.compose(x -> vertx.timer(ThreadLocalRandom.current().nextInt(1, 31)))
        .map(x -> List.of(Action.setVar(Scope.TXN, "echo", v)));
    }).await();
  }

  private static SpoaMessage echo(String v) {
    return SpoaMessage.of("echo", Arg.of("v", TypedValue.ofString(v)));
  }

  private static List<Action> echoed(String v) {
    return List.of(Action.setVar(Scope.TXN, "echo", v));
  }

  private static Set<String> tokens(KvFrame hello) {
    Set<String> set = new HashSet<>();
    for (String t : hello.get("capabilities").asString().split(",")) {
      if (!t.isBlank()) {
        set.add(t.trim());
      }
    }
    return set;
  }

  @ParameterizedTest
  @EnumSource(HaproxyPersonality.class)
  void helloIsAnsweredWithVersionFrameSizeAndAgreedCapabilities(HaproxyPersonality personality) {
    startServer(new SpoaServerOptions().setMaxFrameSize(8192).setAsync(true));
    SpopTestClient c = client(personality);
    KvFrame hello = c.hello().await();
    assertEquals(FrameType.AGENT_HELLO, hello.type());
    assertEquals(Frame.FLAG_FIN, hello.flags());
    assertEquals(0, hello.streamId());
    assertEquals(0, hello.frameId());
    assertEquals("2.0", hello.get("version").asString());
    assertEquals(8192, hello.get("max-frame-size").asLong(), "HAProxy's 16380 capped by the agent's 8192");
    Set<String> caps = tokens(hello);
    assertTrue(caps.contains("pipelining"), caps::toString);
    assertEquals(personality == HaproxyPersonality.HAPROXY_2_6, caps.contains("async"),
      () -> "async is agreed only when HAProxy offers it: " + caps);

    KvFrame smaller = client(personality).hello(personality.capabilities(), 1024).await();
    assertEquals(1024, smaller.get("max-frame-size").asLong(), "HAProxy's smaller value wins");
  }

  @ParameterizedTest
  @EnumSource(HaproxyPersonality.class)
  void healthCheckGetsAFullHelloThenClose(HaproxyPersonality personality) {
    startServer(new SpoaServerOptions().setAsync(true));
    SpopTestClient c = client(personality);
    KvFrame hello = c.healthCheck().await();
    assertEquals(FrameType.AGENT_HELLO, hello.type());
    assertEquals(Frame.FLAG_FIN, hello.flags(), "3.x's check wants FLAGS exactly 00000001");
    assertEquals(0, hello.streamId());
    assertEquals(0, hello.frameId());
    assertEquals("2.0", hello.get("version").asString());
    assertEquals(16380, hello.get("max-frame-size").asLong());
    assertTrue(hello.entries().containsKey("capabilities"), "3.x's check fails without capabilities");
    Set<String> caps = tokens(hello);
    assertFalse(caps.contains("pipelining") || caps.contains("async"), () -> "nothing offered, nothing agreed: " + caps);
    c.closed().await();
    assertEquals(1, metrics.healthChecks.get());
  }

  @ParameterizedTest
  @EnumSource(HaproxyPersonality.class)
  void twentyPipelinedNotifiesAreAckedWithTheirOwnIdsAndActions(HaproxyPersonality personality) {
    startServer(new SpoaServerOptions().setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST));
    Promise<Void> gate = Promise.promise();
    echoHandler(gate.future());
    SpopTestClient c = readyClient(personality);
    List<Future<AckFrame>> acks = new ArrayList<>();
    List<StreamIds> sent = new ArrayList<>();
    List<StreamIds> arrival = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 20; i++) {
      Future<AckFrame> ack = c.notify(echo("n" + i));
      ack.onSuccess(a -> arrival.add(new StreamIds(a.streamId(), a.frameId())));
      acks.add(ack);
    }
    // The handlers wait for the gate, so all 20 are in flight: HAProxy would not send a 21st.
    Throwable refused = assertThrows(Throwable.class, () -> c.notify(echo("21st")).await());
    assertInstanceOf(IllegalStateException.class, refused);
    gate.complete();

    for (int i = 0; i < 20; i++) {
      AckFrame ack = acks.get(i).await();
      sent.add(new StreamIds(ack.streamId(), ack.frameId()));
      assertEquals(echoed("n" + i), ack.actions(), "ACK " + i + " carries its own NOTIFY's actions");
    }
    // notify() matched each ACK by its ids; check they are the ids this HAProxy uses.
    if (personality == HaproxyPersonality.HAPROXY_3_X) {
      for (int i = 0; i < 20; i++) {
        assertEquals(new StreamIds(2L * i + 1, 1), sent.get(i), "3.x: odd stream-ids, frame-id 1");
      }
    } else {
      assertEquals(new StreamIds(0, 1), sent.get(0), "2.6: the first stream of a fresh process is 0");
      assertEquals(new StreamIds(0, 2), sent.get(1), "2.6: frame-ids count up within a stream");
      assertEquals(new StreamIds(2, 1), sent.get(2), "2.6: the applet's stream leaves a gap");
    }
    assertEquals(20, new HashSet<>(sent).size(), "distinct ids");
    assertEquals(Set.copyOf(sent), Set.copyOf(arrival), "every ACK arrived (in whatever order)");
    assertEquals(20, metrics.notifies.get());
  }

  @ParameterizedTest
  @EnumSource(HaproxyPersonality.class)
  void anEmptyNotifyGetsAnEmptyAck(HaproxyPersonality personality) {
    startServer(new SpoaServerOptions());
    SpopTestClient c = readyClient(personality);
    AckFrame ack;
    if (personality.sendsEmptyNotify()) {
      ack = c.notifyEmpty().await();
      assertEquals(1, ack.streamId());
      assertEquals(1, ack.frameId());
    } else {
      assertThrows(IllegalArgumentException.class, () -> c.notifyEmpty().await(), "2.6 never sends one");
      StreamIds ids = c.nextIds();
      ack = c.notify(ids.streamId(), ids.frameId()).await(); // the agent copes all the same
      assertEquals(ids, new StreamIds(ack.streamId(), ack.frameId()));
    }
    assertEquals(FrameType.ACK, ack.type());
    assertEquals(Frame.FLAG_FIN, ack.flags());
    assertTrue(ack.actions().isEmpty(), ack::toString);
  }

  @ParameterizedTest
  @EnumSource(HaproxyPersonality.class)
  void haproxyDisconnectIsAnsweredWithStatusZeroThenClosed(HaproxyPersonality personality) {
    startServer(new SpoaServerOptions());
    SpopTestClient c = readyClient(personality);
    // 2.6 disconnects idle connections with status 2, 3.x with 0.
    KvFrame answer = personality == HaproxyPersonality.HAPROXY_2_6
      ? c.disconnect(2, "a timeout occurred").await()
      : c.disconnect(0, "normal").await();
    assertEquals(FrameType.AGENT_DISCONNECT, answer.type(), answer::toString);
    assertEquals(Frame.FLAG_FIN, answer.flags());
    assertEquals(SpopStatus.NORMAL.code(), answer.get("status-code").asLong());
    c.closed().await();
  }

  enum Drop { BARE_CLOSE, RST }

  static Stream<Arguments> personalitiesAndDrops() {
    return Arrays.stream(HaproxyPersonality.values())
      .flatMap(p -> Arrays.stream(Drop.values()).map(d -> Arguments.of(p, d)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("personalitiesAndDrops")
  void aConnectionDroppedWithNotifiesInFlightLeavesTheAgentServing(HaproxyPersonality personality, Drop drop)
    throws Exception {
    // no deadline may expire while the gate is shut: its fallback WARN would fail the log check
    startServer(new SpoaServerOptions().setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST));
    Promise<Void> gate = Promise.promise();
    AtomicInteger held = new AtomicInteger();
    SpoaHandlers.register(vertx, "held", req -> {
      held.incrementAndGet();
      return gate.future().map(v -> List.of(Action.setVar(Scope.TXN, "late", true)));
    }).await();
    echoHandler(Future.succeededFuture());

    try (LogCapture log = LogCapture.start()) {
      // SO_LINGER 0: this client's close is a TCP RST
      SpopTestClient first = readyClient(personality, new NetClientOptions().setSoLinger(drop == Drop.RST ? 0 : -1));
      List<Future<AckFrame>> inFlight = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        inFlight.add(first.notify(SpoaMessage.of("held")));
      }
      Await.until(() -> held.get() == 3, "3 NOTIFYs in the handler");
      first.close().await();
      Await.until(() -> metrics.closed.get() == 1, "the dropped connection counted closed");
      gate.complete(); // the handlers answer for a connection that is gone

      SpopTestClient second = readyClient(personality);
      AckFrame ack = second.notify(echo("still serving")).await();
      assertEquals(echoed("still serving"), ack.actions());
      assertEquals(2, metrics.opened.get());
      assertEquals(1, metrics.closed.get());
      assertEquals(0, metrics.disconnectsSent.values().stream().mapToInt(AtomicInteger::get).sum(),
        "no DISCONNECT for a connection HAProxy already dropped");
      for (Future<AckFrame> f : inFlight) {
        assertTrue(f.failed() || !f.isComplete(), "no ACK reached the dropped connection");
      }

      second.close().await();
      Await.until(() -> metrics.closed.get() == 2, "every connection counted closed");
      assertEquals(metrics.opened.get(), metrics.closed.get());

      LoggerFactory.getLogger(ConformanceIT.class).info("log capture check {}", drop);
      assertTrue(log.lines().stream().anyMatch(l -> l.contains("log capture check " + drop)), "the capture sees slf4j's lines");
      // A bare close or an RST is how HAProxy 3.x purges pooled connections: normal, not worth a warning.
      List<String> loud = log.lines().stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
      assertEquals(List.of(), loud, "WARN/ERROR lines logged while a connection was dropped");
    }
  }

  @ParameterizedTest
  @EnumSource(HaproxyPersonality.class)
  void streamIdZeroAndHugeIdsAreEchoedExactly(HaproxyPersonality personality) {
    startServer(new SpoaServerOptions().setHandlerTimeout(HANDLER_TIMEOUT_NOT_UNDER_TEST));
    echoHandler(Future.succeededFuture());
    SpopTestClient c = readyClient(personality);
    long[][] ids = {
      {0, 1},
      {Long.MAX_VALUE, Long.MAX_VALUE}, // 2^63-1
      {-1L, -1L},                       // 2^64-1 as unsigned
      {-1L, 1},
      {1, Long.MIN_VALUE},              // 2^63
    };
    List<Future<AckFrame>> acks = new ArrayList<>();
    for (long[] pair : ids) {
      acks.add(c.notify(pair[0], pair[1], echo(Long.toUnsignedString(pair[0]) + "/" + Long.toUnsignedString(pair[1]))));
    }
    for (int i = 0; i < ids.length; i++) {
      AckFrame ack = acks.get(i).await();
      assertEquals(ids[i][0], ack.streamId());
      assertEquals(ids[i][1], ack.frameId());
      assertEquals(echoed(Long.toUnsignedString(ids[i][0]) + "/" + Long.toUnsignedString(ids[i][1])), ack.actions());
    }
    assertNotEquals(0, metrics.notifies.get());
  }

  /**
   * Copies what is written to System.err meanwhile (the tests' logback writes there, looking System.err
   * up at each write), still passing it through.
   */
  static final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    static LogCapture start() {
      LogCapture c = new LogCapture();
      OutputStream tee = new OutputStream() {
        @Override
        public void write(int b) {
          synchronized (c.copy) {
            c.copy.write(b);
          }
          c.original.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          synchronized (c.copy) {
            c.copy.write(b, off, len);
          }
          c.original.write(b, off, len);
        }

        @Override
        public void flush() {
          c.original.flush();
        }
      };
      System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
      return c;
    }

    List<String> lines() {
      synchronized (copy) {
        return copy.toString(StandardCharsets.UTF_8).lines().toList();
      }
    }

    @Override
    public void close() {
      System.setErr(original);
    }
  }
}
