package dev.spoa.admin;

import dev.spoa.handler.SpoaHandlers;
import dev.spoa.server.SpoaServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Supplier;

/**
 * The operations port of an agent, separate from the SPOP port:
 * <ul>
 *   <li>{@code /metrics}: Prometheus text of the registry (SPOA meters and Vert.x's own);</li>
 *   <li>{@code /health}: liveness, 200 while the process serves HTTP;</li>
 *   <li>{@code /ready}: readiness, 200 when the SPOA servers listen and every required message has a
 *       handler on the event bus, else 503 with what is missing.</li>
 * </ul>
 * Point Kubernetes probes here, never at the SPOP port.
 */
public final class SpoaAdminServer {

  /** The Prometheus text format's content type, as Prometheus expects it. */
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Vertx vertx;
  private final SpoaAdminOptions options;
  private final PrometheusMeterRegistry registry;
  private final String handlerAddressPrefix;
  private Supplier<List<SpoaServer>> servers = List::of;
  private HttpServer http;

  private SpoaAdminServer(Vertx vertx, SpoaAdminOptions options, PrometheusMeterRegistry registry,
                          String handlerAddressPrefix) {
    this.vertx = vertx;
    this.options = new SpoaAdminOptions(options);
    this.registry = registry;
    this.handlerAddressPrefix = handlerAddressPrefix;
  }

  /**
   * @param registry the registry to expose ({@code null}: no {@code /metrics})
   * @param handlerAddressPrefix the servers' {@code handlerAddressPrefix}
   */
  public static SpoaAdminServer create(Vertx vertx, SpoaAdminOptions options, PrometheusMeterRegistry registry,
                                       String handlerAddressPrefix) {
    return new SpoaAdminServer(vertx, options, registry, handlerAddressPrefix);
  }

  /** The SPOA servers whose listening {@code /ready} requires (looked up at each probe). */
  public SpoaAdminServer servers(Supplier<List<SpoaServer>> servers) {
    this.servers = servers;
    return this;
  }

  public Future<SpoaAdminServer> listen() {
    http = vertx.createHttpServer(new HttpServerOptions().setHost(options.getHost()).setPort(options.getPort()));
    http.requestHandler(req -> {
      switch (req.path()) {
        case "/metrics":
          if (registry != null) {
            metrics(req);
          } else {
            req.response().setStatusCode(404).end("metrics are off\n");
          }
          break;
        case "/health":
          req.response().putHeader("content-type", "application/json").end("{\"status\":\"UP\"}\n");
          break;
        case "/ready":
          ready(req);
          break;
        default:
          req.response().setStatusCode(404).end("try /metrics, /health or /ready\n");
      }
    });
    return SharedPortListens.of(vertx).after(vertx.getOrCreateContext(), options.getHost() + ":" + options.getPort(),
        http::listen)
      .<SpoaAdminServer>map(this).recover(e -> Future.failedFuture(new IllegalStateException(
      "the admin server cannot listen on " + options.getHost() + ":" + options.getPort()
        + " (metrics.port, SPOA_METRICS_PORT): " + e.getMessage(), e)));
  }

  /**
   * The scrape is rendered on a worker thread: it walks every meter (Vert.x's own included) and took
   * hundreds of milliseconds the first time in a busy JVM, a stall that an event loop shared with
   * SPOP connections must not take (Vert.x's {@code PrometheusRequestHandler} renders in place).
   */
  private void metrics(HttpServerRequest req) {
    vertx.executeBlocking(registry::scrape, false).onComplete(ar -> {
      if (ar.succeeded()) {
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(ar.result());
      } else {
        req.response().setStatusCode(500).end("scrape failed: " + ar.cause() + "\n");
      }
    });
  }

  private void ready(HttpServerRequest req) {
    List<SpoaServer> list = servers.get();
    boolean listening = !list.isEmpty() && list.stream().allMatch(SpoaServer::isListening);
    SpoaHandlers.missingHandlers(vertx, handlerAddressPrefix, options.getRequiredMessages(), options.getProbeTimeout())
      .onComplete(ar -> {
        List<String> missing = ar.succeeded() ? ar.result() : options.getRequiredMessages();
        boolean ready = listening && missing.isEmpty();
        JsonObject body = new JsonObject().put("status", ready ? "UP" : "DOWN").put("listening", listening)
          .put("missingHandlers", new JsonArray(new java.util.ArrayList<>(missing)));
        req.response().setStatusCode(ready ? 200 : 503).putHeader("content-type", "application/json")
          .end(body.encode() + "\n");
      });
  }

  public int actualPort() {
    return http == null ? -1 : http.actualPort();
  }

  public Future<Void> close() {
    return http == null ? Future.succeededFuture() : http.close();
  }
}
