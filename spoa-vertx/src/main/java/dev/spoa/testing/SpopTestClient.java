package dev.spoa.testing;

import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.parsetools.RecordParser;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A scriptable fake HAProxy for tests: it connects to an agent, says HELLO, sends NOTIFYs
 * (pipelined, several in one write, or byte by byte) and raw bytes, and hands back the frames the
 * agent answers with. Methods may be called from any thread.
 *
 * <pre>{@code
 * SpopTestClient client = SpopTestClient.connect(vertx, port, "127.0.0.1").await();
 * client.hello().await();
 * AckFrame ack = client.notify(1, 1, SpoaMessage.of("check-client-ip",
 *     Arg.of("ip", TypedValue.ofAddress(InetAddress.getLoopbackAddress())))).await();
 * }</pre>
 */
public final class SpopTestClient {

  /** What HAProxy 2.6 offers by default. */
  public static final String HAPROXY_26_CAPABILITIES = "pipelining,async";
  /** HAProxy's default max-frame-size (tune.bufsize - 4). */
  public static final long DEFAULT_MAX_FRAME_SIZE = 16380;
  /** The largest frame the client reads, a guard against a broken agent. */
  private static final int MAX_READ_FRAME = 16 * 1024 * 1024;

  private final Vertx vertx;
  private final NetSocket socket;
  private final String engineId = UUID.randomUUID().toString();
  private final ArrayDeque<Frame> received = new ArrayDeque<>();
  private final ArrayDeque<Promise<Frame>> waiting = new ArrayDeque<>();
  private final Map<IdPair, Promise<AckFrame>> pendingAcks = new HashMap<>();
  private final Promise<Void> closed = Promise.promise();
  private Throwable failure;

  private record IdPair(long streamId, long frameId) {
  }

  private SpopTestClient(Vertx vertx, NetSocket socket) {
    this.vertx = vertx;
    this.socket = socket;
  }

  public static Future<SpopTestClient> connect(Vertx vertx, int port, String host) {
    return connect(vertx, SocketAddress.inetSocketAddress(port, host));
  }

  public static Future<SpopTestClient> connect(Vertx vertx, SocketAddress address) {
    return vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true))
      .connect(address)
      .map(socket -> new SpopTestClient(vertx, socket).start());
  }

  private SpopTestClient start() {
    RecordParser parser = RecordParser.newFixed(4, socket);
    int[] bodyLength = {-1};
    parser.handler(record -> {
      if (bodyLength[0] < 0) {
        long len = record.getUnsignedInt(0);
        if (len < FrameDecoder.MIN_FRAME_LENGTH || len > MAX_READ_FRAME) {
          fail(new IllegalStateException("agent sent a frame length of " + len));
          socket.close();
          return;
        }
        bodyLength[0] = (int) len;
        parser.fixedSizeMode((int) len);
      } else {
        bodyLength[0] = -1;
        parser.fixedSizeMode(4);
        Frame frame;
        try {
          frame = FrameDecoder.decode(record);
        } catch (RuntimeException e) {
          fail(e);
          return;
        }
        onFrame(frame);
      }
    });
    socket.closeHandler(v -> {
      closed.tryComplete();
      fail(new IllegalStateException("connection closed by the agent"));
    });
    return this;
  }

  private void onFrame(Frame frame) {
    Promise<? super AckFrame> ackPromise = null;
    Promise<Frame> waiter = null;
    synchronized (this) {
      if (frame instanceof AckFrame ack) {
        ackPromise = pendingAcks.remove(new IdPair(ack.streamId(), ack.frameId()));
      }
      if (ackPromise == null) {
        waiter = waiting.poll();
        if (waiter == null) {
          received.add(frame);
        }
      }
    }
    if (ackPromise != null) {
      ackPromise.complete((AckFrame) frame);
    } else if (waiter != null) {
      waiter.complete(frame);
    }
  }

  private void fail(Throwable t) {
    ArrayDeque<Promise<Frame>> waiters;
    Map<IdPair, Promise<AckFrame>> acks;
    synchronized (this) {
      if (failure == null) {
        failure = t;
      }
      waiters = new ArrayDeque<>(waiting);
      waiting.clear();
      acks = new HashMap<>(pendingAcks);
      pendingAcks.clear();
    }
    waiters.forEach(p -> p.tryFail(t));
    acks.values().forEach(p -> p.tryFail(t));
  }

  /** The engine-id this client announces. */
  public String engineId() {
    return engineId;
  }

  /** HELLO as HAProxy 2.6 sends it (pipelining and async offered, max-frame-size 16380); the answer. */
  public Future<KvFrame> hello() {
    return hello(HAPROXY_26_CAPABILITIES, DEFAULT_MAX_FRAME_SIZE);
  }

  /** HELLO with the given capabilities and max-frame-size; completes with the agent's answer. */
  public Future<KvFrame> hello(String capabilities, long maxFrameSize) {
    Map<String, TypedValue> kv = new LinkedHashMap<>();
    kv.put("supported-versions", TypedValue.ofString("2.0"));
    kv.put("max-frame-size", TypedValue.ofUint32(maxFrameSize));
    kv.put("capabilities", TypedValue.ofString(capabilities));
    kv.put("engine-id", TypedValue.ofString(engineId));
    return hello(kv);
  }

  /** A HELLO with exactly these entries; completes with the agent's answer (HELLO or DISCONNECT). */
  public Future<KvFrame> hello(Map<String, TypedValue> entries) {
    return send(KvFrame.of(FrameType.HAPROXY_HELLO, entries)).compose(v -> nextKvFrame());
  }

  /** The health-check HELLO of {@code option spop-check}; completes with the agent's answer. */
  public Future<KvFrame> healthCheck() {
    Map<String, TypedValue> kv = new LinkedHashMap<>();
    kv.put("supported-versions", TypedValue.ofString("2.0"));
    kv.put("max-frame-size", TypedValue.ofUint32(DEFAULT_MAX_FRAME_SIZE));
    kv.put("capabilities", TypedValue.ofString(""));
    kv.put("healthcheck", TypedValue.TRUE);
    return hello(kv);
  }

  /** Sends a NOTIFY and completes with the ACK bearing the same ids, whenever it comes. */
  public Future<AckFrame> notify(long streamId, long frameId, SpoaMessage... messages) {
    Future<AckFrame> ack = expectAck(streamId, frameId);
    return send(NotifyFrame.of(streamId, frameId, messages)).compose(v -> ack);
  }

  /** A future for the ACK with these ids; register it before sending the NOTIFY by other means. */
  public Future<AckFrame> expectAck(long streamId, long frameId) {
    Promise<AckFrame> p = Promise.promise();
    synchronized (this) {
      if (failure != null) {
        return Future.failedFuture(failure);
      }
      pendingAcks.put(new IdPair(streamId, frameId), p);
    }
    return p.future();
  }

  /** HAPROXY-DISCONNECT with this status; completes with the agent's answer. */
  public Future<KvFrame> disconnect(int statusCode, String message) {
    return write(FrameEncoder.disconnect(FrameType.HAPROXY_DISCONNECT, statusCode, message)).compose(v -> nextKvFrame());
  }

  /** Sends one frame in one write. */
  public Future<Void> send(Frame frame) {
    return write(FrameEncoder.encode(frame));
  }

  /** Writes raw bytes (several frames, a part of one, or garbage). */
  public Future<Void> write(Buffer bytes) {
    return socket.write(bytes);
  }

  /** Writes each byte in its own write, {@code delayMillis} apart (0: back to back). */
  public Future<Void> writeByteByByte(Buffer bytes, long delayMillis) {
    return writeFrom(bytes, 0, delayMillis);
  }

  private Future<Void> writeFrom(Buffer bytes, int index, long delayMillis) {
    if (index >= bytes.length()) {
      return Future.succeededFuture();
    }
    Future<Void> written = socket.write(bytes.getBuffer(index, index + 1));
    if (delayMillis <= 0) {
      return written.compose(v -> writeFrom(bytes, index + 1, delayMillis));
    }
    return written.compose(v -> vertx.timer(delayMillis)).compose(v -> writeFrom(bytes, index + 1, delayMillis));
  }

  /** The next frame the agent sent that no {@link #notify}/{@link #expectAck} claimed. */
  public Future<Frame> nextFrame() {
    Promise<Frame> p = Promise.promise();
    Frame ready;
    synchronized (this) {
      ready = received.poll();
      if (ready == null) {
        if (failure != null) {
          return Future.failedFuture(failure);
        }
        waiting.add(p);
      }
    }
    return ready != null ? Future.succeededFuture(ready) : p.future();
  }

  /** The next frame, which must be a HELLO or DISCONNECT. */
  public Future<KvFrame> nextKvFrame() {
    return nextFrame().compose(f -> f instanceof KvFrame kv ? Future.succeededFuture(kv)
      : Future.failedFuture(new IllegalStateException("expected HELLO or DISCONNECT, got " + f)));
  }

  /** Completes when the agent (or this client) closed the connection. */
  public Future<Void> closed() {
    return closed.future();
  }

  public Future<Void> close() {
    return socket.close();
  }
}
