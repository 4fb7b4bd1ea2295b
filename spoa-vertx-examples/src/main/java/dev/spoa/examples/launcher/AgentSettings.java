package dev.spoa.examples.launcher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * How the example launcher deploys (role, instances, worker pool, cluster), read from its arguments,
 * system properties and environment. The agent's own settings (SPOP server, TLS, metrics, log level)
 * come from {@code conf/spoa.yaml} through {@link dev.spoa.config.SpoaConfigLoader}; {@code --host}
 * and {@code --port} are kept as short forms of {@code --spoa.host=} and {@code --spoa.port=}.
 * For each setting here the first of these wins:
 * {@code --name value} (or {@code --name=value}), {@code -Dspoa.name}, {@code SPOA_NAME}, the default.
 *
 * <table>
 *   <tr><th>argument</th><th>property / env</th><th>default</th></tr>
 *   <tr><td>--role all|front|handler</td><td>spoa.role / SPOA_ROLE</td><td>all</td></tr>
 *   <tr><td>--server-instances</td><td>spoa.server-instances / SPOA_SERVER_INSTANCES</td><td>1</td></tr>
 *   <tr><td>--worker-pool-size N</td><td>spoa.worker-pool-size / SPOA_WORKER_POOL_SIZE</td><td>0 = handlers on the event loop</td></tr>
 *   <tr><td>--handler-instances</td><td>spoa.handler-instances / SPOA_HANDLER_INSTANCES</td><td>1, or the worker pool size</td></tr>
 *   <tr><td>--node-name</td><td>spoa.node-name / SPOA_NODE_NAME</td><td>none</td></tr>
 *   <tr><td>--cluster-host</td><td>spoa.cluster-host / SPOA_CLUSTER_HOST</td><td>127.0.0.1</td></tr>
 *   <tr><td>--cluster-port</td><td>spoa.cluster-port / SPOA_CLUSTER_PORT</td><td>5701 (Hazelcast; the next free one is taken)</td></tr>
 *   <tr><td>--cluster-members h:p,h:p</td><td>spoa.cluster-members / SPOA_CLUSTER_MEMBERS</td><td>127.0.0.1</td></tr>
 *   <tr><td>--cluster-name</td><td>spoa.cluster-name / SPOA_CLUSTER_NAME</td><td>spoa</td></tr>
 *   <tr><td>--cluster-config file.xml</td><td>spoa.cluster-config / SPOA_CLUSTER_CONFIG</td><td>none: built-in TCP-IP config</td></tr>
 *   <tr><td>--clustered</td><td>spoa.clustered / SPOA_CLUSTERED</td><td>true for front/handler, else false</td></tr>
 * </table>
 */
public final class AgentSettings {

  /** What a JVM runs. */
  public enum Role {
    /** Server and handlers in this JVM (the default; non-clustered unless asked). */
    ALL,
    /** Only the SpoaServerVerticle; handlers are found on the clustered event bus. */
    FRONT,
    /** Only handler verticles, joined to the cluster. */
    HANDLER
  }

  /** The option names (also {@code -Dspoa.<name>} and {@code SPOA_<NAME>}). */
  public static final List<String> KEYS = List.of("role", "server-instances", "handler-instances",
    "worker-pool-size", "cluster-host", "cluster-port", "cluster-members", "cluster-name", "cluster-config",
    "clustered", "node-name");

  public final Role role;
  public final int serverInstances;
  public final int handlerInstances;
  /** 0: handlers run on event loops; otherwise WORKER verticles on a named pool of this size. */
  public final int workerPoolSize;
  public final boolean clustered;
  /** The address Hazelcast and the event bus bind to and announce. */
  public final String clusterHost;
  /** Whether {@link #clusterHost} was given (else a cluster config file keeps its interfaces). */
  public final boolean clusterHostGiven;
  /** 0 means Hazelcast's default (5701, auto-increment). */
  public final int clusterPort;
  /** The TCP-IP members ("host" or "host:port"), or null when not given (file's list, else 127.0.0.1). */
  public final List<String> clusterMembers;
  public final String clusterName;
  /** When set, the handlers also set {@code txn.<var-prefix>.node} to it: responses show which node answered. */
  public final String nodeName;
  /** A Hazelcast XML file, or null for the built-in configuration. */
  public final String clusterConfig;

  private AgentSettings(Function<String, String> lookup) {
    role = parse("role", lookup, "all", v -> Role.valueOf(v.toUpperCase(Locale.ROOT)));
    serverInstances = parse("server-instances", lookup, "1", AgentSettings::positive);
    workerPoolSize = parse("worker-pool-size", lookup, "0", v -> {
      int n = Integer.parseInt(v);
      if (n < 0) {
        throw new IllegalArgumentException("must be 0 or more");
      }
      return n;
    });
    // a worker verticle instance handles one message at a time: one instance per pool thread
    handlerInstances = parse("handler-instances", lookup, String.valueOf(Math.max(1, workerPoolSize)),
      AgentSettings::positive);
    nodeName = lookup.apply("node-name");
    clustered = parse("clustered", lookup, String.valueOf(role != Role.ALL), v -> v.isEmpty() || Boolean.parseBoolean(v));
    clusterHostGiven = lookup.apply("cluster-host") != null;
    clusterHost = clusterHostGiven ? lookup.apply("cluster-host") : "127.0.0.1";
    clusterPort = parse("cluster-port", lookup, "0", v -> v.equals("0") ? 0 : port(v));
    String members = lookup.apply("cluster-members");
    clusterMembers = members == null ? null
      : Arrays.stream(members.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
    clusterName = lookup.apply("cluster-name") != null ? lookup.apply("cluster-name") : "spoa";
    clusterConfig = lookup.apply("cluster-config");
    if (!clustered && role != Role.ALL) {
      throw new IllegalArgumentException("role " + name(role) + " needs the clustered event bus (drop --clustered=false)");
    }
  }

  /**
   * Reads the settings from {@code args} first, then system properties, then the environment.
   *
   * @throws IllegalArgumentException with a message for the user on an unknown or malformed argument
   */
  public static AgentSettings from(String[] args, Map<String, String> env) {
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + usage());
      }
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (key.equals("clustered")) {
        value = "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + key + " needs a value\n" + usage());
      }
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown option --" + key + "\n" + usage());
      }
      given.put(key, value.trim());
    }
    return new AgentSettings(key -> {
      String v = given.get(key);
      if (v == null) {
        v = System.getProperty("spoa." + key);
      }
      if (v == null || v.isBlank()) {
        v = env.get("SPOA_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
      }
      return v == null || v.isBlank() ? null : v.trim();
    });
  }

  public static String usage() {
    return "usage: java -jar ip-reputation-agent.jar [--conf conf/spoa.yaml] [--<section>.<key>=<value>]...\n"
      + "         [--host H] [--port P] [--role all|front|handler]\n"
      + "         [--server-instances N] [--handler-instances N] [--worker-pool-size N]\n"
      + "         [--clustered] [--cluster-host H] [--cluster-port P] [--cluster-members h:p,h:p]\n"
      + "         [--cluster-name NAME] [--cluster-config cluster.xml] [--node-name NAME]\n"
      + "  each option also as -Dspoa.<option> or SPOA_<OPTION> (e.g. SPOA_CLUSTER_MEMBERS);\n"
      + "  agent settings: conf/spoa.yaml, SPOA_<KEY> / SPOA_METRICS_<KEY>, -Dspoa.<key>, --spoa.<key>=<value>";
  }

  public boolean runsServer() {
    return role != Role.HANDLER;
  }

  public boolean runsHandlers() {
    return role != Role.FRONT;
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    parts.add("role=" + name(role));
    if (runsServer()) {
      parts.add("server instances=" + serverInstances);
    }
    if (runsHandlers()) {
      parts.add("handlers=" + handlerInstances + (workerPoolSize > 0 ? " on worker pool of " + workerPoolSize : " on event loops"));
    }
    if (clustered) {
      parts.add("cluster=" + clusterName + " on " + clusterHost + (clusterPort > 0 ? ":" + clusterPort : "")
        + " members " + (clusterMembers == null ? "(default)" : clusterMembers) + (clusterConfig != null ? " config " + clusterConfig : ""));
    }
    return String.join(", ", parts);
  }

  private static String name(Role r) {
    return r.name().toLowerCase(Locale.ROOT);
  }

  private static <T> T parse(String key, Function<String, String> lookup, String fallback, Function<String, T> parser) {
    String v = lookup.apply(key);
    try {
      return parser.apply(v == null ? fallback : v);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad value '" + v + "' for " + key + ": " + e.getMessage() + "\n" + usage());
    }
  }

  private static int port(String v) {
    int p = Integer.parseInt(v);
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("not a port");
    }
    return p;
  }

  private static int positive(String v) {
    int n = Integer.parseInt(v);
    if (n < 1) {
      throw new IllegalArgumentException("must be 1 or more");
    }
    return n;
  }
}
