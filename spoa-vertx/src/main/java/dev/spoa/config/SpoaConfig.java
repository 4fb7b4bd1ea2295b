package dev.spoa.config;

import dev.spoa.admin.SpoaAdminOptions;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An agent's configuration, checked: the sections of {@code conf/spoa.yaml} turned into options.
 * <ul>
 *   <li>{@code spoa}: {@link SpoaServerOptions} (its JSON keys);</li>
 *   <li>{@code tls}: {@code enabled}, {@code certPath}, {@code keyPath}, {@code trustPath},
 *       {@code clientAuth} (NONE, REQUEST, REQUIRED);</li>
 *   <li>{@code metrics}: {@code enabled}, {@code host}, {@code port} of the admin HTTP port;</li>
 *   <li>{@code agent}: {@code instances}, {@code messages} (required for readiness), {@code logLevel},
 *       {@code eventLoops}, {@code nativeTransport}, and how an agent deploys: {@code role},
 *       {@code handlerInstances}, {@code workerPoolSize}, {@code nodeName};</li>
 *   <li>{@code cluster}: the Hazelcast-clustered event bus ({@link ClusterSettings});</li>
 *   <li>any section the agent declares for its own settings ({@link #section(String)}).</li>
 * </ul>
 * Every problem is collected and reported at once, naming the key and the expected form.
 */
public final class SpoaConfig {

  /** The sections this library reads; an agent may declare more of its own. */
  public static final Set<String> SECTIONS = Set.of("spoa", "tls", "metrics", "agent", "cluster");
  static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  /** What one JVM of an agent runs. */
  public enum Role {
    /** The server and the handlers in this JVM (the default; clustered only when asked). */
    ALL,
    /** The server only; its handlers are found on the clustered event bus. */
    FRONT,
    /** The handlers only, joined to the cluster. */
    HANDLER;

    public boolean runsServer() {
      return this != HANDLER;
    }

    public boolean runsHandlers() {
      return this != FRONT;
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final JsonObject json;
  private final SpoaServerOptions serverOptions;
  private final SpoaAdminOptions adminOptions;
  private final boolean metricsEnabled;
  private final int instances;
  private final List<String> messages;
  private final String logLevel;
  private final int eventLoops;
  private final Role role;
  private final ClusterSettings cluster;

  private SpoaConfig(JsonObject json, SpoaServerOptions serverOptions, SpoaAdminOptions adminOptions,
                     boolean metricsEnabled, int instances, List<String> messages, String logLevel, int eventLoops,
                     Role role, ClusterSettings cluster) {
    this.json = json;
    this.role = role;
    this.cluster = cluster;
    this.serverOptions = serverOptions;
    this.adminOptions = adminOptions;
    this.metricsEnabled = metricsEnabled;
    this.instances = instances;
    this.messages = messages;
    this.logLevel = logLevel;
    this.eventLoops = eventLoops;
  }

  /** Checks and converts; strings (from the environment or the command line) are read as the key's type. */
  public static SpoaConfig fromJson(JsonObject raw) {
    return fromJson(raw, Set.of());
  }

  /**
   * The same, accepting the agent's own sections besides {@link #SECTIONS}. Their keys are not
   * checked; text that reads as a number or a boolean (from the environment, properties or
   * arguments) becomes one, as Vert.x's own environment store does.
   */
  public static SpoaConfig fromJson(JsonObject raw, Set<String> agentSections) {
    List<String> problems = new ArrayList<>();
    JsonObject json = new JsonObject();
    for (String section : raw.fieldNames()) {
      boolean own = agentSections.contains(section) && !SECTIONS.contains(section);
      if (!SECTIONS.contains(section) && !own) {
        java.util.TreeSet<String> known = new java.util.TreeSet<>(SECTIONS);
        known.addAll(agentSections);
        problems.add("unknown section '" + section + "' (known: " + String.join(", ", known) + ")");
      } else if (!(raw.getValue(section) instanceof JsonObject) && raw.getValue(section) != null) {
        problems.add(section + ": expected a map of settings");
      } else if (raw.getValue(section) != null) {
        json.put(section, raw.getJsonObject(section).copy());
      }
    }
    JsonObject spoa = section(json, "spoa");
    JsonObject tls = section(json, "tls");
    JsonObject metrics = section(json, "metrics");
    JsonObject agent = section(json, "agent");
    JsonObject clusterSection = section(json, "cluster");

    ConfigSchema.check(problems, "spoa", spoa, ConfigSchema.SPOA);
    ConfigSchema.check(problems, "tls", tls, ConfigSchema.TLS);
    ConfigSchema.check(problems, "metrics", metrics, ConfigSchema.METRICS);
    ConfigSchema.check(problems, "agent", agent, ConfigSchema.AGENT);
    ConfigSchema.check(problems, "cluster", clusterSection, ConfigSchema.CLUSTER);
    for (String own : agentSections) {
      if (json.getValue(own) instanceof JsonObject o) {
        ConfigSchema.typeText(o);
      }
    }
    Object clientAuth = tls.getValue("clientAuth");
    if (clientAuth != null && !Set.of("NONE", "REQUEST", "REQUIRED").contains(String.valueOf(clientAuth))) {
      problems.add("tls.clientAuth: expected NONE, REQUEST or REQUIRED, got '" + clientAuth + "'");
    }

    SpoaServerOptions server = null;
    if (problems.isEmpty()) {
      try {
        server = new SpoaServerOptions(spoa);
        applyTls(server, tls);
      } catch (IllegalArgumentException | NullPointerException e) {
        problems.add("spoa: " + e.getMessage());
      }
    }
    SpoaAdminOptions admin = null;
    try {
      admin = new SpoaAdminOptions(new JsonObject().put("host", metrics.getString("host", SpoaAdminOptions.DEFAULT_HOST))
        .put("port", metrics.getValue("port") instanceof Integer p ? p : SpoaAdminOptions.DEFAULT_PORT)
        .put("requiredMessages", agent.getValue("messages") instanceof JsonArray a ? a : new JsonArray()));
    } catch (IllegalArgumentException e) {
      problems.add("metrics: " + e.getMessage());
    }
    int instances = agent.getValue("instances") instanceof Integer i ? i : 1;
    if (instances < 1) {
      problems.add("agent.instances: expected at least 1, got " + instances);
    }
    int eventLoops = agent.getValue("eventLoops") instanceof Integer e ? e : 0;
    if (eventLoops < 0) {
      problems.add("agent.eventLoops: expected 0 (sized by the agent) or more, got " + eventLoops);
    }
    String level = agent.getValue("logLevel") instanceof String l ? l.toLowerCase(Locale.ROOT) : "info";
    if (!LOG_LEVELS.contains(level)) {
      problems.add("agent.logLevel: expected one of trace, debug, info, warn, error, got '" + level + "'");
    }
    Role role = null;
    try {
      role = Role.valueOf(agent.getString("role", "all").trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problems.add("agent.role: expected all, front or handler, got '" + agent.getValue("role") + "'");
    }
    if (agent.getValue("workerPoolSize") instanceof Integer w && w < 0) {
      problems.add("agent.workerPoolSize: expected 0 (handlers on event loops) or more, got " + w);
    }
    if (agent.getValue("handlerInstances") instanceof Integer h && h < 0) {
      problems.add("agent.handlerInstances: expected 0 (1, or one per worker thread) or more, got " + h);
    }
    ClusterSettings cluster = null;
    if (role != null) {
      cluster = ClusterSettings.from(clusterSection, role, problems);
    }
    if (!problems.isEmpty()) {
      throw new SpoaConfigException(problems);
    }
    List<String> messages = new ArrayList<>();
    agent.getJsonArray("messages", new JsonArray()).forEach(m -> messages.add(String.valueOf(m)));
    return new SpoaConfig(json, server, admin, metrics.getBoolean("enabled", true), instances, List.copyOf(messages), level,
      eventLoops, role, cluster);
  }

  private static JsonObject section(JsonObject json, String name) {
    JsonObject s = json.getJsonObject(name);
    if (s == null) {
      s = new JsonObject();
      json.put(name, s);
    }
    return s;
  }

  private static void applyTls(SpoaServerOptions server, JsonObject tls) {
    if (!tls.getBoolean("enabled", false)) {
      return;
    }
    String cert = tls.getString("certPath");
    String key = tls.getString("keyPath");
    if (cert == null || key == null) {
      throw new IllegalArgumentException("tls.enabled needs tls.certPath and tls.keyPath (PEM files)");
    }
    server.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert).setKeyPath(key));
    if (tls.getString("trustPath") != null) {
      server.setTrustOptions(new PemTrustOptions().addCertPath(tls.getString("trustPath")));
    }
    server.setClientAuth(ClientAuth.valueOf(tls.getString("clientAuth", "NONE")));
  }

  public SpoaServerOptions serverOptions() {
    return new SpoaServerOptions(serverOptions);
  }

  public SpoaAdminOptions adminOptions() {
    return new SpoaAdminOptions(adminOptions);
  }

  public boolean metricsEnabled() {
    return metricsEnabled;
  }

  /** Server verticles sharing the port ({@code agent.instances}). */
  public int instances() {
    return instances;
  }

  /** The message names that must have a handler for the agent to be ready. */
  public List<String> messages() {
    return messages;
  }

  public String logLevel() {
    return logLevel;
  }

  /** Whether to use the native transport (epoll) when it is on the classpath; NIO otherwise. */
  public boolean nativeTransport() {
    return json.getJsonObject("agent").getBoolean("nativeTransport", false);
  }

  /**
   * Event-loop threads of the agent's own Vert.x instance: {@code agent.eventLoops} when set. Else, in
   * a JVM that serves SPOP and runs its handlers without a cluster, one per server instance: an
   * event-loop handler then shares its thread with the connections it serves, and no message
   * crosses threads (docs/performance.md measures what the hop costs on the hot path). Else 0:
   * Vert.x's default, 2 per core, for the cluster's own traffic.
   */
  public int eventLoops() {
    if (eventLoops > 0) {
      return eventLoops;
    }
    return role == Role.ALL && !cluster.enabled() ? instances : 0;
  }

  /** What this JVM runs: the server, the handlers, or both. */
  public Role role() {
    return role;
  }

  /** 0: handlers run on event loops; otherwise worker verticles on a named pool of this many threads. */
  public int workerPoolSize() {
    return json.getJsonObject("agent").getInteger("workerPoolSize", 0);
  }

  /**
   * Instances of each handler verticle: {@code agent.handlerInstances}, else one per worker thread
   * (a worker verticle instance handles one message at a time), else 1.
   */
  public int handlerInstances() {
    int given = json.getJsonObject("agent").getInteger("handlerInstances", 0);
    return given > 0 ? given : Math.max(1, workerPoolSize());
  }

  /**
   * {@code agent.handlers}: message name to the class of its {@link dev.spoa.handler.SpoaHandler},
   * for agents started from configuration alone (e.g. {@code dev.spoa.agent.SpoaAgentVerticle}).
   */
  public Map<String, String> handlerClasses() {
    Map<String, String> classes = new LinkedHashMap<>();
    json.getJsonObject("agent").getJsonObject("handlers", new JsonObject())
      .forEach(e -> classes.put(e.getKey(), String.valueOf(e.getValue())));
    return classes;
  }

  /** When set, handlers deployed by an agent also set {@code txn.<var-prefix>.node} to it; null otherwise. */
  public String nodeName() {
    return json.getJsonObject("agent").getString("nodeName");
  }

  /** The clustered event bus: whether this JVM joins one, and how. */
  public ClusterSettings cluster() {
    return cluster;
  }

  /**
   * An agent's own section, as declared when it was loaded (an empty map when the file and the
   * other sources have none).
   */
  public JsonObject section(String name) {
    return json.getJsonObject(name, new JsonObject()).copy();
  }

  /** The checked configuration as JSON. */
  public JsonObject toJson() {
    return json.copy();
  }

  /** The configuration for the log, with secrets masked (any key naming a password, secret or key value). */
  public String describe() {
    return mask(toJson()).encodePrettily();
  }

  private static JsonObject mask(JsonObject in) {
    JsonObject out = new JsonObject();
    for (String k : in.fieldNames()) {
      Object v = in.getValue(k);
      String lower = k.toLowerCase(Locale.ROOT);
      if (v instanceof JsonObject o) {
        out.put(k, mask(o));
      } else if (v != null && (lower.contains("password") || lower.contains("secret") || lower.endsWith("value")
        || lower.equals("keyvalue"))) {
        out.put(k, "****");
      } else {
        out.put(k, v);
      }
    }
    return out;
  }
}
