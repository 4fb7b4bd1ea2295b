package dev.spoa.examples.protocol;

import dev.spoa.examples.haproxy.CountingMetrics;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.examples.haproxy.HaproxyTestBase;
import dev.spoa.examples.iprep.IpReputationHandler;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What differs between HAProxy 2.6-3.0 (the SPOE applet) and 3.1+ (the SPOP multiplexer), seen by
 * the agent, on every tested version. docs/protocol.md's version table names these tests.
 */
class HaproxyVersionDifferencesIT extends HaproxyTestBase {

  private final List<SpoaRequest> requests = new CopyOnWriteArrayList<>();
  private final CountingMetrics metrics = new CountingMetrics();

  /** HAProxy from conf/ with the agent server on {@code agentPort} ({@code checks}: quick spop-checks, else none). */
  private int startHaproxy(HaproxyBinary binary, int agentPort, String spoe, boolean checks, String backendLines)
    throws Exception {
    int web = HaproxyProcess.freePort();
    String server = "    server agent1 127.0.0.1:" + agentPort;
    String cfg = HaproxyProcess.confHaproxyCfg(binary, web, agentPort)
      .replace(server + " check inter 2s", backendLines + server + (checks ? " check inter 200ms" : ""));
    assertTrue(cfg.contains(backendLines + server), cfg);
    haproxy = HaproxyProcess.start(binary, cfg, web, "spoe-iprep.conf", spoe);
    return web;
  }

  private static HttpResponse<String> get(HttpClient http, int web) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/")).timeout(Duration.ofSeconds(10))
      .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient http() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  /** The agent, recording each request's ids; returns its port. */
  private int deployRecordingAgent() {
    int agentPort = HaproxyProcess.freePort();
    vertx.deployVerticle(SpoaHandlerVerticle.of(IpReputationHandler.MESSAGE, request -> {
      requests.add(request);
      return Future.succeededFuture(List.of(Action.setVar(Scope.SESS, "ip_score", 20)));
    })).await();
    vertx.deployVerticle(new SpoaServerVerticle(new SpoaServerOptions().setPort(agentPort), metrics)).await();
    return agentPort;
  }

  /** 2.6 and 3.0 offer async next to pipelining; 3.1+ only pipelining (spop-spec §6). Read raw, before any agent answers. */
  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void theHelloOffersAsyncOnlyBefore31(HaproxyBinary binary) throws Exception {
    KvFrame hello;
    try (ServerSocket agent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      agent.setSoTimeout(10_000);
      int web = startHaproxy(binary, agent.getLocalPort(), HaproxyProcess.confSpoe(), false, "");
      Thread request = new Thread(() -> {
        try {
          get(http(), web); // goes on without the agent's verdict after timeout processing
        } catch (Exception ignored) {
          // only its NOTIFY matters
        }
      });
      request.start();
      try (Socket s = agent.accept()) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        hello = (KvFrame) FrameDecoder.decode(Buffer.buffer(frame));
      }
      request.join(10_000);
    }
    assertEquals(FrameType.HAPROXY_HELLO, hello.type());
    assertEquals(binary.async() ? "pipelining,async" : "pipelining", hello.get("capabilities").asString(), hello::toString);
    assertEquals("2.0", hello.get("supported-versions").asString());
    assertEquals(16380, hello.get("max-frame-size").asLong(), "tune.bufsize 16384 minus the 4-byte length");
    assertEquals(null, hello.get("healthcheck"), "not a check");
  }

  /**
   * Requests one after the other on one HTTP connection, one SPOE event each. 2.6 and 3.0: the
   * stream-id is HAProxy's stream counter (consecutive, even ones too), frame-id 1 for a stream's
   * first event. 3.1+: odd stream-ids, increasing on the connection, frame-id always 1.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void streamAndFrameIds(HaproxyBinary binary) throws Exception {
    int web = startHaproxy(binary, deployRecordingAgent(), HaproxyProcess.confSpoe(), true, "");
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10)));
    HttpClient http = http();
    for (int i = 0; i < 8; i++) {
      assertEquals(Optional.of("20"), get(http, web).headers().firstValue("Ip_score"), haproxy::log);
    }
    List<Long> streamIds = requests.stream().map(SpoaRequest::streamId).toList();
    assertEquals(8, streamIds.size());
    assertTrue(requests.stream().allMatch(r -> r.frameId() == 1), requests::toString);
    for (int i = 1; i < streamIds.size(); i++) {
      assertTrue(streamIds.get(i) > streamIds.get(i - 1), "increasing: " + streamIds);
    }
    if (binary.spopMode()) {
      assertTrue(streamIds.stream().allMatch(id -> id % 2 == 1), "odd: " + streamIds);
    } else {
      assertTrue(streamIds.stream().anyMatch(id -> id % 2 == 0), "the stream counter, even ids too: " + streamIds);
    }
  }

  /**
   * When every message of an event is filtered out by its ACL no NOTIFY is sent, on each tested
   * version. (Early 3.1/3.2 releases sent one with no message; HAProxy fixed that in "BUG/MINOR:
   * spoe: Properly detect and skip empty NOTIFY frames", backported to 3.1. The agent answers such a
   * NOTIFY with an empty ACK: ConformanceIT#anEmptyNotifyGetsAnEmptyAck.)
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void aMessageFilteredOutByItsAclSendsNoNotify(HaproxyBinary binary) throws Exception {
    String spoe = HaproxyProcess.confSpoe()
      .replace("event on-frontend-http-request\n", "event on-frontend-http-request if FALSE\n");
    assertTrue(spoe.contains("if FALSE"), spoe);
    int web = startHaproxy(binary, deployRecordingAgent(), spoe, true, "");
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10)));
    HttpClient http = http();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = get(http, web);
      assertEquals(200, r.statusCode());
      assertEquals(Optional.empty(), r.headers().firstValue("Spoe_error"));
    }
    Thread.sleep(300); // a NOTIFY would have arrived before the response; this covers the metric's update
    assertEquals(0, metrics.notifiesReceived.get(), "no NOTIFY");
  }

  /**
   * An idle agent connection. 2.6 and 3.0: the SPOE applet ends it at {@code timeout idle} with
   * HAPROXY-DISCONNECT 2 "a timeout occurred". 3.1+: the connection goes into the server's pool of
   * idle connections, where the backend's {@code timeout server} does not apply (mux_spop returns
   * it to the idle list without arming its timeout); only the pool purge or the agent ends it.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void anIdleConnectionEnds(HaproxyBinary binary) throws Exception {
    String spoe = HaproxyProcess.confSpoe().replace("timeout idle  2m", "timeout idle 1s");
    assertTrue(spoe.contains("timeout idle 1s"), spoe);
    // pool-purge-delay 1m: only timeout server could close the pooled connection during the test
    int web = startHaproxy(binary, deployRecordingAgent(), spoe, false,
      "    timeout server 1s\n    default-server pool-purge-delay 1m\n");
    assertEquals(Optional.of("20"), get(http(), web).headers().firstValue("Ip_score"), haproxy::log);
    Thread.sleep(3_000);
    assertEquals(1, metrics.connections.get(), "one agent connection");
    if (binary.spopMode()) {
      assertEquals(0, metrics.connectionsClosed.get(), "still open three times timeout server later");
      assertEquals(Map.of(), Map.copyOf(metrics.disconnectsReceived));
    } else {
      assertEquals(1, metrics.connectionsClosed.get(), "closed at timeout idle");
      assertEquals(1, metrics.received(2),
        "HAPROXY-DISCONNECT 2: " + metrics.disconnectsReceived);
    }
  }
}
