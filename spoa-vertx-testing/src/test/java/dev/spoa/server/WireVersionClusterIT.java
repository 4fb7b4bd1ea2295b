package dev.spoa.server;

import dev.spoa.cluster.LoopbackCluster;
import dev.spoa.handler.impl.SpoaCodecs;
import dev.spoa.handler.impl.SpoaReplyCodec;
import dev.spoa.handler.impl.SpoaRequestCodec;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster where one node speaks a newer wire version of the SPOA codecs (same codec names, version
 * byte 2): every request between it and the others fails at once with a clear failure (code
 * {@link SpoaCodecs#UNSUPPORTED_WIRE_VERSION}), never by timing out, and the server answers with the
 * fallback, reason ERROR.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WireVersionClusterIT {

  /** Deadlines far longer than the test: a request that times out instead of failing fails the test. */
  private static final long LONG_DEADLINE = 120_000;
  private static final DeliveryOptions LONG = new DeliveryOptions().setSendTimeout(LONG_DEADLINE);

  private final LoopbackCluster cluster = new LoopbackCluster(3);
  private final RecordingMetrics metrics = new RecordingMetrics();
  private Vertx front;
  private Vertx current;
  private Vertx newer;
  private SpoaServer server;
  private SpopTestClient client;

  /** The codecs of a future spoa-vertx: same names, writes version 2, still reads 1 and 2. */
  private static final class V2RequestCodec implements MessageCodec<SpoaRequest, SpoaRequest> {
    private final SpoaRequestCodec v1 = new SpoaRequestCodec();

    @Override
    public void encodeToWire(Buffer buffer, SpoaRequest req) {
      int start = buffer.length();
      v1.encodeToWire(buffer, req);
      buffer.setByte(start + 4, (byte) 2);
    }

    @Override
    public SpoaRequest decodeFromWire(int pos, Buffer buffer) { // reads version 1 and 2
      Buffer copy = buffer.copy();
      copy.setByte(pos + 4, (byte) 1);
      return v1.decodeFromWire(pos, copy);
    }

    @Override
    public SpoaRequest transform(SpoaRequest req) {
      return req;
    }

    @Override
    public String name() {
      return SpoaRequestCodec.NAME;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  private static final class V2ReplyCodec implements MessageCodec<SpoaReply, SpoaReply> {
    private final SpoaReplyCodec v1 = new SpoaReplyCodec();

    @Override
    public void encodeToWire(Buffer buffer, SpoaReply reply) {
      int start = buffer.length();
      v1.encodeToWire(buffer, reply);
      buffer.setByte(start + 4, (byte) 2);
    }

    @Override
    public SpoaReply decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("not used");
    }

    @Override
    public SpoaReply transform(SpoaReply reply) {
      return reply;
    }

    @Override
    public String name() {
      return SpoaReplyCodec.NAME;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  @BeforeAll
  void startCluster() {
    front = cluster.start(0);
    current = cluster.start(1);
    newer = cluster.start(2);
    newer.eventBus().registerDefaultCodec(SpoaRequest.class, new V2RequestCodec());
    newer.eventBus().registerDefaultCodec(SpoaReply.class, new V2ReplyCodec());
    List<Action> answer = List.of(Action.setVar(Scope.TXN, "ok", 1));
    SpoaHandlers.register(current, "current", req -> Future.succeededFuture(answer)).await();
    SpoaHandlers.register(newer, "newer", req -> Future.succeededFuture(answer)).await();
    server = SpoaServer.create(front, new SpoaServerOptions().setPort(0).setHandlerTimeout(LONG_DEADLINE)
      .setFallbackVariable("txn.spoa_fallback")).metrics(metrics);
    server.listen().await();
    client = SpopTestClient.connect(front, server.actualPort(), "127.0.0.1").await();
    client.hello().await();
  }

  @AfterAll
  void stopCluster() {
    if (client != null) {
      client.close();
    }
    cluster.close();
  }

  @Test
  void aReplyInAnUnknownVersionFailsTheRequestAtOnce() {
    ReplyException e = assertThrows(ReplyException.class,
      () -> front.eventBus().request(SpoaHandlers.address("newer"), new SpoaRequest("e", 1, 1, SpoaMessage.of("newer")),
        LONG).await(30, TimeUnit.SECONDS));
    assertEquals(ReplyFailure.ERROR, e.failureType());
    assertEquals(SpoaCodecs.UNSUPPORTED_WIRE_VERSION, e.failureCode());
    assertTrue(e.getMessage().contains("spoa-reply wire version 2 is not supported (this node reads 1)"), e.getMessage());
  }

  @Test
  void aRequestInAnUnknownVersionIsFailedByTheHandlerNode() {
    ReplyException e = assertThrows(ReplyException.class,
      () -> newer.eventBus().request(SpoaHandlers.address("current"), new SpoaRequest("e", 1, 1, SpoaMessage.of("current")),
        LONG).await(30, TimeUnit.SECONDS));
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, e.failureType());
    assertEquals(SpoaCodecs.UNSUPPORTED_WIRE_VERSION, e.failureCode());
    assertTrue(e.getMessage().contains("spoa-request wire version 2 is not supported (this node reads 1)"), e.getMessage());
  }

  @Test
  void theServerAnswersWithTheErrorFallbackAndCountsIt() throws Exception {
    AckFrame fromCurrent = client.notify(1, 1, SpoaMessage.of("current")).await(30, TimeUnit.SECONDS);
    assertEquals(List.of(Action.setVar(Scope.TXN, "ok", 1)), fromCurrent.actions(), "same version: served");
    AckFrame fromNewer = client.notify(2, 1, SpoaMessage.of("newer")).await(30, TimeUnit.SECONDS);
    assertEquals(List.of(Action.setVar(Scope.TXN, "spoa_fallback", FallbackReason.ERROR.code())), fromNewer.actions());
    assertEquals(1, metrics.fallbacks.get(FallbackReason.ERROR).get());
    assertEquals(null, metrics.fallbacks.get(FallbackReason.TIMEOUT), "failed, not timed out");
  }
}
