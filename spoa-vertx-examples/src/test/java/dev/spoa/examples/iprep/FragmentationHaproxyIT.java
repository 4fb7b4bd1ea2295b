package dev.spoa.examples.iprep;

import dev.spoa.examples.haproxy.CountingMetrics;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.examples.haproxy.HaproxyTestBase;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HAProxy 2.6 and 3.0 (the SPOE applet) fragment a NOTIFY larger than the agreed
 * {@code max-frame-size} (spop-spec §6, §11): with {@code max-frame-size 256} and a User-Agent of
 * several hundred bytes, the message arrives as NOTIFY(FIN=0) + UNSET... + UNSET(FIN=1), which the
 * agent reassembles when it announced {@code fragmentation}. 3.1+ never fragments.
 */
class FragmentationHaproxyIT extends HaproxyTestBase {

  private final CountingMetrics metrics = new CountingMetrics();
  private int agentPort;
  private int webPort;

  static Stream<HaproxyBinary> fragmentingVersions() {
    return HaproxyBinary.versions(HaproxyBinary::fragmentation);
  }

  static Stream<HaproxyBinary> multiplexerVersions() {
    return HaproxyBinary.versions(HaproxyBinary::spopMode);
  }

  @BeforeEach
  void choosePorts() {
    agentPort = HaproxyProcess.freePort();
    webPort = HaproxyProcess.freePort();
  }

  /** Sets txn ua_len to the byte length of argument {@code ua} (the User-Agent). */
  private void deployAgent(boolean fragmentation, long handlerTimeout) {
    vertx.deployVerticle(SpoaHandlerVerticle.of(IpReputationHandler.MESSAGE, request -> {
      Arg ua = request.message().argOrNull("ua");
      if (ua == null || ua.isNull()) {
        return Future.succeededFuture(List.<Action>of());
      }
      int length = ua.asString().getBytes(StandardCharsets.UTF_8).length;
      return Future.succeededFuture(List.of(Action.setVar(Scope.TXN, "ua_len", length)));
    })).await();
    vertx.deployVerticle(new SpoaServerVerticle(new SpoaServerOptions().setPort(agentPort)
      .setHandlerTimeout(handlerTimeout).setFragmentation(fragmentation), metrics)).await();
  }

  /**
   * conf/ with max-frame-size 256, the User-Agent as argument ua, X-Ua-Len copied from
   * txn.iprep.ua_len and Spoe_error from txn.iprep.error; relaxed checks for a loaded machine.
   */
  private void startHaproxy(HaproxyBinary binary, String processingTimeout) throws IOException {
    String cfg = HaproxyProcess.withSpoeErrorHeader(HaproxyProcess.confHaproxyCfg(binary, webPort, agentPort))
      .replace("check inter 2s", "check inter 500ms fall 3 rise 1")
      .replaceFirst("(?m)^(    http-after-response set-header Ip_score .*)$",
        "$1\n    http-after-response set-header X-Ua-Len %[var(txn.iprep.ua_len)] if { var(txn.iprep.ua_len) -m found }");
    String spoe = HaproxyProcess.confSpoe()
      .replace("spoe-agent iprep-agent\n", "spoe-agent iprep-agent\n    max-frame-size 256\n")
      .replace("args ip=src\n", "args ip=src ua=req.hdr(user-agent)\n")
      .replace("timeout processing 500ms", "timeout processing " + processingTimeout);
    assertTrue(cfg.contains("X-Ua-Len") && cfg.contains("inter 500ms fall 3 rise 1"), cfg);
    assertTrue(spoe.contains("max-frame-size 256") && spoe.contains("ua=req.hdr(user-agent)")
      && spoe.contains("timeout processing " + processingTimeout), spoe);
    haproxy = HaproxyProcess.start(binary, cfg, webPort, "spoe-iprep.conf", spoe);
  }

  /** An ASCII User-Agent of exactly {@code length} bytes. */
  private static String userAgent(int length) {
    StringBuilder sb = new StringBuilder("spoa-test/1.0 ");
    for (int i = 0; sb.length() < length; i++) {
      sb.append((char) ('a' + i % 26));
    }
    sb.setLength(length);
    return sb.toString();
  }

  /** One request with a User-Agent of {@code length} bytes; its X-Ua-Len header. */
  private Optional<String> uaLen(HttpClient http, int length) throws Exception {
    return send(http, length).headers().firstValue("X-Ua-Len");
  }

  private HttpResponse<String> send(HttpClient http, int length) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/"))
      .header("User-Agent", userAgent(length))
      .timeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r::body);
    return r;
  }

  private static HttpClient http() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fragmentingVersions")
  void fragmentedNotifiesAreReassembled(HaproxyBinary binary) throws Exception {
    deployAgent(true, 1500);
    startHaproxy(binary, "2s");
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10)), haproxy.log());

    int threads = 4;
    int perThread = 25;
    HttpClient http = http();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<String> mismatches = new ArrayList<>();
    try {
      List<java.util.concurrent.Future<List<String>>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        parts.add(pool.submit(() -> {
          List<String> wrong = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            int length = 600 + 37 * (thread * perThread + i); // 600 .. 4263 bytes: 3 to 18 frames of 256
            Optional<String> got = uaLen(http, length);
            if (!got.equals(Optional.of(String.valueOf(length)))) {
              wrong.add(length + " -> " + got);
            }
          }
          return wrong;
        }));
      }
      for (var part : parts) {
        mismatches.addAll(part.get());
      }
    } finally {
      pool.shutdownNow();
    }
    int total = threads * perThread;
    assertEquals(List.of(), mismatches, "every response carries its User-Agent's length; HAProxy log:\n" + haproxy.log());
    assertEquals(total, metrics.reassembled.get(), "every NOTIFY came in fragments");
    assertTrue(metrics.fragments.get() >= 3 * total, "at least 3 frames each: " + metrics.fragments.get());
    assertEquals(total, CountingMetrics.awaitAtLeast(metrics.notifies, total));

    // a short User-Agent fits one frame: not fragmented
    assertEquals(Optional.of("40"), uaLen(http, 40));
    assertEquals(total, metrics.reassembled.get());
  }

  /**
   * Observed on HAProxy 2.6.12 and 3.0.11 when the agent does not announce {@code fragmentation}: the HELLO
   * succeeds and the check stays UP, but HAProxy cannot send the oversized NOTIFY. It closes the
   * connection with HAPROXY-DISCONNECT 10 "fragmentation not supported", opens a new one, and does
   * so again and again (dozens of connections per request) until {@code timeout processing}; the
   * request then goes on without the variable and with SPOE error 1 (timeout). Messages that fit
   * one frame still work.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("fragmentingVersions")
  void withoutFragmentationHaproxyCannotSendTheMessage(HaproxyBinary binary) throws Exception {
    deployAgent(false, SpoaServerOptions.DEFAULT_HANDLER_TIMEOUT);
    startHaproxy(binary, "500ms"); // the length of each connection storm
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10)), haproxy.log());

    HttpClient http = http();
    int requests = 2; // each one makes HAProxy reconnect for 500 ms (hundreds of connections): keep it to a few
    long start = System.nanoTime();
    for (int i = 0; i < requests; i++) {
      HttpResponse<String> r = send(http, 1000);
      assertEquals(Optional.empty(), r.headers().firstValue("X-Ua-Len"), "the message never reached the agent");
      assertEquals(Optional.of("1"), r.headers().firstValue("Spoe_error"), "SPOE error 1: timeout; HAProxy log:\n"
        + haproxy.log());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis >= requests * 450L, "each request waited for timeout processing: " + millis + " ms");
    assertEquals(0, metrics.notifies.get(), "no NOTIFY arrived");
    assertEquals(0, metrics.reassembled.get());
    assertTrue(metrics.received(10) >= requests,
      "HAProxy disconnected with status 10 (fragmentation not supported): " + metrics.disconnectsReceived);
    assertTrue(metrics.connections.get() > metrics.received(10), "a new connection after each DISCONNECT 10: "
      + metrics.connections.get() + " connections");
    assertEquals(0, metrics.sent(10), "the agent never saw a fragment to complain about: " + metrics.disconnectsSent);
    System.out.println("fragmentation off: " + requests + " requests in " + millis + " ms, " + metrics.connections.get()
      + " connections, " + metrics.received(10) + " DISCONNECT 10 received");

    // a message that fits one frame still gets through, and the agent stays UP
    assertEquals(Optional.of("40"), uaLen(http, 40));
    assertEquals(1, CountingMetrics.awaitAtLeast(metrics.notifies, 1));
    assertEquals("UP", haproxy.serverStat("spoe-iprep", "agent1", "status"));
  }

  /**
   * 3.1+ (the SPOP multiplexer) never fragments, whatever the agent announces (spop-spec §6): a
   * message that does not fit the frame fails its event before anything is sent, with SPOE error 3
   * ("too big", flt_spoe.c's SPOE_CTX_ERR_TOO_BIG when encoding the messages fails). No NOTIFY, no
   * DISCONNECT, no reconnection storm as on 2.6/3.0 without the capability; messages that fit go through.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("multiplexerVersions")
  void from31OnAnOversizedMessageFailsWithoutBeingSent(HaproxyBinary binary) throws Exception {
    deployAgent(true, 1500); // fragmentation announced, and ignored
    startHaproxy(binary, "2s");
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10)), haproxy.log());

    HttpClient http = http();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = send(http, 1000);
      assertEquals(Optional.empty(), r.headers().firstValue("X-Ua-Len"), "the message never reached the agent");
      assertEquals(Optional.of("3"), r.headers().firstValue("Spoe_error"), "SPOE error 3: too big; HAProxy log:\n"
        + haproxy.log());
    }
    assertEquals(Optional.of("40"), uaLen(http, 40), "a message that fits one frame still gets through");
    assertEquals(1, CountingMetrics.awaitAtLeast(metrics.notifies, 1), "only that one NOTIFY arrived");
    assertEquals(0, metrics.reassembled.get(), "no fragment ever arrived");
    assertEquals(Map.of(), metrics.disconnectsReceived, "HAProxy closed nothing with a DISCONNECT");
    assertEquals(Map.of(), metrics.disconnectsSent);
    assertEquals("UP", haproxy.serverStat("spoe-iprep", "agent1", "status"));
  }
}
