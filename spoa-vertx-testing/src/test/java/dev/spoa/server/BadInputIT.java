package dev.spoa.server;

import dev.spoa.Await;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.metrics.MicrometerSpoaMetrics;
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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input over real sockets against an in-process agent on 127.0.0.1. Each case checks the
 * defined answer (the AGENT-DISCONNECT status, then a close), that the agent still serves a new
 * connection, and that nothing is left behind: connections opened == closed, the connection and
 * in-flight gauges back to 0.
 */
class BadInputIT {

  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private SpoaServer server;
  private final List<SpopTestClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    SpoaHandlers.register(vertx, "m", req -> Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "ok", 1)))).await();
  }

  @AfterEach
  void tearDown() {
    clients.forEach(SpopTestClient::close);
    vertx.close().await();
  }

  private void startServer(SpoaServerOptions options) {
    server = SpoaServer.create(vertx, options.setPort(0).setHost("127.0.0.1"))
      .metrics(new MicrometerSpoaMetrics(registry));
    server.listen().await();
  }

  private void startServer() {
    // a short hello timeout, so that a case that would wait for one is seen answering status 2
    startServer(new SpoaServerOptions().setHelloTimeout(2000));
  }

  private SpopTestClient client() {
    SpopTestClient c = SpopTestClient.connect(vertx, server.actualPort(), "127.0.0.1").await();
    clients.add(c);
    return c;
  }

  private SpopTestClient readyClient() {
    SpopTestClient c = client();
    assertEquals(FrameType.AGENT_HELLO, c.hello().await().type());
    return c;
  }

  private static void assertDisconnect(Frame frame, SpopStatus status, String what) {
    KvFrame kv = assertInstanceOf(KvFrame.class, frame, what);
    assertEquals(FrameType.AGENT_DISCONNECT, kv.type(), () -> what + ": expected AGENT-DISCONNECT, got " + frame);
    assertEquals(status.code(), kv.get("status-code").asLong(), () -> what + ": status of " + frame);
  }

  /** Writes {@code bytes} (after a HELLO when asked) and expects this DISCONNECT, then the close. */
  private void expect(SpopStatus status, boolean afterHello, Buffer bytes, String what) {
    SpopTestClient c = afterHello ? readyClient() : client();
    c.write(bytes).await();
    assertDisconnect(c.nextFrame().await(), status, what);
    c.closed().await();
  }

  /** The agent still serves a new connection, and once every client is gone nothing is left. */
  private void assertServesAndNothingLeftBehind() {
    SpopTestClient fresh = readyClient();
    assertEquals(List.of(Action.setVar(Scope.TXN, "ok", 1)), fresh.notify(1, 1, SpoaMessage.of("m")).await().actions(),
      "a new connection is served");
    clients.forEach(c -> c.close().await());
    clients.clear();
    Await.until(() -> gauge("spoa.connections.active") == 0 && opened() == closed(),
      () -> "connections: active " + gauge("spoa.connections.active") + ", opened " + opened() + ", closed " + closed());
    assertEquals(0, gauge("spoa.notify.in.flight"), "in-flight NOTIFYs");
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  private double opened() {
    return registry.get("spoa.connections").tag("outcome", "opened").counter().count();
  }

  private double closed() {
    return registry.get("spoa.connections").tag("outcome", "closed").counter().count();
  }

  private static Buffer hex(String hex) {
    return Buffer.buffer(java.util.HexFormat.of().parseHex(hex.replace(" ", "")));
  }

  /** A frame with a correct length prefix around {@code body}. */
  private static Buffer framed(String bodyHex) {
    Buffer body = hex(bodyHex);
    return Buffer.buffer().appendInt(body.length()).appendBuffer(body);
  }

  private static Map<String, TypedValue> hello(String version, long maxFrameSize, String capabilities) {
    Map<String, TypedValue> kv = new LinkedHashMap<>();
    kv.put("supported-versions", TypedValue.ofString(version));
    kv.put("max-frame-size", TypedValue.ofUint32(maxFrameSize));
    kv.put("capabilities", TypedValue.ofString(capabilities));
    return kv;
  }

  // ---- garbage ----

  @Test
  void randomBytesGetADisconnectAndAClose() throws Exception {
    startServer();
    Random rnd = new Random(0xBAD1);
    List<SpopTestClient> cs = new ArrayList<>();
    List<Future<Frame>> answers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      byte[] junk = new byte[1 + rnd.nextInt(3000)];
      rnd.nextBytes(junk);
      SpopTestClient c = client();
      cs.add(c);
      c.write(Buffer.buffer(junk));
      answers.add(c.nextFrame());
    }
    for (int i = 0; i < cs.size(); i++) {
      KvFrame kv = assertInstanceOf(KvFrame.class, answers.get(i).await());
      assertEquals(FrameType.AGENT_DISCONNECT, kv.type());
      long status = kv.get("status-code").asLong();
      // too big or too small a length, a frame that does not parse, or a length whose body never comes
      assertTrue(Set.of(2L, 3L, 4L).contains(status), "junk " + i + ": status " + status);
      cs.get(i).closed().await();
    }
    assertServesAndNothingLeftBehind();
  }

  @Test
  void anHttpRequestOnTheSpopPortIsTooBigAFrameAtOnce() throws Exception {
    startServer();
    for (String probe : List.of("GET / HTTP/1.1\r\nHost: agent\r\n\r\n", "HEAD /health HTTP/1.0\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "PROXY TCP4 127.0.0.1 127.0.0.1 1 2\r\n",
      "\u0016\u0003\u0001\u0002\u0000\u0001")) { // and a TLS ClientHello start
      // "GET " = 0x47455420: the length check answers before anything else is read
      expect(SpopStatus.FRAME_TOO_BIG, false, Buffer.buffer(probe.getBytes(StandardCharsets.ISO_8859_1)), probe.trim());
    }
    assertServesAndNothingLeftBehind();
  }

  // ---- lengths ----

  @Test
  void lengthsBelowSevenAreInvalidAndHugeOrNegativeOnesTooBig() throws Exception {
    startServer();
    for (int len = 0; len <= 6; len++) {
      expect(SpopStatus.INVALID_FRAME, false, Buffer.buffer().appendInt(len), "length " + len + " before HELLO");
      expect(SpopStatus.INVALID_FRAME, true, Buffer.buffer().appendInt(len).appendBytes(new byte[len]),
        "length " + len + " after HELLO");
    }
    for (int len : new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, -7}) {
      expect(SpopStatus.FRAME_TOO_BIG, false, Buffer.buffer().appendInt(len), "length " + len + " before HELLO");
      expect(SpopStatus.FRAME_TOO_BIG, true, Buffer.buffer().appendInt(len), "length " + len + " after HELLO");
    }
    assertServesAndNothingLeftBehind();
  }

  @Test
  void aOneGibHeaderThenSilenceIsRefusedByTheSizeCheckNotByATimeout() throws Exception {
    startServer(new SpoaServerOptions().setHelloTimeout(30_000)); // a timeout would not come within the test
    expect(SpopStatus.FRAME_TOO_BIG, false, Buffer.buffer().appendInt(1 << 30), "1 GiB before HELLO");
    expect(SpopStatus.FRAME_TOO_BIG, true, Buffer.buffer().appendInt(1 << 30), "1 GiB after HELLO");
    assertServesAndNothingLeftBehind();
  }

  // ---- varints and types ----

  @Test
  void truncatedAndElevenByteVarintsAreInvalid() throws Exception {
    startServer();
    expect(SpopStatus.INVALID_FRAME, false, framed("01 00000001 00 f0"), "frame-id cut after its first byte");
    expect(SpopStatus.INVALID_FRAME, false, framed("01 00000001 f0 80"), "stream-id cut after two bytes");
    expect(SpopStatus.INVALID_FRAME, false, framed("01 00000001 00 00 12 7375"), "KV key length past the frame");
    expect(SpopStatus.INVALID_FRAME, false, framed("01 00000001 00 00 01 6b 03 ff"), "UINT32 value cut");
    String eleven = "ff f0 fe fe fe fe fe fe fe fe 0e"; // 11 bytes: no 64-bit value needs them
    expect(SpopStatus.INVALID_FRAME, false, framed("01 00000001 " + eleven + " 00"), "11-byte stream-id before HELLO");
    expect(SpopStatus.INVALID_FRAME, true, framed("03 00000001 " + eleven + " 01 01 6d 00"), "11-byte stream-id in a NOTIFY");
    expect(SpopStatus.INVALID_FRAME, true, framed("03 00000001 01 01 01 6d 01 01 61 04 " + eleven),
      "11-byte INT64 argument");
    assertServesAndNothingLeftBehind();
  }

  @Test
  void unknownAndAgentOnlyFrameTypesAreInvalid() throws Exception {
    startServer();
    for (int type : new int[] {4, 99, 100, 104, 255}) {
      String body = String.format("%02x 00000001 00 00", type);
      expect(SpopStatus.INVALID_FRAME, false, framed(body), "type " + type + " before HELLO");
      expect(SpopStatus.INVALID_FRAME, true, framed(body), "type " + type + " after HELLO");
    }
    // the agent's own frame types, sent by the peer
    expect(SpopStatus.INVALID_FRAME, false, FrameEncoder.ack(1, 1, List.of()), "ACK before HELLO");
    expect(SpopStatus.INVALID_FRAME, true, FrameEncoder.ack(1, 1, List.of()), "ACK after HELLO");
    expect(SpopStatus.INVALID_FRAME, true, FrameEncoder.agentHello(16380, ""), "AGENT-HELLO after HELLO");
    expect(SpopStatus.INVALID_FRAME, false, FrameEncoder.agentDisconnect(SpopStatus.NORMAL), "AGENT-DISCONNECT first");
    assertServesAndNothingLeftBehind();
  }

  // ---- handshake ----

  @Test
  void handshakeViolationsGetTheirStatus() throws Exception {
    startServer();
    expect(SpopStatus.INVALID_FRAME, false, FrameEncoder.encode(NotifyFrame.of(1, 1, SpoaMessage.of("m"))),
      "NOTIFY before HELLO");
    expect(SpopStatus.INVALID_FRAME, true,
      FrameEncoder.encode(KvFrame.of(FrameType.HAPROXY_HELLO, hello("2.0", 16380, "pipelining"))), "HELLO twice");
    expect(SpopStatus.UNSUPPORTED_VERSION, false,
      FrameEncoder.encode(KvFrame.of(FrameType.HAPROXY_HELLO, hello("1.0,3.0", 16380, ""))), "wrong version");
    for (long size : new long[] {0, 7, 255}) {
      expect(SpopStatus.BAD_MAX_FRAME_SIZE, false,
        FrameEncoder.encode(KvFrame.of(FrameType.HAPROXY_HELLO, hello("2.0", size, ""))), "max-frame-size " + size);
    }
    expect(SpopStatus.INVALID_FRAME, false,
      FrameEncoder.encode(new FragmentFrame(FrameType.HAPROXY_HELLO, 0, 0, 0, Buffer.buffer(new byte[] {1, 'k', 0}))),
      "a HELLO without FIN");
    assertServesAndNothingLeftBehind();
  }

  // ---- fragments ----

  @Test
  void interlacedAndUnannouncedFragmentsAreRefused() throws Exception {
    startServer();
    Buffer payload = FrameEncoder.appendMessage(Buffer.buffer(), SpoaMessage.of("m", Arg.of("a", TypedValue.ofString("x"))));
    Buffer first = FrameEncoder.encode(new FragmentFrame(FrameType.NOTIFY, 0, 1, 1, payload.getBuffer(0, 2)));
    expect(SpopStatus.INVALID_INTERLACED_FRAMES, true, first.copy()
        .appendBuffer(FrameEncoder.encode(new FragmentFrame(FrameType.UNSET, 1, 3, 1, payload.getBuffer(2, payload.length())))),
      "a continuation of another stream");
    expect(SpopStatus.INVALID_INTERLACED_FRAMES, true, first.copy()
        .appendBuffer(FrameEncoder.encode(NotifyFrame.of(3, 1, SpoaMessage.of("m")))),
      "a whole NOTIFY in the middle of a fragmented one");
    expect(SpopStatus.INVALID_INTERLACED_FRAMES, true, first.copy()
        .appendBuffer(FrameEncoder.encode(new FragmentFrame(FrameType.NOTIFY, 0, 3, 1, payload))),
      "a second first fragment");
    expect(SpopStatus.INVALID_FRAME, true,
      FrameEncoder.encode(new FragmentFrame(FrameType.UNSET, 1, 5, 1, payload)), "a continuation without a first fragment");
    expect(SpopStatus.INVALID_FRAME, false, first, "a fragment before HELLO");
    assertServesAndNothingLeftBehind();

    // fragmentation switched off: any fragment is status 10
    vertx.close().await();
    setUp();
    startServer(new SpoaServerOptions().setFragmentation(false));
    expect(SpopStatus.FRAGMENTATION_NOT_SUPPORTED, true, first, "a fragment when fragmentation is off");
    expect(SpopStatus.FRAGMENTATION_NOT_SUPPORTED, true,
      FrameEncoder.encode(new FragmentFrame(FrameType.UNSET, 1, 5, 1, payload)), "a continuation when fragmentation is off");
    assertServesAndNothingLeftBehind();
  }

  // ---- slow, many, half-closed ----

  @Test
  void aSlowSenderOneBytePer100MsIsStillServed() throws Exception {
    // 67 bytes at 100 ms: the HELLO alone takes 5.3 s, longer than the default hello timeout (5 s)
    startServer(new SpoaServerOptions().setHelloTimeout(15_000));
    SpopTestClient c = client();
    Map<String, TypedValue> kv = new LinkedHashMap<>();
    kv.put("supported-versions", TypedValue.ofString("2.0"));
    kv.put("max-frame-size", TypedValue.ofUint32(256));
    Buffer bytes = FrameEncoder.encode(KvFrame.of(FrameType.HAPROXY_HELLO, kv))
      .appendBuffer(FrameEncoder.encode(NotifyFrame.of(1, 1, SpoaMessage.of("m"))));
    Future<AckFrame> ack = c.expectAck(1, 1);
    c.writeByteByByte(bytes, 100).await();
    assertEquals(FrameType.AGENT_HELLO, c.nextFrame().await().type());
    assertEquals(List.of(Action.setVar(Scope.TXN, "ok", 1)), ack.await().actions());
    assertServesAndNothingLeftBehind();
  }

  @Test
  void aBurstOfAThousandConnectionsOpenedAndDroppedLeavesNothing() throws Exception {
    startServer();
    NetClient net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000));
    Buffer partialHello = FrameEncoder.encode(KvFrame.of(FrameType.HAPROXY_HELLO, hello("2.0", 16380, "")));
    int burst = 1000;
    for (int batch = 0; batch < burst / 250; batch++) { // 250 at a time: bounded on a small CI box
      List<Future<Void>> dropped = new ArrayList<>();
      for (int i = 0; i < 250; i++) {
        int n = batch * 250 + i;
        dropped.add(net.connect(server.actualPort(), "127.0.0.1").compose((NetSocket s) -> {
          switch (n % 4) {
            case 0: return s.close();                                                       // nothing sent
            case 1: return s.write(partialHello.getBuffer(0, 10)).compose(v -> s.close()); // a frame cut short
            case 2: return s.write(partialHello).compose(v -> s.close());                  // HELLO, then gone
            default: return s.write(Buffer.buffer().appendInt(1 << 30)).compose(v -> s.close()); // a lie, then gone
          }
        }));
      }
      Future.join(dropped).await();
      for (Future<Void> f : dropped) {
        assertTrue(f.succeeded(), () -> "connect or close failed: " + f.cause());
      }
    }
    Await.until(() -> opened() >= burst, () -> "accepted " + opened() + " of " + burst);
    assertServesAndNothingLeftBehind();
    net.close().await();
  }

  /**
   * The client shuts its output down right after a NOTIFY. Vert.x (Netty without half-closure)
   * treats the FIN as the end of the connection: the agent closes its side too; the NOTIFY still
   * completes on the server (in-flight back to 0) and its ACK is dropped with the connection. The
   * client sees the AGENT-HELLO, then possibly the ACK, then a clean end of stream: never a partial
   * frame, never another frame.
   */
  @Test
  void aHalfClosedSocketEndsCleanly() throws Exception {
    startServer();
    Buffer bytes = FrameEncoder.encode(KvFrame.of(FrameType.HAPROXY_HELLO, hello("2.0", 16380, "pipelining")))
      .appendBuffer(FrameEncoder.encode(NotifyFrame.of(7, 1, SpoaMessage.of("m"))));
    int acks = 0;
    for (int round = 0; round < 20; round++) {
      try (Socket s = new Socket("127.0.0.1", server.actualPort())) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(bytes.getBytes());
        s.getOutputStream().flush();
        s.shutdownOutput();
        DataInputStream in = new DataInputStream(s.getInputStream());
        List<Frame> frames = readUntilEof(in);
        assertTrue(frames.size() >= 1 && frames.get(0).type() == FrameType.AGENT_HELLO, "round " + round + ": " + frames);
        assertTrue(frames.size() <= 2, "round " + round + ": " + frames);
        if (frames.size() == 2) {
          AckFrame ack = assertInstanceOf(AckFrame.class, frames.get(1), "round " + round);
          assertEquals(7, ack.streamId());
          acks++;
        }
      }
    }
    System.out.println("half-closed: " + acks + " of 20 ACKs arrived before the close");
    assertServesAndNothingLeftBehind();
  }

  /** Frames until the end of stream; a stream that ends inside a frame fails. */
  private static List<Frame> readUntilEof(DataInputStream in) throws IOException {
    List<Frame> frames = new ArrayList<>();
    while (true) {
      int len;
      try {
        len = in.readInt();
      } catch (EOFException end) {
        return frames;
      }
      assertTrue(len >= 7 && len <= 16380, "frame length " + len);
      byte[] body = new byte[len];
      in.readFully(body); // EOFException here: a partial frame, a failure
      frames.add(FrameDecoder.decode(Buffer.buffer(body)));
    }
  }
}
