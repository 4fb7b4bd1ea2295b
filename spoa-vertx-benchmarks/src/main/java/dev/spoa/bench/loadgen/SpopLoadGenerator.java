package dev.spoa.bench.loadgen;

import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import dev.spoa.protocol.Varint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import org.HdrHistogram.Histogram;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A SPOP load generator: plays HAProxy (2.6 or 3.x ids) on N connections against any agent, keeps
 * D NOTIFYs in flight per connection (closed loop) or sends at a fixed rate (open loop), checks
 * every ACK (its ids, and its actions against --expect) and reports NOTIFY/s and latency
 * percentiles. The last line of its output is the result as JSON.
 *
 * <pre>java -jar spoa-vertx-benchmarks/target/spoa-benchmarks.jar --port 12345 --connections 8 --depth 20</pre>
 */
public final class SpopLoadGenerator {

  private static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final AtomicLong GLOBAL_STREAM_IDS = new AtomicLong(); // HAProxy 2.6: one counter for all

  private final Vertx vertx;
  private final LoadOptions options;
  private final Buffer messagePayload;
  private final List<Action> expected;
  private volatile boolean measuring;
  private volatile boolean stopping;

  public SpopLoadGenerator(Vertx vertx, LoadOptions options) throws Exception {
    this.vertx = vertx;
    this.options = options;
    List<Arg> args = new ArrayList<>();
    args.add(Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("127.0.0.1"))));
    if (options.largeMessage()) {
      args.add(Arg.of("headers", TypedValue.ofBinary(fakeHeaders())));
    }
    messagePayload = FrameEncoder.appendMessage(Buffer.buffer(), new SpoaMessage("check-client-ip", args));
    expected = options.expect().equals("none") ? null
      : List.of(Action.setVar(Scope.SESS, options.expect().split("=")[0], Long.parseLong(options.expect().split("=")[1])));
  }

  /** About 1.5 KB of request headers in HAProxy's req.hdrs_bin layout. */
  private static byte[] fakeHeaders() {
    Buffer b = Buffer.buffer();
    String[][] headers = {{"host", "www.example.com"}, {"user-agent", "Mozilla/5.0 (X11; Linux x86_64) " + "x".repeat(200)},
      {"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, {"accept-language", "en-US,en;q=0.5"},
      {"cookie", "session=" + "c".repeat(900)}, {"referer", "https://www.example.com/" + "p".repeat(150)}};
    for (String[] h : headers) {
      for (String s : h) {
        Varint.append(b, s.length()).appendString(s);
      }
    }
    return b.appendByte((byte) 0).appendByte((byte) 0).getBytes();
  }

  public static void main(String[] argv) throws Exception {
    LoadOptions options;
    try {
      options = LoadOptions.parse(Arrays.asList(argv));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject result = new SpopLoadGenerator(vertx, options).run();
      System.out.println(result.encode());
      System.exit(result.getLong("errors") == 0 ? 0 : 1);
    } finally {
      vertx.close();
    }
  }

  /** Runs the load and returns the result. */
  public JsonObject run() throws Exception {
    List<Conn> conns = new ArrayList<>();
    NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
    for (int i = 0; i < options.connections(); i++) {
      NetSocket socket = client.connect(options.port(), options.host()).await();
      Conn c = new Conn(socket);
      conns.add(c);
      c.hello().await();
    }
    // as HAProxy does: one NOTIFY at a time on a connection whose agent did not agree to pipelining
    int depth = conns.isEmpty() ? options.depth() : conns.get(0).depth;
    System.err.printf("load: %d connections, depth %d%s, %s, %s message, %s, warmup %d s, measuring %d s%n",
      options.connections(), depth, depth < options.depth() ? " (the agent did not agree to pipelining)" : "", options.haproxy3x() ? "HAProxy 3.x ids" : "HAProxy 2.6 ids",
      options.largeMessage() ? "large" : "small",
      options.ratePerSecond() == 0 ? "closed loop" : options.ratePerSecond() + " NOTIFY/s open loop",
      options.warmupSeconds(), options.durationSeconds());
    conns.forEach(Conn::begin);
    Thread.sleep(TimeUnit.SECONDS.toMillis(options.warmupSeconds()));
    conns.forEach(c -> c.context.runOnContext(v -> c.resetCounters()));
    Thread.sleep(50);
    measuring = true;
    long t0 = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(options.durationSeconds()));
    measuring = false;
    long elapsed = System.nanoTime() - t0;
    stopping = true;
    Thread.sleep(200);
    Histogram all = new Histogram(MAX_LATENCY_NANOS, 3);
    long acks = 0;
    long errors = 0;
    long saturated = 0;
    for (Conn c : conns) {
      Promise<Void> p = Promise.promise();
      c.context.runOnContext(v -> {
        all.add(c.histogram);
        p.complete();
      });
      p.future().await();
      acks += c.measuredAcks;
      errors += c.errors;
      saturated += c.saturated;
    }
    client.close().await();
    double rate = acks / (elapsed / 1e9);
    JsonObject result = new JsonObject()
      .put("connections", options.connections()).put("depth", depth)
      .put("personality", options.haproxy3x() ? "3.x" : "2.6").put("message", options.largeMessage() ? "large" : "small")
      .put("targetRate", options.ratePerSecond()).put("notifyPerSecond", Math.round(rate))
      .put("acks", acks).put("errors", errors).put("saturated", saturated)
      .put("p50us", all.getValueAtPercentile(50) / 1000.0).put("p90us", all.getValueAtPercentile(90) / 1000.0)
      .put("p99us", all.getValueAtPercentile(99) / 1000.0).put("p999us", all.getValueAtPercentile(99.9) / 1000.0)
      .put("maxus", all.getMaxValue() / 1000.0);
    System.err.printf("load: %,d NOTIFY/s, %d errors; latency p50 %.0f us, p90 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us%n",
      Math.round(rate), errors, result.getDouble("p50us"), result.getDouble("p90us"), result.getDouble("p99us"),
      result.getDouble("p999us"), result.getDouble("maxus"));
    return result;
  }

  /** One connection; all of its state lives on its event loop. */
  private final class Conn {
    final NetSocket socket;
    final Context context;
    final RecordParser parser;
    final String engineId = UUID.randomUUID().toString();
    final Histogram histogram = new Histogram(MAX_LATENCY_NANOS, 3);
    /** Send times by stream-id slot; 0 = free. */
    final long[] sentAt = new long[4096];
    final long[] slotStream = new long[4096];
    long nextOddStream = 1;
    int inFlight;
    long measuredAcks;
    long errors;
    long saturated;
    Promise<KvFrame> helloReply;
    /** NOTIFYs in flight at most: the option's, or 1 when the agent's HELLO does not agree to pipelining. */
    int depth = options.depth();
    int pendingLength = -1;
    long credit; // open loop: NOTIFYs due and not sent yet

    Conn(NetSocket socket) {
      this.socket = socket;
      this.context = vertx.getOrCreateContext();
      this.parser = RecordParser.newFixed(4, socket);
      parser.handler(this::onRecord);
      socket.exceptionHandler(t -> errors++);
      socket.closeHandler(v -> {
        if (!stopping) {
          errors++;
          System.err.println("load: the agent closed a connection");
        }
      });
    }

    Future<KvFrame> hello() {
      Promise<KvFrame> reply = Promise.promise(); // the answer may arrive on the event loop before this returns
      helloReply = reply;
      Map<String, TypedValue> kv = new LinkedHashMap<>();
      kv.put("supported-versions", TypedValue.ofString("2.0"));
      kv.put("max-frame-size", TypedValue.ofUint32(16380));
      kv.put("capabilities", TypedValue.ofString(options.haproxy3x() ? "pipelining" : "pipelining,async"));
      kv.put("engine-id", TypedValue.ofString(engineId));
      socket.write(FrameEncoder.kv(FrameType.HAPROXY_HELLO, Frame.FLAG_FIN, 0, 0, kv));
      return reply.future();
    }

    void begin() {
      context.runOnContext(v -> {
        if (options.ratePerSecond() == 0) {
          fill();
        } else {
          double perMilli = options.ratePerSecond() / 1000.0 / options.connections();
          double[] acc = {0};
          vertx.setPeriodic(1, id -> {
            if (stopping) {
              vertx.cancelTimer(id);
              return;
            }
            acc[0] += perMilli;
            long due = (long) acc[0];
            acc[0] -= due;
            credit += due;
            fill();
          });
        }
      });
    }

    void resetCounters() {
      histogram.reset();
      measuredAcks = 0;
      errors = 0;
      saturated = 0;
    }

    /** Sends what the loop allows, all in one write. */
    void fill() {
      if (stopping) {
        return;
      }
      Buffer batch = null;
      while (inFlight < depth && (options.ratePerSecond() == 0 || credit > 0)) {
        if (batch == null) {
          batch = Buffer.buffer(64 * depth);
        }
        long sid = options.haproxy3x() ? nextOddStream : GLOBAL_STREAM_IDS.getAndIncrement();
        nextOddStream += 2;
        int slot = (int) (sid & (sentAt.length - 1));
        if (sentAt[slot] != 0) {
          break; // slot taken by an older NOTIFY still outstanding: wait
        }
        sentAt[slot] = System.nanoTime();
        slotStream[slot] = sid;
        int start = batch.length();
        batch.appendInt(0).appendByte((byte) FrameType.NOTIFY.code()).appendInt(Frame.FLAG_FIN);
        Varint.append(batch, sid);
        Varint.append(batch, 1);
        batch.appendBuffer(messagePayload);
        batch.setInt(start, batch.length() - start - 4);
        inFlight++;
        if (options.ratePerSecond() > 0) {
          credit--;
        }
      }
      if (options.ratePerSecond() > 0 && credit > 0) {
        saturated += credit; // due but the depth is used up: the agent is slower than the rate
        credit = 0;
      }
      if (batch != null) {
        socket.write(batch);
      }
    }

    void onRecord(Buffer record) {
      if (pendingLength < 0) {
        pendingLength = (int) record.getUnsignedInt(0);
        parser.fixedSizeMode(pendingLength);
        return;
      }
      pendingLength = -1;
      parser.fixedSizeMode(4);
      Frame frame;
      try {
        frame = FrameDecoder.decode(record);
      } catch (RuntimeException e) {
        errors++;
        return;
      }
      if (frame instanceof KvFrame kv && helloReply != null) {
        Promise<KvFrame> p = helloReply;
        helloReply = null;
        TypedValue capabilities = kv.get("capabilities");
        if (capabilities == null || !Arrays.asList(capabilities.asString().split("\\s*,\\s*")).contains("pipelining")) {
          depth = 1;
        }
        p.complete(kv);
        return;
      }
      if (!(frame instanceof AckFrame ack)) {
        errors++;
        System.err.println("load: unexpected frame " + frame);
        return;
      }
      int slot = (int) (ack.streamId() & (sentAt.length - 1));
      long sent = sentAt[slot];
      if (sent == 0 || slotStream[slot] != ack.streamId() || ack.frameId() != 1) {
        errors++; // an ACK for nothing we sent, or with the wrong ids
        return;
      }
      sentAt[slot] = 0;
      inFlight--;
      if (expected != null && !expected.equals(ack.actions())) {
        errors++;
      }
      if (measuring) {
        histogram.recordValue(Math.min(System.nanoTime() - sent, MAX_LATENCY_NANOS));
        measuredAcks++;
      }
      fill();
    }
  }
}
