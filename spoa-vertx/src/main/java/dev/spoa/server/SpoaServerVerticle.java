package dev.spoa.server;

import dev.spoa.metrics.SpoaMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link SpoaServer} as a verticle: deploy several instances ({@code setInstances(n)}) to
 * spread HAProxy's connections over {@code n} event loops. Undeploying it shuts the server down
 * gracefully within {@link SpoaServerOptions#getShutdownTimeout()}.
 *
 * <p>Without options in the constructor, the options come from the deployment's {@code config()}
 * (as JSON, see {@link SpoaServerOptions#SpoaServerOptions(io.vertx.core.json.JsonObject)}).
 */
public class SpoaServerVerticle extends VerticleBase {

  private final SpoaServerOptions givenOptions;
  private final SpoaMetrics metrics;
  private SpoaServer server;
  private SpoaServerOptions options;

  public SpoaServerVerticle() {
    this(null, SpoaMetrics.NOOP);
  }

  public SpoaServerVerticle(SpoaServerOptions options) {
    this(options, SpoaMetrics.NOOP);
  }

  public SpoaServerVerticle(SpoaServerOptions options, SpoaMetrics metrics) {
    this.givenOptions = options;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    options = givenOptions != null ? givenOptions : new SpoaServerOptions(config());
    server = SpoaServer.create(vertx, options).metrics(metrics);
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(options.getShutdownTimeout(), TimeUnit.MILLISECONDS);
  }

  /** The server, once started. */
  public SpoaServer server() {
    return server;
  }
}
