package dev.spoa.admin;

import dev.spoa.Await;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.metrics.MicrometerSpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.server.SpoaServer;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.testing.SpopTestClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.micrometer.MicrometerMetricsFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Traffic through a server with Micrometer metrics, then the admin port's scrape, health and readiness. */
class SpoaAdminServerIT {

  private Vertx vertx;
  private PrometheusMeterRegistry registry;
  private SpoaServer server;
  private SpoaAdminServer admin;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(java.time.Duration.ofSeconds(5)).build();

  @BeforeEach
  void setUp() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry)).build();
    server = SpoaServer.create(vertx, new SpoaServerOptions().setPort(0)).metrics(new MicrometerSpoaMetrics(registry));
    server.listen().await();
    admin = SpoaAdminServer.create(vertx, new SpoaAdminOptions().setPort(0).setProbeTimeout(300)
        .setRequiredMessages(List.of("check-client-ip")), registry, SpoaHandlers.DEFAULT_ADDRESS_PREFIX)
      .servers(() -> List.of(server));
    admin.listen().await();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.actualPort() + path))
        .timeout(java.time.Duration.ofSeconds(10)).build(),
      HttpResponse.BodyHandlers.ofString());
  }

  /** The value of one sample line of the scrape, e.g. {@code spoa_frames_received_total{type="notify"}}. */
  private static double sample(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(scrape);
    assertTrue(m.find(), () -> "no sample " + series + " in:\n" + scrape);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void scrapedMetricsCountWhatHappened() throws Exception {
    SpoaHandlers.register(vertx, "check-client-ip",
      req -> Future.succeededFuture(List.of(Action.setVar(Scope.SESS, "ip_score", 20)))).await();
    SpopTestClient c = SpopTestClient.connect(vertx, server.actualPort(), "127.0.0.1").await();
    c.hello().await();
    for (int i = 0; i < 10; i++) {
      c.notify(i, 1, SpoaMessage.of("check-client-ip")).await();
    }
    c.notify(100, 1, SpoaMessage.of("nobody-handles-this")).await();
    SpopTestClient check = SpopTestClient.connect(vertx, server.actualPort(), "127.0.0.1").await();
    check.healthCheck().await();
    check.closed().await();
    SpopTestClient bad = SpopTestClient.connect(vertx, server.actualPort(), "127.0.0.1").await();
    bad.write(Buffer.buffer("GET / HTTP/1.1\r\n\r\n")).await(); // an HTTP probe on the SPOP port
    bad.nextFrame().await();
    bad.closed().await();
    // the server counts a close on its own event loop, not necessarily before the client sees it
    Await.until(() -> registry.get("spoa.connections").tag("outcome", "closed").counter().count() == 2,
      "the server counted the health check's and the probe's connections closed");
    Await.until(() -> registry.get("spoa.ack.latency").timer().count() == 11, "the 11 ACKs' latencies recorded");

    String scrape = get("/metrics").body();
    assertEquals(11, sample(scrape, "spoa_frames_received_total{type=\"notify\"}"));
    assertEquals(11, sample(scrape, "spoa_frames_sent_total{type=\"ack\"}"));
    assertEquals(1, sample(scrape, "spoa_health_checks_total"));
    assertEquals(1, sample(scrape, "spoa_fallbacks_total{message=\"nobody-handles-this\",reason=\"no_handler\"}"));
    assertEquals(1, sample(scrape, "spoa_disconnects_sent_total{status=\"3\"}"), "the HTTP probe: a huge 'length'");
    assertEquals(0, sample(scrape, "spoa_notify_in_flight"));
    assertEquals(11, sample(scrape, "spoa_notify_duration_seconds_count"));
    assertEquals(11, sample(scrape, "spoa_ack_latency_seconds_count"));
    double p99 = sample(scrape, "spoa_ack_latency_seconds{quantile=\"0.99\"}");
    // HdrHistogram reports a value's bucket top, within the 2 significant digits the timer keeps
    assertTrue(p99 > 0 && p99 <= 1.02 * sample(scrape, "spoa_ack_latency_seconds_max"), "p99 " + p99 + " within (0, max]");
    assertEquals(10, sample(scrape, "spoa_handler_duration_seconds_count{message=\"check-client-ip\"}"));
    assertEquals(3, sample(scrape, "spoa_connections_total{outcome=\"opened\"}"));
    assertEquals(1, sample(scrape, "spoa_connections_active"), "the first client is still connected");
    assertTrue(scrape.contains("vertx_net_server_"), "Vert.x's own meters are on the same registry");
  }

  @Test
  void theScrapeIsRenderedOffTheEventLoop() throws Exception {
    // a gauge's function runs while the registry renders: it sees the thread that renders
    List<Boolean> onEventLoop = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.micrometer.core.instrument.Gauge.builder("scrape_probe", () -> {
      onEventLoop.add(io.vertx.core.Context.isOnEventLoopThread());
      return 1;
    }).register(registry);
    HttpResponse<String> r = get("/metrics");
    assertEquals(200, r.statusCode());
    assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
    assertEquals(1.0, sample(r.body(), "scrape_probe"));
    assertEquals(List.of(false), onEventLoop, "rendered on a worker thread, never on the event loop of SPOP connections");
  }

  @Test
  void aPortInUseIsNamedWithItsSettings() {
    int taken = admin.actualPort();
    Throwable admin2 = assertThrows(Throwable.class, () -> SpoaAdminServer.create(vertx,
      new SpoaAdminOptions().setPort(taken), registry, SpoaHandlers.DEFAULT_ADDRESS_PREFIX).listen().await());
    assertTrue(admin2.getMessage().contains("127.0.0.1:" + taken + " (metrics.port, SPOA_METRICS_PORT)"), admin2.getMessage());
    Throwable spoa2 = assertThrows(Throwable.class, () -> SpoaServer.create(vertx,
      new SpoaServerOptions().setPort(taken).setWarmUpNotifies(0)).listen().await());
    assertTrue(spoa2.getMessage().contains(":" + taken + " (spoa.port, SPOA_PORT)"), spoa2.getMessage());
  }

  @Test
  void healthAndReadiness() throws Exception {
    assertEquals(200, get("/health").statusCode());
    HttpResponse<String> notReady = get("/ready");
    assertEquals(503, notReady.statusCode());
    assertTrue(notReady.body().contains("check-client-ip"), notReady.body());

    SpoaHandlers.register(vertx, "check-client-ip", req -> Future.succeededFuture(List.of())).await();
    HttpResponse<String> ready = get("/ready");
    assertEquals(200, ready.statusCode(), ready.body());

    server.shutdown(100, TimeUnit.MILLISECONDS);
    assertEquals(503, get("/ready").statusCode(), "a draining agent is not ready");
    assertEquals(404, get("/nothing").statusCode());
  }
}
