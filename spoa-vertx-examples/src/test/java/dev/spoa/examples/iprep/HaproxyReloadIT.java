package dev.spoa.examples.iprep;

import dev.spoa.examples.haproxy.CountingMetrics;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.examples.haproxy.IpScores;
import dev.spoa.examples.haproxy.UnpreventableSpoeTimeouts;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HAProxy reloads ({@code haproxy -sf}) under load: each new process opens its own agent
 * connections at once (a burst), the old one finishes and leaves. The agent must accept every
 * connection, answer every NOTIFY, and see no protocol error; with pipelining only (async off,
 * the default) no request loses its verdict, but for the timeouts no agent can prevent
 * ({@link UnpreventableSpoeTimeouts}), counted apart and bounded.
 */
class HaproxyReloadIT {

  private Vertx vertx;
  private final List<HaproxyProcess> haproxies = new ArrayList<>();

  @AfterEach
  void tearDown() {
    haproxies.forEach(HaproxyProcess::close);
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void reloadsUnderLoadKeepEveryVerdict(HaproxyBinary binary) throws Exception {
    vertx = Vertx.vertx();
    CountingMetrics metrics = new CountingMetrics();
    int agentPort = HaproxyProcess.freePort();
    int web = HaproxyProcess.freePort();
    IpReputationAgent.deploy(vertx, new SpoaServerOptions().setPort(agentPort), metrics).await();
    String cfg = HaproxyProcess.withSpoeErrorHeader(HaproxyProcess.confHaproxyCfg(binary, web, agentPort));
    HaproxyProcess current = HaproxyProcess.start(binary, cfg, web, "spoe-iprep.conf", HaproxyProcess.confSpoe());
    haproxies.add(current);

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/"))
      .timeout(Duration.ofSeconds(5)).build();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger scored = new AtomicInteger();
    Map<String, AtomicInteger> unscored = new ConcurrentHashMap<>();
    AtomicInteger httpErrors = new AtomicInteger();
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            String failure = IpScores.failure(r);
            if (failure == null) {
              scored.incrementAndGet();
            } else {
              unscored.computeIfAbsent(failure, k -> new AtomicInteger()).incrementAndGet();
            }
          } catch (Exception e) {
            httpErrors.incrementAndGet(); // a keep-alive connection the old process closed: HTTP, not SPOE
          }
        }
      }, "load-" + t);
      th.start();
      clients.add(th);
    }
    int reloads = 3;
    try {
      Thread.sleep(1000);
      for (int i = 0; i < reloads; i++) {
        int before = scored.get();
        current = current.reload();
        haproxies.add(current);
        Thread.sleep(1500);
        assertTrue(current.isAlive(), "the new HAProxy runs:\n" + current.log());
        assertTrue(scored.get() > before, "verdicts keep coming after reload " + (i + 1));
      }
    } finally {
      running.set(false);
      for (Thread th : clients) {
        th.join(10_000);
      }
    }
    long deadline = System.currentTimeMillis() + 5000;
    while (metrics.notifies.get() < metrics.notifiesReceived.get() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    String summary = String.format("reloads under load: %d reloads, %d agent connections opened, %d requests with a"
      + " verdict, without: %s, %d HTTP errors", reloads, metrics.connections.get(), scored.get(), unscored, httpErrors.get());
    System.out.println(summary);
    assertEquals(0, metrics.connectionsRefused.get(), "the agent accepted every connection of the bursts");
    assertTrue(metrics.connections.get() > reloads, "each HAProxy process opened its own connections");
    assertEquals(metrics.notifiesReceived.get(), metrics.notifies.get(), "every NOTIFY answered");
    assertEquals(Map.of(), nonZero(metrics.disconnectsSent), "no protocol error on any connection");
    // timeouts no agent can prevent are counted apart, bounded and printed (as in DrainUnderLoadIT)
    UnpreventableSpoeTimeouts unpreventable = UnpreventableSpoeTimeouts.find(haproxies,
      HaproxyProcess.spoeProcessingTimeout(HaproxyProcess.confSpoe()), UnpreventableSpoeTimeouts.timeouts(unscored));
    System.out.println("  of which " + unpreventable);
    unpreventable.assertBounded(() -> summary + "\n" + spoeErrors());
    assertEquals(0, unscored.values().stream().mapToInt(AtomicInteger::get).sum() - unpreventable.total(),
      () -> "no request lost its verdict: " + summary + "\n" + spoeErrors());
    assertTrue(scored.get() > 500, "load ran: " + scored.get());
  }

  /** The SPOE events that failed, as each HAProxy process logged them. */
  private String spoeErrors() {
    StringBuilder out = new StringBuilder();
    for (HaproxyProcess h : haproxies) {
      out.append("HAProxy ").append(h.pid()).append(":\n");
      h.log().lines().filter(l -> l.contains("SPOE:") && !l.contains(" st=0 ")).forEach(l -> out.append(l).append('\n'));
    }
    return out.toString();
  }

  private static Map<Integer, Integer> nonZero(Map<Integer, AtomicInteger> sent) {
    Map<Integer, Integer> out = new java.util.TreeMap<>();
    sent.forEach((status, n) -> {
      if (status != 0) {
        out.put(status, n.get());
      }
    });
    return out;
  }
}
