package dev.spoa.agent;

import dev.spoa.agent.impl.SpoaAgentImpl;
import dev.spoa.config.SpoaConfig;
import dev.spoa.haproxy.AgentSpec;
import dev.spoa.handler.SpoaHandler;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;

import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A whole agent: its handlers, and everything around them that an operator expects.
 * <pre>{@code
 * public static void main(String[] args) {
 *   SpoaAgent.create("bot agent")
 *     .section("bot")                                    // its own settings in the same file
 *     .handler("check-request", config -> new BotHandler(config.section("bot")))
 *     .main(args);
 * }
 * }</pre>
 * {@link #main} reads the configuration ({@code --conf spoa.yaml}, {@code SPOA_*} variables,
 * {@code -Dspoa.*} properties, {@code --<section>.<key>=} and the short forms {@code --port},
 * {@code --role}, ...: {@code --help} lists them), builds Vert.x with its metrics, clustered for the
 * {@code front} and {@code handler} roles, deploys the handlers and then the servers, serves
 * {@code /metrics}, {@code /health} and {@code /ready} on the admin port, applies changes of the
 * file while running, and on SIGTERM drains in order: the servers, then the handlers, then the
 * cluster. {@link #start} does the same and hands the running agent back (tests, embedding);
 * {@link #deploy} puts the agent on a Vert.x the application built.
 *
 * <p>Handlers without their own {@link DeploymentOptions} follow the configuration:
 * {@code agent.workerPoolSize} (0: event loops) and {@code agent.handlerInstances}.
 */
public interface SpoaAgent {

  /** The name of the worker pool that handlers run on when {@code agent.workerPoolSize} is set. */
  String WORKER_POOL = "spoa-handlers";

  /** The variable handlers also set when {@code agent.nodeName} is given (HAProxy: {@code txn.<var-prefix>.node}). */
  String NODE_VARIABLE = "node";

  /** A new agent; {@code name} is for the log ("bot agent starting ..."). */
  static SpoaAgent create(String name) {
    return new SpoaAgentImpl(name);
  }

  /** Serves {@code message} with handlers made by {@code factory}, deployed as the configuration says. */
  SpoaAgent handler(String message, Supplier<? extends SpoaHandler> factory);

  /** The same, with a factory that reads the configuration (e.g. the agent's own {@link #section}). */
  SpoaAgent handler(String message, Function<SpoaConfig, ? extends SpoaHandler> factory);

  /**
   * The same, with a factory that also gets the Vert.x instance, for handlers that make clients of
   * their own (a database, Redis, HTTP). A handler that implements {@link AutoCloseable} is closed
   * when its verticle stops, after the calls it holds are answered.
   */
  SpoaAgent handler(String message, BiFunction<Vertx, SpoaConfig, ? extends SpoaHandler> factory);

  /**
   * The same with deployment options of its own (threading model, instances, worker pool), which
   * take the place of {@code agent.workerPoolSize} and {@code agent.handlerInstances} for it.
   */
  SpoaAgent handler(String message, BiFunction<Vertx, SpoaConfig, ? extends SpoaHandler> factory,
                    DeploymentOptions options);

  /**
   * Declares a section of the agent's own in the configuration ({@code bot:} in the file,
   * {@code SPOA_BOT_<KEY>}, {@code -Dspoa.bot.<key>}, {@code --bot.<key>=}), read with
   * {@link SpoaConfig#section(String)}. Undeclared sections remain an error.
   */
  SpoaAgent section(String name);

  /**
   * What the agent serves, for {@code java -jar agent.jar haproxy-config generate|validate ...}
   * (see {@link dev.spoa.haproxy.SpoeTool}); without it that subcommand is not offered.
   */
  SpoaAgent haproxyConfig(Function<SpoaServerOptions, AgentSpec> spec);

  /** Called on an event loop with the new configuration each time the file changes validly. */
  SpoaAgent configChangeHandler(Handler<SpoaConfig> handler);

  /**
   * Runs the agent from a {@code main}: exits with 2 on a configuration mistake (one message, no
   * stack trace), with 1 when it cannot start, and drains on SIGTERM or SIGINT.
   */
  void main(String[] args);

  /** Reads the configuration from {@code args} and the usual sources, builds Vert.x, and starts. */
  Future<RunningAgent> start(String... args);

  /** Starts with this configuration on a Vert.x of its own (metrics and cluster as configured). */
  Future<RunningAgent> start(SpoaConfig config);

  /**
   * Deploys onto the application's Vert.x: its handlers (as the role says), its servers and, when
   * metrics are on, the admin port. Cluster and metrics are then the application's to set up; a
   * Vert.x built with vertx-micrometer-metrics' Prometheus registry exports through it. Closing the
   * {@link RunningAgent} undeploys what this call deployed and leaves the Vert.x running.
   */
  Future<RunningAgent> deploy(Vertx vertx, SpoaConfig config);
}
