package dev.spoa.testing;

import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.DataType;
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
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.parsetools.RecordParser;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scriptable fake HAProxy for tests: it connects to an agent, says HELLO, sends NOTIFYs
 * (pipelined, several in one write, or byte by byte) and raw bytes, and hands back the frames the
 * agent answers with. Methods may be called from any thread.
 *
 * <p>It imitates one {@link HaproxyPersonality} (HAProxy 2.6 unless told otherwise): the
 * capabilities {@link #hello()} offers, the ids {@link #nextIds()} hands out and the limits
 * {@link #notify(SpoaMessage...)} keeps. {@link #notify(long, long, SpoaMessage...)} and the raw
 * writes send whatever they are given.
 *
 * <pre>{@code
 * SpopTestClient client = SpopTestClient.connect(vertx, port, "127.0.0.1", HaproxyPersonality.HAPROXY_3_X).await();
 * client.hello().await();
 * AckFrame ack = client.notify(SpoaMessage.of("check-client-ip",
 *     Arg.of("ip", TypedValue.ofAddress(InetAddress.getLoopbackAddress())))).await();
 * }</pre>
 */
public final class SpopTestClient {

  /** What HAProxy 2.6 offers by default. */
  public static final String HAPROXY_26_CAPABILITIES = "pipelining,async";
  /** What HAProxy 3.1+ offers by default. */
  public static final String HAPROXY_3X_CAPABILITIES = "pipelining";
  /** HAProxy's default max-frame-size (tune.bufsize - 4). */
  public static final long DEFAULT_MAX_FRAME_SIZE = 16380;
  /** The largest frame the client reads, a guard against a broken agent. */
  private static final int MAX_READ_FRAME = 16 * 1024 * 1024;

  /**
   * HAProxy 2.6's stream counter, one per Vertx instance (a test's "HAProxy process"): the
   * stream-ids of all 2.6 clients of that instance come from it.
   */
  private static final String STREAM_COUNTER_26 = "dev.spoa.testing.stream-counter-2.6";

  private final Vertx vertx;
  /**
   * Held for the life of the connection: Vert.x shuts an unreachable NetClient down (a Cleaner),
   * which would close this connection at the next GC.
   */
  private final NetClient client;
  private final NetSocket socket;
  private final HaproxyPersonality personality;
  private final String engineId = UUID.randomUUID().toString();
  private final ArrayDeque<Frame> received = new ArrayDeque<>();
  private final ArrayDeque<Promise<Frame>> waiting = new ArrayDeque<>();
  private final Map<StreamIds, Promise<AckFrame>> pendingAcks = new HashMap<>();
  private final Promise<Void> closed = Promise.promise();
  private Throwable failure;
  // Guarded by this: id generation, and the limits of notify(SpoaMessage...).
  private long currentStreamId = -1;
  private long currentFrameId;
  private boolean appletStreamTaken;
  private String offeredCapabilities = "";
  private boolean pipeliningAgreed;
  private int personalityInFlight;

  /** The ids of a NOTIFY and of its ACK. Unsigned on the wire: -1 stands for 2^64-1. */
  public record StreamIds(long streamId, long frameId) {
  }

  private SpopTestClient(Vertx vertx, NetClient client, NetSocket socket, HaproxyPersonality personality) {
    this.vertx = vertx;
    this.client = client;
    this.socket = socket;
    this.personality = personality;
  }

  /** Connects as HAProxy 2.6. */
  public static Future<SpopTestClient> connect(Vertx vertx, int port, String host) {
    return connect(vertx, port, host, HaproxyPersonality.HAPROXY_2_6);
  }

  /** Connects as HAProxy 2.6. */
  public static Future<SpopTestClient> connect(Vertx vertx, SocketAddress address) {
    return connect(vertx, address, HaproxyPersonality.HAPROXY_2_6);
  }

  /** Connects as the given HAProxy. */
  public static Future<SpopTestClient> connect(Vertx vertx, int port, String host, HaproxyPersonality personality) {
    return connect(vertx, SocketAddress.inetSocketAddress(port, host), personality);
  }

  /** Connects as the given HAProxy. */
  public static Future<SpopTestClient> connect(Vertx vertx, SocketAddress address, HaproxyPersonality personality) {
    return connect(vertx, address, personality, new NetClientOptions().setTcpNoDelay(true));
  }

  /**
   * Connects as the given HAProxy with these socket options: TLS to an agent that serves it, or
   * {@code setSoLinger(0)} for a client whose {@link #close()} is a TCP RST, as HAProxy 3.x may drop
   * a pooled connection.
   */
  public static Future<SpopTestClient> connect(Vertx vertx, SocketAddress address, HaproxyPersonality personality,
                                               NetClientOptions options) {
    if (personality == null) {
      throw new NullPointerException("personality");
    }
    NetClient client = vertx.createNetClient(new NetClientOptions(options));
    return client.connect(address)
      .map(socket -> new SpopTestClient(vertx, client, socket, personality).start())
      .onFailure(e -> client.close());
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
      client.close();
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
        ackPromise = pendingAcks.remove(new StreamIds(ack.streamId(), ack.frameId()));
      } else if (frame.type() == FrameType.AGENT_HELLO && frame instanceof KvFrame hello) {
        TypedValue caps = hello.get("capabilities");
        pipeliningAgreed = hasToken(offeredCapabilities, "pipelining")
          && caps != null && caps.type() == DataType.STRING && hasToken(caps.asString(), "pipelining");
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
    Map<StreamIds, Promise<AckFrame>> acks;
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

  /** The HAProxy this client imitates. */
  public HaproxyPersonality personality() {
    return personality;
  }

  /**
   * HELLO as the personality sends it by default (2.6: pipelining and async offered; 3.x:
   * pipelining; max-frame-size 16380); completes with the answer.
   */
  public Future<KvFrame> hello() {
    return hello(personality.capabilities(), DEFAULT_MAX_FRAME_SIZE);
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
    TypedValue caps = entries.get("capabilities");
    synchronized (this) {
      offeredCapabilities = caps != null && caps.type() == DataType.STRING ? caps.asString() : "";
    }
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

  /**
   * The ids this HAProxy would give its next NOTIFY on this connection; each call uses them up.
   * <ul>
   *   <li>2.6: stream-ids from a counter shared by all 2.6 clients of the same Vertx instance,
   *   starting at 0; each connection's SPOE applet takes a number too (after the first stream it
   *   serves), leaving gaps as in HAProxy (first NOTIFYs 0, then 2). Each stream sends
   *   {@value HaproxyPersonality#FRAMES_PER_26_STREAM} NOTIFYs, frame-ids 1, 2, ...</li>
   *   <li>3.x: stream-ids 1, 3, 5, ... per connection, frame-id always 1.</li>
   * </ul>
   */
  public synchronized StreamIds nextIds() {
    if (personality == HaproxyPersonality.HAPROXY_3_X) {
      currentStreamId = currentStreamId < 0 ? 1 : currentStreamId + 2;
      return new StreamIds(currentStreamId, 1);
    }
    if (currentStreamId < 0 || currentFrameId >= HaproxyPersonality.FRAMES_PER_26_STREAM) {
      AtomicLong counter = vertx.sharedData().<String, AtomicLong>getLocalMap(STREAM_COUNTER_26)
        .computeIfAbsent(STREAM_COUNTER_26, k -> new AtomicLong());
      currentStreamId = counter.getAndIncrement();
      currentFrameId = 0;
      if (!appletStreamTaken) {
        appletStreamTaken = true;
        counter.getAndIncrement(); // the SPOE applet's own stream
      }
    }
    currentFrameId++;
    return new StreamIds(currentStreamId, currentFrameId);
  }

  /**
   * Sends a NOTIFY as this HAProxy would, with {@link #nextIds()}, and completes with its ACK.
   * Fails at once where this HAProxy would not send it: without messages on 2.6, or beyond the
   * NOTIFYs in flight it allows on a connection (20 with agreed pipelining, else 1).
   * <p>Beware: {@code client.notify()} without arguments is {@link Object#notify()}; use
   * {@link #notifyEmpty()} for a NOTIFY without messages.
   */
  public Future<AckFrame> notify(SpoaMessage... messages) {
    if (messages.length == 0 && !personality.sendsEmptyNotify()) {
      return Future.failedFuture(new IllegalArgumentException(personality + " never sends an empty NOTIFY"));
    }
    StreamIds ids;
    synchronized (this) {
      int limit = pipeliningAgreed ? personality.maxStreamsPerConnection() : 1;
      if (personalityInFlight >= limit) {
        return Future.failedFuture(new IllegalStateException(personality + " has at most " + limit
          + " NOTIFY in flight on a connection" + (pipeliningAgreed ? "" : " (pipelining not agreed)")));
      }
      personalityInFlight++;
      ids = nextIds();
    }
    Future<AckFrame> ack = notify(ids.streamId(), ids.frameId(), messages);
    ack.onComplete(ar -> {
      synchronized (this) {
        personalityInFlight--;
      }
    });
    return ack;
  }

  /**
   * A NOTIFY without messages, with {@link #nextIds()}, as HAProxy 3.1 to 3.3 may send; fails at
   * once for 2.6, which never does. (The empty {@code notify()} would be {@link Object#notify()}.)
   */
  public Future<AckFrame> notifyEmpty() {
    return notify(new SpoaMessage[0]);
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
      pendingAcks.put(new StreamIds(streamId, frameId), p);
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

  /**
   * Closes the connection without a DISCONNECT: a FIN, or a TCP RST when the client was connected
   * with {@code NetClientOptions.setSoLinger(0)}.
   */
  public Future<Void> close() {
    return socket.close();
  }

  /**
   * A bare close without DISCONNECT, as HAProxy 3.x purges pooled connections (and any HAProxy
   * ends on a hello timeout or at exit). The same as {@link #close()}; named for what it imitates.
   */
  public Future<Void> closeAbruptly() {
    return socket.close();
  }

  private static boolean hasToken(String list, String token) {
    for (String item : list.split(",")) {
      if (item.trim().equals(token)) {
        return true;
      }
    }
    return false;
  }
}
