package dev.spoa.examples.iprep;

import dev.spoa.agent.SpoaAgent;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The ip-reputation agent: {@code java -jar ip-reputation-agent.jar [--conf conf/spoa.yaml]} listens
 * on 127.0.0.1:12345 with its handler in the same JVM, and serves /metrics, /health and /ready on
 * 127.0.0.1:9090. Every setting comes from the file, {@code SPOA_*}, {@code -Dspoa.*} or the
 * command line ({@code --help}); {@link SpoaAgent} does the rest.
 *
 * <p>The same jar runs the other deployment models (docs/scaling.md): {@code --worker-pool-size N}
 * puts the handler on a worker pool; {@code --role front} runs only the server and
 * {@code --role handler} only the handler, joined by a Hazelcast-clustered event bus
 * ({@code --cluster-members}, {@code --cluster-config conf/cluster.xml}).
 */
public final class IpReputationAgent {

  private IpReputationAgent() {
  }

  public static void main(String[] args) {
    SpoaAgent.create("ip-reputation agent")
      .handler(IpReputationHandler.MESSAGE, IpReputationHandler::new)
      .haproxyConfig(IpReputationHandler::spec) // java -jar ip-reputation-agent.jar haproxy-config generate ...
      .main(args);
  }

  /** Deploys the handler, then the server: NOTIFYs arriving at once find their handler. */
  public static Future<String> deploy(Vertx vertx, SpoaServerOptions options, SpoaMetrics metrics) {
    return vertx.deployVerticle(SpoaHandlerVerticle.of(IpReputationHandler.MESSAGE, new IpReputationHandler()))
      .compose(id -> vertx.deployVerticle(new SpoaServerVerticle(options, metrics), new DeploymentOptions()));
  }
}
