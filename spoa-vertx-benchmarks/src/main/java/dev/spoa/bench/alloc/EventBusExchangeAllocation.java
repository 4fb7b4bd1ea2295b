package dev.spoa.bench.alloc;

import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.handler.impl.SpoaCodecs;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bytes one event-bus exchange costs, apart from everything else the agent does: three ways to ask
 * a handler and get its answer, on one event loop with the sender and the handler in two verticles on it (as
 * the agent's server and handler verticle are by default), with the agent's own request and reply
 * bodies, read from the JVM's exact per-thread allocation counter.
 *
 * <ul>
 *   <li>{@code request}: {@code eventBus.request} and {@code message.reply}, what the agent does;</li>
 *   <li>{@code send}: one-way {@code send} of the request with a correlation id, the handler sends its
 *       answer one way to one reply consumer per sender, which matches it in a bounded table (the
 *       design issue 14 sketched);</li>
 *   <li>{@code carried}: one message that carries its own way back, a context hop to the sender
 *       (what the agent's local calls do).</li>
 * </ul>
 *
 * <pre>java -cp spoa-vertx-benchmarks/target/spoa-benchmarks.jar dev.spoa.bench.alloc.EventBusExchangeAllocation
 *     [--mode request|send|carried] [--depth 20] [--warmup 8] [--duration 10]</pre>
 */
public final class EventBusExchangeAllocation {

  private static final String HANDLER = "bench.check-client-ip";
  private static final String REPLIES = "bench.replies";
  private static final SpoaReply VERDICT = new SpoaReply(List.of(Action.setVar(Scope.SESS, "ip_score", 20)));
  /** Exchanges in flight at most: the bounded correlation table's size (a power of two). */
  private static final int TABLE = 1024;
  /** Shared by every one-way answer: {@code send(address, body)} would make new options each time. */
  private static final DeliveryOptions REPLY = new DeliveryOptions();

  /** The third design: the request carries its own way back (a context hop, no reply message). */
  static final class Carried implements Handler<Void> {
    final Context caller = Vertx.currentContext();
    final SpoaRequest request;
    final Promise<SpoaReply> answer = Promise.promise();
    SpoaReply reply;

    Carried(SpoaRequest request) {
      this.request = request;
    }

    void answer(SpoaReply reply) {
      this.reply = reply;
      caller.runOnContext(this);
    }

    @Override
    public void handle(Void v) {
      answer.complete(reply);
    }
  }

  /** A request or reply with the correlation that the one-way design carries. */
  record Correlated(long id, Object body) {
  }

  /** Local-only pass-through codec: the measurement is about one JVM, as the default path is. */
  record PassThrough<T>(String name) implements MessageCodec<T, T> {
    @Override public void encodeToWire(Buffer buffer, T c) { throw new UnsupportedOperationException(); }
    @Override public T decodeFromWire(int pos, Buffer buffer) { throw new UnsupportedOperationException(); }
    @Override public T transform(T c) { return c; }
    @Override public byte systemCodecID() { return -1; }
  }

  public static void main(String[] argv) throws Exception {
    JsonObject args = new JsonObject().put("mode", "request").put("depth", "20").put("warmup", "8").put("duration", "10");
    for (int i = 0; i + 1 < argv.length; i += 2) {
      args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
    }
    String mode = args.getString("mode");
    int depth = Integer.parseInt(args.getString("depth"));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      SpoaCodecs.register(vertx);
      vertx.eventBus().registerDefaultCodec(Correlated.class, new PassThrough<>("bench-correlated"));
      vertx.eventBus().registerDefaultCodec(Carried.class, new PassThrough<>("bench-carried"));
      vertx.deployVerticle(new HandlerVerticle(mode.equals("send"))).await();
      Sender sender = new Sender(mode, depth);
      vertx.deployVerticle(sender).await();
      CompletableFuture<Long> loopThread = new CompletableFuture<>();
      vertx.getOrCreateContext().runOnContext(x -> loopThread.complete(Thread.currentThread().getId()));
      long thread = loopThread.get(10, TimeUnit.SECONDS);
      com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

      Thread.sleep(TimeUnit.SECONDS.toMillis(Long.parseLong(args.getString("warmup"))));
      long bytes0 = threads.getThreadAllocatedBytes(thread);
      long done0 = sender.completed;
      long t0 = System.nanoTime();
      Thread.sleep(TimeUnit.SECONDS.toMillis(Long.parseLong(args.getString("duration"))));
      long bytes1 = threads.getThreadAllocatedBytes(thread);
      long done1 = sender.completed;
      long elapsed = System.nanoTime() - t0;
      long exchanges = done1 - done0;
      JsonObject result = new JsonObject()
        .put("mode", mode)
        .put("depth", depth)
        .put("exchanges", exchanges)
        .put("exchangesPerSecond", Math.round(exchanges / (elapsed / 1e9)))
        .put("bytesPerExchange", exchanges == 0 ? -1 : Math.round((double) (bytes1 - bytes0) / exchanges))
        .put("unanswered", sender.unanswered);
      System.out.println(result.encode());
      System.exit(exchanges > 0 && sender.unanswered == 0 ? 0 : 1);
    } finally {
      vertx.close();
    }
  }

  /** The handler verticle: answers every request with the same verdict, through a future as handlers do. */
  private static final class HandlerVerticle extends VerticleBase {
    private final boolean oneWay;

    HandlerVerticle(boolean oneWay) {
      this.oneWay = oneWay;
    }

    @Override
    public Future<?> start() {
      EventBus bus = vertx.eventBus();
      return bus.<Object>consumer(HANDLER, msg -> {
        if (msg.body() instanceof Carried call) {
          Future.succeededFuture(VERDICT).onSuccess(call::answer);
        } else if (oneWay) {
          Correlated request = (Correlated) msg.body();
          Future.succeededFuture(VERDICT).onSuccess(v -> bus.send(REPLIES, new Correlated(request.id(), v), REPLY));
        } else {
          Future.succeededFuture(VERDICT).onSuccess(msg::reply);
        }
      }).completion();
    }
  }

  /** Keeps {@code depth} exchanges in flight and counts the answers. */
  private static final class Sender extends VerticleBase {
    private final boolean oneWay;
    private final boolean carried;
    private final int depth;
    private final DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(1000);
    private final SpoaRequest request = new SpoaRequest("engine", 1, 1,
      new SpoaMessage("check-client-ip", List.of()));
    @SuppressWarnings("unchecked")
    private final Promise<SpoaReply>[] pending = new Promise[TABLE];
    private long nextId;
    volatile long completed;
    volatile long unanswered;

    Sender(String mode, int depth) {
      this.oneWay = mode.equals("send");
      this.carried = mode.equals("carried");
      this.depth = depth;
    }

    @Override
    public Future<?> start() {
      Future<?> ready = Future.succeededFuture();
      if (oneWay) {
        ready = vertx.eventBus().<Correlated>consumer(REPLIES, msg -> {
          Correlated reply = msg.body();
          int slot = (int) (reply.id() & (TABLE - 1));
          Promise<SpoaReply> p = pending[slot];
          pending[slot] = null;
          if (p != null) {
            p.complete((SpoaReply) reply.body());
          }
        }).completion();
      }
      return ready.onSuccess(v -> {
        for (int i = 0; i < depth; i++) {
          next();
        }
      });
    }

    private void next() {
      Future<SpoaReply> answer;
      if (carried) {
        Carried call = new Carried(request);
        vertx.eventBus().send(HANDLER, call, delivery);
        answer = call.answer.future();
      } else if (oneWay) {
        long id = nextId++;
        Promise<SpoaReply> p = Promise.promise();
        pending[(int) (id & (TABLE - 1))] = p;
        vertx.eventBus().send(HANDLER, new Correlated(id, request), delivery);
        answer = p.future();
      } else {
        answer = vertx.eventBus().<SpoaReply>request(HANDLER, request, delivery).map(m -> m.body());
      }
      answer.onComplete(ar -> {
        if (ar.succeeded() && ar.result() == VERDICT) {
          completed++;
        } else {
          unanswered++;
        }
        next();
      });
    }
  }
}
