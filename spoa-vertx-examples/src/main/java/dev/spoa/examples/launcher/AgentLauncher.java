package dev.spoa.examples.launcher;

import ch.qos.logback.classic.Level;
import dev.spoa.admin.SpoaAdminServer;
import dev.spoa.config.SpoaConfig;
import dev.spoa.config.SpoaConfigException;
import dev.spoa.config.SpoaConfigLoader;
import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.metrics.MicrometerSpoaMetrics;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServer;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.server.SpoaServerVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.config.ConfigRetriever;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Starts an agent: reads its configuration ({@code --conf conf/spoa.yaml}, {@code SPOA_*},
 * {@code -Dspoa.*}, {@code --<section>.<key>=}), builds Vert.x (clustered for the front and handler
 * roles, with Micrometer metrics when they are on), deploys the handlers and/or the server as its
 * {@link AgentSettings} say, serves the admin port, applies changes of the configuration file while
 * running, and drains on SIGTERM. The handler class is the same in every role.
 */
public final class AgentLauncher {

  /** The name of the worker pool handlers run on with {@code --worker-pool-size}. */
  public static final String WORKER_POOL = "spoa-handlers";
  /** The variable set when {@code --node-name} is given (HAProxy: {@code txn.<var-prefix>.node}). */
  public static final String NODE_VARIABLE = "node";
  /** How often a configuration file is read again for live changes. */
  static final long CONFIG_SCAN_MILLIS = 2000;

  private static final Logger LOG = LoggerFactory.getLogger(AgentLauncher.class);

  private AgentLauncher() {
  }

  /** The command line split between the configuration and the launcher. */
  public record Arguments(Path confFile, List<String> configArgs, String[] launcherArgs) {

    public static Arguments split(String[] args) {
      Path conf = null;
      List<String> config = new ArrayList<>();
      List<String> launcher = new ArrayList<>();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        String next = i + 1 < args.length ? args[i + 1] : null;
        if (a.equals("--conf") && next != null) {
          conf = Path.of(next);
          i++;
        } else if (a.startsWith("--conf=")) {
          conf = Path.of(a.substring(7));
        } else if ((a.equals("--host") || a.equals("--port")) && next != null) {
          config.add("--spoa." + a.substring(2) + "=" + next);
          i++;
        } else if (a.startsWith("--host=") || a.startsWith("--port=")) {
          config.add("--spoa." + a.substring(2));
        } else if (a.startsWith("--") && a.indexOf('.') > 0 && a.indexOf('=') > a.indexOf('.')) {
          config.add(a);
        } else {
          launcher.add(a);
        }
      }
      return new Arguments(conf, config, launcher.toArray(new String[0]));
    }
  }

  /** Parses, starts, and exits with 2 on a configuration mistake (one message, no stack trace) or 1 on a failed start. */
  public static void main(String[] args, String messageName, Supplier<SpoaHandler> handler, String what) {
    Arguments a = Arguments.split(args);
    AgentSettings settings;
    SpoaConfig config;
    try {
      settings = AgentSettings.from(a.launcherArgs(), System.getenv());
      config = loadConfig(a);
    } catch (IllegalArgumentException | SpoaConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    run(settings, config, a.confFile(), messageName, handler, what);
  }

  /** Reads the configuration once, leaving the launcher's own variables and properties out of it. */
  public static SpoaConfig loadConfig(Arguments a) {
    Vertx reader = Vertx.vertx();
    try {
      return SpoaConfigLoader.load(reader, a.confFile(), filteredEnv(), filteredProps(), a.configArgs()).await();
    } catch (SpoaConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new SpoaConfigException(List.of(String.valueOf(e.getMessage())));
    } finally {
      reader.close();
    }
  }

  static void run(AgentSettings s, SpoaConfig config, Path confFile, String messageName,
                  Supplier<SpoaHandler> handler, String what) {
    applyLogLevel(config.logLevel());
    LOG.info("{} starting: {}", what, s);
    LOG.info("configuration{}:\n{}", confFile == null ? " (defaults, environment, properties, arguments)"
      : " (" + confFile + ", environment, properties, arguments)", config.describe());
    AtomicReference<Vertx> started = new AtomicReference<>();
    AtomicReference<Deployments> deployed = new AtomicReference<>();
    // SIGTERM/SIGINT: the server drains first, then the handlers finish what they hold, then the node
    // leaves the cluster (Vert.x's own close would undeploy all at once: handlers gone mid-drain).
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Vertx v = started.get();
      if (v != null) {
        undeployInOrder(v, deployed.get()).await();
        v.close().await(); // not chained: its completion runs on no event loop of the closed Vert.x
      }
    }, "spoa-shutdown"));
    PrometheusMeterRegistry registry = config.metricsEnabled() ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
    SpoaMetrics metrics = registry == null ? SpoaMetrics.NOOP : new MicrometerSpoaMetrics(registry);
    List<SpoaServer> servers = new CopyOnWriteArrayList<>();
    vertx(s, registry, config.eventLoops(), config.nativeTransport())
      .onSuccess(started::set)
      .onSuccess(vertx -> vertx.exceptionHandler(AgentLauncher::unhandled))
      .compose(vertx -> deploy(vertx, s, config, messageName, handler, metrics, servers)
        .onSuccess(deployed::set)
        .compose(v -> registry == null ? Future.succeededFuture() : SpoaAdminServer.create(vertx, config.adminOptions(),
          registry, config.serverOptions().getHandlerAddressPrefix()).servers(() -> List.copyOf(servers)).listen()
          .onSuccess(admin -> LOG.info("{}: /metrics, /health and /ready on {}:{}", what,
            config.adminOptions().getHost(), admin.actualPort())))
        .onSuccess(v -> watch(vertx, confFile, config, servers)))
      .onSuccess(v -> {
        if (s.runsHandlers()) {
          LOG.info("{}: {} handler(s) for '{}' registered{}", what, s.handlerInstances, messageName,
            s.clustered ? " cluster-wide" : "");
        }
        Vertx running = started.get();
        LOG.info("{}: {} transport", what, running != null && running.isNativeTransportEnabled() ? "native (epoll)" : "NIO");
        if (s.runsServer()) {
          SpoaServerOptions o = config.serverOptions();
          LOG.info("{} listening on {}", what, o.getUnixSocketPath() != null ? "unix:" + o.getUnixSocketPath()
            : o.getHost() + ":" + o.getPort());
        }
      })
      .onFailure(t -> {
        LOG.error("{} failed to start: {}", what, t.toString());
        Vertx v = started.getAndSet(null);
        (v == null ? Future.succeededFuture() : v.close()).onComplete(x -> System.exit(1));
      });
  }

  /** A plain Vert.x, or a clustered one joined with {@link ClusterConfig#hazelcast(AgentSettings)}. */
  public static Future<Vertx> vertx(AgentSettings s, PrometheusMeterRegistry registry, int eventLoops,
                                   boolean nativeTransport) {
    VertxBuilder builder = Vertx.builder();
    if (registry != null) {
      builder.withMetrics(new MicrometerMetricsFactory(registry));
    }
    VertxOptions options = new VertxOptions().setPreferNativeTransport(nativeTransport);
    if (eventLoops > 0) {
      options.setEventLoopPoolSize(eventLoops);
    }
    if (!s.clustered) {
      return Future.succeededFuture(builder.with(options).build());
    }
    options.setEventBusOptions(new EventBusOptions().setHost(s.clusterHost).setPort(0));
    try {
      return builder.with(options)
        .withClusterManager(new HazelcastClusterManager(ClusterConfig.hazelcast(s)))
        .buildClustered();
    } catch (RuntimeException e) { // e.g. an unreadable cluster config
      return Future.failedFuture(e);
    }
  }

  /** The deployment ids of one agent's verticles; null for what its role does not run. */
  public record Deployments(String handlers, String servers) {
  }

  /** Deploys the handlers (when the role has them), then the servers (when it has one). */
  public static Future<Deployments> deploy(Vertx vertx, AgentSettings s, SpoaConfig config, String messageName,
                                           Supplier<SpoaHandler> handler, SpoaMetrics metrics, List<SpoaServer> servers) {
    Future<String> handlers = Future.succeededFuture();
    if (s.runsHandlers()) {
      DeploymentOptions options = new DeploymentOptions().setInstances(s.handlerInstances);
      if (s.workerPoolSize > 0) {
        options.setThreadingModel(ThreadingModel.WORKER)
          .setWorkerPoolName(WORKER_POOL)
          .setWorkerPoolSize(s.workerPoolSize);
      }
      Supplier<SpoaHandler> h = s.nodeName == null ? handler : () -> withNodeName(handler.get(), s.nodeName);
      handlers = vertx.deployVerticle(() -> SpoaHandlerVerticle.of(messageName, h.get()), options);
    }
    if (!s.runsServer()) {
      return handlers.map(id -> new Deployments(id, null));
    }
    int instances = s.serverInstances > 1 ? s.serverInstances : config.instances();
    return handlers.compose(handlersId -> vertx.deployVerticle(() -> new SpoaServerVerticle(config.serverOptions(), metrics) {
      @Override
      public Future<?> start() {
        return super.start().onSuccess(x -> servers.add(server()));
      }
    }, new DeploymentOptions().setInstances(instances)).map(serversId -> new Deployments(handlersId, serversId)));
  }

  /**
   * The shutdown order before Vert.x closes (and leaves the cluster): the servers drain (HAProxy
   * stops sending, open work is answered), then the handlers stop (each finishes the requests it
   * holds). Completes, failures logged, once both are done.
   */
  public static Future<Void> undeployInOrder(Vertx vertx, Deployments deployed) {
    Future<Void> servers = deployed == null || deployed.servers() == null ? Future.succeededFuture()
      : vertx.undeploy(deployed.servers()).onFailure(t -> LOG.warn("drain failed: {}", t.toString()));
    return servers
      .eventually(() -> deployed == null || deployed.handlers() == null ? Future.succeededFuture()
        : vertx.undeploy(deployed.handlers()).onFailure(t -> LOG.warn("stopping the handlers failed: {}", t.toString())))
      .otherwiseEmpty();
  }

  /** Re-reads the configuration file and applies what can change live; says what needs a restart. */
  private static void watch(Vertx vertx, Path confFile, SpoaConfig initial, List<SpoaServer> servers) {
    if (confFile == null) {
      return;
    }
    ConfigRetriever retriever = SpoaConfigLoader.retriever(vertx, confFile, filteredEnv(), filteredProps(),
      List.of(), CONFIG_SCAN_MILLIS);
    AtomicReference<SpoaConfig> current = new AtomicReference<>(initial);
    retriever.listen(change -> {
      SpoaConfig next;
      try {
        next = SpoaConfig.fromJson(change.getNewConfiguration());
      } catch (SpoaConfigException e) {
        LOG.error("{} changed but is not valid, keeping the running configuration: {}", confFile, e.getMessage());
        return;
      }
      SpoaConfig before = current.getAndSet(next);
      if (!before.logLevel().equals(next.logLevel())) {
        applyLogLevel(next.logLevel());
        LOG.info("log level is now {}", next.logLevel());
      }
      for (SpoaServer server : servers) {
        server.updateOptions(next.serverOptions()).onSuccess(needRestart -> {
          if (!needRestart.isEmpty()) {
            LOG.warn("{} changed {}: these take effect after a restart", confFile, needRestart);
          }
        }).onFailure(t -> LOG.error("could not apply the new configuration: {}", t.getMessage()));
      }
      if (!before.adminOptions().toJson().equals(next.adminOptions().toJson()) || before.metricsEnabled() != next.metricsEnabled()) {
        LOG.warn("{} changed the metrics section: it takes effect after a restart", confFile);
      }
      LOG.info("configuration reloaded from {}", confFile);
    });
  }

  private static Map<String, String> filteredEnv() {
    Map<String, String> env = new HashMap<>(System.getenv());
    AgentSettings.KEYS.forEach(k -> env.remove("SPOA_" + k.toUpperCase(Locale.ROOT).replace('-', '_')));
    return env;
  }

  private static Properties filteredProps() {
    Properties props = new Properties();
    props.putAll(System.getProperties());
    AgentSettings.KEYS.forEach(k -> props.remove("spoa." + k));
    return props;
  }

  /**
   * What no handler caught, on any Vert.x thread: logged with its stack trace, except a known
   * Vert.x 5.0.7 failure of the clustered event bus (a message to a node whose connection just
   * failed completes a promise twice; the request still times out into its fallback), which gets
   * one line instead of a trace each time a handler node dies.
   */
  static void unhandled(Throwable t) {
    boolean knownClusterRace = t instanceof IllegalStateException && "Promise already completed".equals(t.getMessage())
      && java.util.Arrays.stream(t.getStackTrace()).anyMatch(e -> e.getClassName().endsWith("clustered.OutboundConnection"));
    if (knownClusterRace) {
      LOG.warn("clustered event bus: a request to a node that just failed was failed twice by Vert.x (known 5.0.7 issue);"
        + " the NOTIFY gets its fallback at the deadline");
    } else {
      LOG.error("unhandled exception", t);
    }
  }

  /** Sets the root level of logback, the examples' log backend. */
  static void applyLogLevel(String level) {
    org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root instanceof ch.qos.logback.classic.Logger logback) {
      logback.setLevel(Level.toLevel(level, Level.INFO));
    }
  }

  private static SpoaHandler withNodeName(SpoaHandler handler, String nodeName) {
    Action node = Action.setVar(Scope.TXN, NODE_VARIABLE, nodeName);
    return req -> handler.handle(req).map(actions -> {
      List<Action> all = new ArrayList<>(actions == null ? List.of() : actions);
      all.add(node);
      return all;
    });
  }
}
