package dev.spoa.examples.iprep;

import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ip-reputation agent: {@code java -jar ip-reputation-agent.jar} listens on 127.0.0.1:12345.
 * The port comes from {@code -Dspoa.port} or the environment variable {@code SPOA_PORT}, the host
 * from {@code -Dspoa.host} / {@code SPOA_HOST}.
 */
public final class IpReputationAgent {

  private static final Logger LOG = LoggerFactory.getLogger(IpReputationAgent.class);

  private IpReputationAgent() {
  }

  public static void main(String[] args) {
    SpoaServerOptions options = new SpoaServerOptions()
      .setPort(Integer.parseInt(setting("spoa.port", "SPOA_PORT", String.valueOf(SpoaServerOptions.DEFAULT_PORT))))
      .setHost(setting("spoa.host", "SPOA_HOST", SpoaServerOptions.DEFAULT_HOST));
    Vertx vertx = Vertx.vertx();
    deploy(vertx, options, SpoaMetrics.NOOP)
      .onSuccess(v -> LOG.info("ip-reputation agent listening on {}:{}", options.getHost(), options.getPort()))
      .onFailure(t -> {
        LOG.error("ip-reputation agent failed to start: {}", t.toString());
        vertx.close().onComplete(x -> System.exit(1));
      });
    // SIGTERM/SIGINT: closing Vert.x undeploys the verticles, and the server shuts down gracefully.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await(), "spoa-shutdown"));
  }

  /** Deploys the handler, then the server: NOTIFYs arriving at once find their handler. */
  public static Future<String> deploy(Vertx vertx, SpoaServerOptions options, SpoaMetrics metrics) {
    return vertx.deployVerticle(SpoaHandlerVerticle.of(IpReputationHandler.MESSAGE, new IpReputationHandler()))
      .compose(id -> vertx.deployVerticle(new SpoaServerVerticle(options, metrics), new DeploymentOptions()));
  }

  private static String setting(String property, String env, String fallback) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      v = System.getenv(env);
    }
    return v == null || v.isBlank() ? fallback : v.trim();
  }
}
