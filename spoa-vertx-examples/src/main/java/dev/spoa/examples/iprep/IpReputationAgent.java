package dev.spoa.examples.iprep;

import dev.spoa.examples.launcher.AgentLauncher;
import dev.spoa.haproxy.SpoeTool;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;

/**
 * The ip-reputation agent: {@code java -jar ip-reputation-agent.jar [--conf conf/spoa.yaml]} listens
 * on 127.0.0.1:12345 with its handler in the same JVM, and serves /metrics, /health and /ready on
 * 127.0.0.1:9090. The port comes from the file, {@code SPOA_PORT}, {@code -Dspoa.port} or
 * {@code --port}; every other setting likewise (see conf/spoa.yaml).
 *
 * <p>The same jar runs the other deployment models (see {@link AgentSettings} and docs/scaling.md):
 * {@code --worker-pool-size N} puts the handler on a worker pool; {@code --role front} runs only the
 * server and {@code --role handler} only the handler, joined by a Hazelcast-clustered event bus
 * ({@code --cluster-members}, {@code --cluster-config conf/cluster.xml}).
 */
public final class IpReputationAgent {

  private IpReputationAgent() {
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("haproxy-config")) {
      // java -jar ip-reputation-agent.jar haproxy-config generate|validate ... (see docs/haproxy-config.md)
      AgentLauncher.Arguments a = AgentLauncher.Arguments.split(new String[0]);
      SpoaServerOptions options = AgentLauncher.loadConfig(a).serverOptions();
      System.exit(SpoeTool.run(List.of(args).subList(1, args.length), System.out, System.err,
        IpReputationHandler.spec(options)));
    }
    AgentLauncher.main(args, IpReputationHandler.MESSAGE, IpReputationHandler::new, "ip-reputation agent");
  }

  /** Deploys the handler, then the server: NOTIFYs arriving at once find their handler. */
  public static Future<String> deploy(Vertx vertx, SpoaServerOptions options, SpoaMetrics metrics) {
    return vertx.deployVerticle(SpoaHandlerVerticle.of(IpReputationHandler.MESSAGE, new IpReputationHandler()))
      .compose(id -> vertx.deployVerticle(new SpoaServerVerticle(options, metrics), new DeploymentOptions()));
  }
}
