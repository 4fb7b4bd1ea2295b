package dev.spoa.server.impl;

import dev.spoa.handler.SpoaHandlers;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Sends NOTIFYs through the server's own path (a private plain-TCP listener on 127.0.0.1, the
 * codec, the dispatcher, the event bus or a direct call, the ACK batching) before the server
 * listens for HAProxy. A JVM that has just started runs that code interpreted and loads its classes
 * on the first requests; on a busy host its first answers, health checks included, then take
 * hundreds of milliseconds, beyond HAProxy's {@code timeout processing}. The NOTIFYs go to a
 * handler of our own, registered on this Vert.x instance only: the user's handlers are not called
 * and the server's metrics do not count them.
 */
final class WarmUp {

  private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);
  static final String MESSAGE = "warm-up";
  /** NOTIFYs in flight on the warm-up connection when pipelining is agreed. */
  private static final int WINDOW = 16;
  /** What the warm-up HELLO offers, so the largest frame the server may send back. */
  private static final int MAX_FRAME_SIZE = SpoaServerOptions.DEFAULT_MAX_FRAME_SIZE;
  private static final long TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(30);

  private final Vertx vertx;
  private final int notifies;
  private final Promise<Integer> done = Promise.promise();
  private NetSocket socket;
  private int sent;
  private int acked;
  private int window = 1;

  private WarmUp(Vertx vertx, int notifies) {
    this.vertx = vertx;
    this.notifies = notifies;
  }

  /**
   * Runs {@code options.getWarmUpNotifies()} NOTIFYs and completes with the number answered; never
   * fails: a warm-up that goes wrong is logged, completes with 0, and the server listens all the same.
   */
  static Future<Integer> run(Vertx vertx, SpoaServerOptions options) {
    String prefix = "spoa.warm-up." + UUID.randomUUID() + ".";
    SpoaServerOptions own = new SpoaServerOptions(options)
      .setHandlerAddressPrefix(prefix)
      .setWarmUpNotifies(0)
      .setUnixSocketPath(null)
      .setHost("127.0.0.1")
      .setPort(0)
      .setSsl(false)
      .setUseProxyProtocol(false);
    long start = System.nanoTime();
    return SpoaHandlers.registerLocal(vertx, prefix, MESSAGE, request -> Future.succeededFuture(
        List.of(Action.setVar(Scope.TXN, "warm_up", request.message().args().size()))))
      .compose(consumer -> {
        SpoaServerImpl server = new SpoaServerImpl(vertx, own);
        return server.listen()
          .compose(s -> new WarmUp(vertx, options.getWarmUpNotifies()).drive(s.actualPort()))
          .eventually(server::close)
          .eventually(consumer::unregister);
      })
      .onSuccess(n -> LOG.info("warmed up with {} NOTIFYs in {} ms", n,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)))
      .otherwise(e -> {
        LOG.warn("warm-up failed, listening all the same: {}", e.toString());
        return 0;
      });
  }

  private Future<Integer> drive(int port) {
    NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
    long timer = vertx.setTimer(TIMEOUT_MILLIS, t -> done.tryFail("no end within " + TIMEOUT_MILLIS + " ms, "
      + acked + " of " + notifies + " NOTIFYs answered"));
    client.connect(port, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      socket = ar.result();
      RecordParser parser = RecordParser.newFixed(4, socket);
      parser.handler(new FrameReader(parser));
      socket.closeHandler(v -> done.tryFail("the warm-up connection closed after " + acked + " ACKs"));
      socket.write(hello());
    });
    return done.future().eventually(() -> {
      vertx.cancelTimer(timer);
      return client.close();
    });
  }

  /** Reads length, then frame: the HELLO answer first, then ACKs. */
  private final class FrameReader implements Handler<Buffer> {
    private final RecordParser parser;
    private boolean length = true;
    private boolean helloDone;

    FrameReader(RecordParser parser) {
      this.parser = parser;
    }

    @Override
    public void handle(Buffer record) {
      if (length) {
        long len = record.getUnsignedInt(0);
        if (len < FrameDecoder.MIN_FRAME_LENGTH || len > MAX_FRAME_SIZE) {
          done.tryFail("frame length " + len);
          socket.close();
          return;
        }
        parser.fixedSizeMode((int) len);
        length = false;
        return;
      }
      parser.fixedSizeMode(4);
      length = true;
      if (!helloDone) {
        helloDone = true;
        if (!(FrameDecoder.decode(record) instanceof KvFrame hello) || hello.type() != FrameType.AGENT_HELLO) {
          done.tryFail("no AGENT-HELLO");
          socket.close();
          return;
        }
        window = HelloNegotiation.offers(hello, "pipelining") ? WINDOW : 1;
      } else if (record.getByte(0) == FrameType.ACK.code()) {
        acked++;
      }
      sendMore();
    }
  }

  private void sendMore() {
    if (acked == notifies) {
      socket.end(FrameEncoder.disconnect(FrameType.HAPROXY_DISCONNECT, 0, "warm-up done"));
      done.tryComplete(acked);
      return;
    }
    Buffer batch = null;
    while (sent < notifies && sent - acked < window) {
      sent++;
      Buffer frame = FrameEncoder.encode(NotifyFrame.of(sent, 1, SpoaMessage.of(MESSAGE,
        Arg.of("ip", TypedValue.ofAddress(InetAddress.getLoopbackAddress())))));
      batch = batch == null ? frame : batch.appendBuffer(frame);
    }
    if (batch != null) {
      socket.write(batch);
    }
  }

  private static Buffer hello() {
    Map<String, TypedValue> kv = new LinkedHashMap<>();
    kv.put("supported-versions", TypedValue.ofString(FrameEncoder.VERSION));
    kv.put("max-frame-size", TypedValue.ofUint32(MAX_FRAME_SIZE));
    kv.put("capabilities", TypedValue.ofString("pipelining"));
    kv.put("engine-id", TypedValue.ofString("warm-up-" + UUID.randomUUID()));
    return FrameEncoder.encode(KvFrame.of(FrameType.HAPROXY_HELLO, kv));
  }
}
