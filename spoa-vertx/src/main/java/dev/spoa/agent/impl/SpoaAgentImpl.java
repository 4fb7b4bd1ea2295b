package dev.spoa.agent.impl;

import dev.spoa.admin.SpoaAdminOptions;
import dev.spoa.agent.RunningAgent;
import dev.spoa.agent.SpoaAgent;
import dev.spoa.config.SpoaConfig;
import dev.spoa.config.SpoaConfigException;
import dev.spoa.config.SpoaConfigLoader;
import dev.spoa.haproxy.AgentSpec;
import dev.spoa.haproxy.SpoeTool;
import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.config.ConfigRetriever;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

public final class SpoaAgentImpl implements SpoaAgent {

  /** How often the configuration file is read again for live changes. */
  static final long CONFIG_SCAN_MILLIS = 2000;

  private static final Logger LOG = LoggerFactory.getLogger(SpoaAgent.class);

  private record HandlerEntry(String message, BiFunction<Vertx, SpoaConfig, ? extends SpoaHandler> factory,
                              DeploymentOptions options) {
  }

  private final String name;
  private final List<HandlerEntry> handlers = new ArrayList<>();
  private final Set<String> sections = new LinkedHashSet<>();
  private Function<SpoaServerOptions, AgentSpec> spec;
  private Handler<SpoaConfig> configChangeHandler;

  public SpoaAgentImpl(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  @Override
  public SpoaAgent handler(String message, Supplier<? extends SpoaHandler> factory) {
    Objects.requireNonNull(factory, "factory");
    return handler(message, (vertx, config) -> factory.get(), null);
  }

  @Override
  public SpoaAgent handler(String message, Function<SpoaConfig, ? extends SpoaHandler> factory) {
    Objects.requireNonNull(factory, "factory");
    return handler(message, (vertx, config) -> factory.apply(config), null);
  }

  @Override
  public SpoaAgent handler(String message, BiFunction<Vertx, SpoaConfig, ? extends SpoaHandler> factory) {
    return handler(message, factory, null);
  }

  @Override
  public SpoaAgent handler(String message, BiFunction<Vertx, SpoaConfig, ? extends SpoaHandler> factory,
                           DeploymentOptions options) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(factory, "factory");
    handlers.add(new HandlerEntry(message, factory, options == null ? null : new DeploymentOptions(options)));
    return this;
  }

  @Override
  public SpoaAgent section(String section) {
    if (SpoaConfig.SECTIONS.contains(section)) {
      throw new IllegalArgumentException("'" + section + "' is a section of the library, not the agent's");
    }
    sections.add(section);
    return this;
  }

  @Override
  public SpoaAgent haproxyConfig(Function<SpoaServerOptions, AgentSpec> spec) {
    this.spec = spec;
    return this;
  }

  @Override
  public SpoaAgent configChangeHandler(Handler<SpoaConfig> handler) {
    this.configChangeHandler = handler;
    return this;
  }

  @Override
  public void main(String[] args) {
    if (spec != null && args.length > 0 && args[0].equals("haproxy-config")) {
      // haproxy-config generate|validate ...: the agent's settings from the environment and properties
      SpoaServerOptions options;
      try {
        options = loadConfig(new CommandLine(null, List.of(), false)).serverOptions();
      } catch (SpoaConfigException e) {
        System.err.println(e.getMessage());
        System.exit(SpoeTool.USAGE);
        return;
      }
      System.exit(SpoeTool.run(List.of(args).subList(1, args.length), System.out, System.err, spec.apply(options)));
      return;
    }
    CommandLine commandLine;
    SpoaConfig config;
    try {
      commandLine = CommandLine.parse(args);
      if (commandLine.help()) {
        System.out.println(name + "\n" + CommandLine.usage() + (spec == null ? "" : "\n   or: haproxy-config generate|validate ..."));
        System.exit(0);
        return;
      }
      config = loadConfig(commandLine);
      checkClasspath(config);
    } catch (IllegalArgumentException | SpoaConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    AtomicReference<RunningAgentImpl> running = new AtomicReference<>();
    // SIGTERM/SIGINT: the server drains first, then the handlers finish what they hold, then the node
    // leaves the cluster (Vert.x's own close would undeploy all at once: handlers gone mid-drain)
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      RunningAgentImpl agent = running.get();
      if (agent != null) {
        agent.close().await();
      }
    }, "spoa-shutdown"));
    startOwn(config, commandLine, running::set).onFailure(t -> System.exit(1));
  }

  @Override
  public Future<RunningAgent> start(String... args) {
    CommandLine commandLine;
    try {
      commandLine = CommandLine.parse(args);
      return startOwn(loadConfig(commandLine), commandLine, agent -> {
      });
    } catch (IllegalArgumentException | SpoaConfigException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<RunningAgent> start(SpoaConfig config) {
    return startOwn(config, null, agent -> {
    });
  }

  @Override
  public Future<RunningAgent> deploy(Vertx vertx, SpoaConfig config) {
    try {
      checkClasspath(config);
    } catch (SpoaConfigException e) {
      return Future.failedFuture(e);
    }
    RunningAgentImpl agent = new RunningAgentImpl(vertx, false, config);
    return deployAll(agent, config.metricsEnabled() ? AgentMetrics.of(vertx) : null)
      .<RunningAgent>map(agent)
      .recover(t -> agent.close().transform(x -> Future.failedFuture(t)));
  }

  /** Reads the configuration once, on a Vert.x of its own: the agent's Vert.x depends on what it says. */
  SpoaConfig loadConfig(CommandLine commandLine) {
    Vertx reader = Vertx.vertx();
    try {
      return SpoaConfigLoader.load(reader, commandLine.confFile(), System.getenv(), System.getProperties(),
        commandLine.configArgs(), sections).await();
    } catch (SpoaConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new SpoaConfigException(List.of(String.valueOf(e.getMessage())));
    } finally {
      reader.close();
    }
  }

  /** The optional dependencies that the configuration asks for, named with the setting that needs them. */
  static void checkClasspath(SpoaConfig config) {
    List<String> missing = new ArrayList<>();
    if (config.metricsEnabled() && !present("io.vertx.micrometer.MicrometerMetricsFactory",
      "io.micrometer.prometheusmetrics.PrometheusMeterRegistry")) {
      missing.add("metrics.enabled is true: add io.vertx:vertx-micrometer-metrics and"
        + " io.micrometer:micrometer-registry-prometheus, or set metrics.enabled to false");
    }
    if (config.cluster().enabled() && !present("io.vertx.spi.cluster.hazelcast.HazelcastClusterManager")) {
      missing.add("agent.role " + config.role() + " (cluster.enabled) needs io.vertx:vertx-hazelcast");
    }
    if (!missing.isEmpty()) {
      throw new SpoaConfigException(missing);
    }
  }

  private static boolean present(String... classNames) {
    for (String name : classNames) {
      try {
        Class.forName(name, false, SpoaAgentImpl.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        return false;
      }
    }
    return true;
  }

  private Future<RunningAgent> startOwn(SpoaConfig config, CommandLine commandLine, Consumer<RunningAgentImpl> created) {
    try {
      checkClasspath(config);
    } catch (SpoaConfigException e) {
      return Future.failedFuture(e);
    }
    LogLevels.apply(config.logLevel());
    LogLevels.quietKnownNoise();
    Path confFile = commandLine == null ? null : commandLine.confFile();
    LOG.info("{} starting: {}", name, describe(config));
    LOG.info("configuration ({}environment, properties, arguments):\n{}", confFile == null ? "defaults, " : confFile + ", ",
      config.describe());
    VertxBuilder builder = Vertx.builder();
    AgentMetrics metrics = config.metricsEnabled() ? AgentMetrics.create() : null;
    if (metrics != null) {
      metrics.addTo(builder);
    }
    VertxOptions options = new VertxOptions().setPreferNativeTransport(config.nativeTransport());
    if (config.eventLoops() > 0) {
      options.setEventLoopPoolSize(config.eventLoops());
    }
    Future<Vertx> built = config.cluster().enabled() ? ClusteredVertx.build(builder, options, config.cluster())
      : Future.succeededFuture(builder.with(options).build());
    return built.compose(vertx -> {
      vertx.exceptionHandler(UnhandledExceptions::log);
      RunningAgentImpl agent = new RunningAgentImpl(vertx, true, config);
      created.accept(agent);
      LOG.info("{}: {} transport", name, vertx.isNativeTransportEnabled() ? "native (epoll)" : "NIO");
      return deployAll(agent, metrics)
        .onSuccess(v -> watch(agent, commandLine))
        .<RunningAgent>map(agent)
        .recover(t -> agent.close().transform(x -> Future.failedFuture(t)));
    }).onFailure(t -> LOG.error("{} failed to start: {}", name, t.toString()));
  }

  /** The handlers (when the role has them), then the servers (when it has one), then the admin port. */
  private Future<Void> deployAll(RunningAgentImpl agent, AgentMetrics metrics) {
    SpoaConfig config = agent.config();
    Vertx vertx = agent.vertx();
    Future<Void> handlersDeployed = config.role().runsHandlers() ? deployHandlers(agent) : Future.succeededFuture();
    return handlersDeployed.compose(v -> {
      if (!config.role().runsServer()) {
        return Future.<Void>succeededFuture();
      }
      SpoaMetrics serverMetrics = metrics == null ? SpoaMetrics.NOOP : metrics.spoaMetrics();
      return AgentParts.deployServers(vertx, config, serverMetrics, agent.servers).<Void>map(id -> {
        agent.serverDeployment = id;
        SpoaServerOptions o = config.serverOptions();
        LOG.info("{} listening on {}", name, o.getUnixSocketPath() != null ? "unix:" + o.getUnixSocketPath()
          : o.getHost() + ":" + (agent.servers.isEmpty() ? o.getPort() : agent.servers.get(0).actualPort()));
        return null;
      });
    }).compose(v -> {
      if (metrics == null) {
        return Future.succeededFuture();
      }
      List<String> messages = new ArrayList<>(handlers.stream().map(HandlerEntry::message).toList());
      messages.addAll(config.handlerClasses().keySet());
      SpoaAdminOptions admin = AgentParts.adminOptions(config, messages.stream().distinct().toList());
      return metrics.listen(vertx, admin, config.serverOptions().getHandlerAddressPrefix(), agent::servers)
        .<Void>map(server -> {
          agent.adminPort = server.actualPort();
          agent.adminClose = server::close;
          LOG.info("{}: /metrics, /health and /ready on {}:{}", name, admin.getHost(), server.actualPort());
          return null;
        });
    });
  }

  /** Each handler as its own options say, else as the configuration says (event loops or the worker pool). */
  private Future<Void> deployHandlers(RunningAgentImpl agent) {
    SpoaConfig config = agent.config();
    if (handlers.isEmpty() && config.handlerClasses().isEmpty()) {
      LOG.warn("{}: no handler was given: every NOTIFY gets its fallback ACK unless another node serves it", name);
    }
    List<HandlerEntry> entries = new ArrayList<>(handlers);
    config.handlerClasses().forEach((message, className) -> entries.add(new HandlerEntry(message,
      (vertx, c) -> AgentParts.instantiate(message, className, c), null)));
    Future<Void> all = Future.succeededFuture();
    for (HandlerEntry entry : entries) {
      DeploymentOptions options = entry.options() != null ? new DeploymentOptions(entry.options())
        : new DeploymentOptions().setInstances(config.handlerInstances());
      if (entry.options() == null && config.workerPoolSize() > 0) {
        options.setThreadingModel(ThreadingModel.WORKER).setWorkerPoolName(WORKER_POOL)
          .setWorkerPoolSize(config.workerPoolSize());
      }
      String nodeName = config.nodeName();
      Vertx vertx = agent.vertx();
      Supplier<SpoaHandler> handler = nodeName == null ? () -> entry.factory().apply(vertx, config)
        : () -> withNodeName(entry.factory().apply(vertx, config), nodeName);
      all = all.compose(v -> agent.vertx().deployVerticle(() -> SpoaHandlerVerticle.of(entry.message(), handler.get()), options)
        .<Void>map(id -> {
          agent.handlerDeployments.add(id);
          LOG.info("{}: {} handler(s) for '{}' on {}{}", name, options.getInstances(), entry.message(),
            options.getThreadingModel() == ThreadingModel.WORKER ? "worker threads" : "event loops",
            config.cluster().enabled() ? ", registered cluster-wide" : "");
          return null;
        }));
    }
    return all;
  }

  /** Re-reads the configuration file and applies what can change live; says what needs a restart. */
  private void watch(RunningAgentImpl agent, CommandLine commandLine) {
    if (commandLine == null || commandLine.confFile() == null) {
      return;
    }
    Path confFile = commandLine.confFile();
    ConfigRetriever retriever = SpoaConfigLoader.retriever(agent.vertx(), confFile, System.getenv(),
      System.getProperties(), commandLine.configArgs(), sections, CONFIG_SCAN_MILLIS);
    agent.watcher = retriever;
    AtomicReference<SpoaConfig> current = new AtomicReference<>(agent.config());
    retriever.listen(change -> {
      SpoaConfig next;
      try {
        next = SpoaConfig.fromJson(change.getNewConfiguration(), sections);
      } catch (SpoaConfigException e) {
        LOG.error("{} changed but is not valid, keeping the running configuration: {}", confFile, e.getMessage());
        return;
      }
      SpoaConfig before = current.getAndSet(next);
      if (!before.logLevel().equals(next.logLevel()) && LogLevels.apply(next.logLevel())) {
        LOG.info("log level is now {}", next.logLevel());
      }
      agent.servers.forEach(server -> server.updateOptions(next.serverOptions()).onSuccess(needRestart -> {
        if (!needRestart.isEmpty()) {
          LOG.warn("{} changed {}: these take effect after a restart", confFile, needRestart);
        }
      }).onFailure(t -> LOG.error("could not apply the new configuration: {}", t.getMessage())));
      if (!before.adminOptions().toJson().equals(next.adminOptions().toJson()) || before.metricsEnabled() != next.metricsEnabled()) {
        LOG.warn("{} changed the metrics section: it takes effect after a restart", confFile);
      }
      if (configChangeHandler != null) {
        configChangeHandler.handle(next);
      }
      LOG.info("configuration reloaded from {}", confFile);
    });
  }

  private static String describe(SpoaConfig config) {
    List<String> parts = new ArrayList<>();
    parts.add("role=" + config.role());
    if (config.role().runsServer()) {
      parts.add("server instances=" + config.instances());
    }
    if (config.role().runsHandlers()) {
      parts.add("handlers=" + config.handlerInstances() + (config.workerPoolSize() > 0
        ? " on worker pool of " + config.workerPoolSize() : " on event loops"));
    }
    parts.add("event loops=" + (config.eventLoops() > 0 ? config.eventLoops() : "Vert.x's default"));
    if (config.cluster().enabled()) {
      parts.add(config.cluster().toString());
    }
    return String.join(", ", parts);
  }

  private static SpoaHandler withNodeName(SpoaHandler handler, String nodeName) {
    return new NodeNamed(handler, Action.setVar(Scope.TXN, NODE_VARIABLE, nodeName));
  }

  /** Adds the node's name to every answer; closes the handler it wraps when that holds resources. */
  private record NodeNamed(SpoaHandler handler, Action node) implements SpoaHandler, AutoCloseable {
    @Override
    public Future<List<Action>> handle(dev.spoa.handler.SpoaRequest request) {
      return handler.handle(request).map(actions -> {
        List<Action> all = new ArrayList<>(actions == null ? List.of() : actions);
        all.add(node);
        return all;
      });
    }

    @Override
    public void close() throws Exception {
      if (handler instanceof AutoCloseable closeable) {
        closeable.close();
      }
    }
  }
}
