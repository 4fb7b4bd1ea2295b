package dev.spoa.haproxy;

import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.Variable;
import dev.spoa.server.SpoaServerOptions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What an agent serves, as HAProxy's configuration must reflect it: the SPOE engine (the
 * {@code [engine]} scope of the SPOE file and the {@code filter spoe engine} name), the
 * {@code spoe-agent} name, the variable prefix, the messages, the agent's address and the
 * {@link SpoaServerOptions} whose deadlines the HAProxy timeouts must exceed.
 *
 * <pre>{@code
 * AgentSpec spec = AgentSpec.builder("iprep")
 *   .agentName("iprep-agent")
 *   .varPrefix("iprep")
 *   .message(SpoeMessageSpec.builder("check-client-ip").arg("ip", "src")
 *     .event("on-frontend-http-request").sets(Scope.SESS, "ip_score").build())
 *   .options(new SpoaServerOptions().setHandlerTimeout(400))
 *   .build();
 * }</pre>
 *
 * <p>The address is that of {@link #options()} (host and port, or its unix socket path) unless
 * {@link Builder#tcpAddress} or {@link Builder#unixSocket} gives another (e.g. the name HAProxy
 * reaches the agent by). A wildcard listen host (0.0.0.0, ::) becomes the loopback address.
 */
public final class AgentSpec {

  private final String engine;
  private final String agentName;
  private final String varPrefix;
  private final String backendName;
  private final List<SpoeMessageSpec> messages;
  private final SpoaServerOptions options;
  private final String host;
  private final int port;
  private final String unixSocketPath;

  private AgentSpec(Builder b, String host, int port, String unixSocketPath) {
    this.engine = b.engine;
    this.agentName = b.agentName != null ? b.agentName : b.engine + "-agent";
    this.varPrefix = b.varPrefix != null ? b.varPrefix : b.engine;
    this.backendName = b.backendName != null ? b.backendName : "spoe-" + b.engine;
    this.messages = List.copyOf(b.messages.values());
    this.options = b.options;
    this.host = host;
    this.port = port;
    this.unixSocketPath = unixSocketPath;
  }

  /** A builder for engine {@code engine} (the SPOE file's {@code [engine]} scope). */
  public static Builder builder(String engine) {
    return new Builder(engine);
  }

  /** The SPOE engine name: the file's {@code [scope]} and the {@code filter spoe engine} argument. */
  public String engine() {
    return engine;
  }

  /** The {@code spoe-agent} section's name (default {@code <engine>-agent}). */
  public String agentName() {
    return agentName;
  }

  /** {@code option var-prefix} (default: the engine name): HAProxy names variables {@code <scope>.<prefix>.<name>}. */
  public String varPrefix() {
    return varPrefix;
  }

  /** The backend holding the agent's servers (default {@code spoe-<engine>}). */
  public String backendName() {
    return backendName;
  }

  public List<SpoeMessageSpec> messages() {
    return messages;
  }

  /** The message named {@code name}, or {@code null}. */
  public SpoeMessageSpec message(String name) {
    for (SpoeMessageSpec m : messages) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    return null;
  }

  /** A copy of the agent's options (deadlines per message, idle timeout, fallback variable, ...). */
  public SpoaServerOptions options() {
    return new SpoaServerOptions(options);
  }

  /** The handler deadline of message {@code name} in milliseconds. */
  public long handlerTimeout(String name) {
    return options.getHandlerTimeout(name);
  }

  /** The agent's unix socket path, or {@code null} when it listens on TCP. */
  public String unixSocketPath() {
    return unixSocketPath;
  }

  /** The address of an HAProxy {@code server} line: {@code host:port}, {@code [v6]:port} or {@code unix@/path}. */
  public String serverAddress() {
    if (unixSocketPath != null) {
      return "unix@" + unixSocketPath;
    }
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** The variables any message may set: the messages' and the options' fallback and ACK-overflow variables. */
  public Set<Variable> variables() {
    Set<Variable> all = new LinkedHashSet<>();
    messages.forEach(m -> all.addAll(m.variables()));
    all.addAll(agentWideVariables());
    return all;
  }

  /** The options' fallback and ACK-overflow variables (set for any message). */
  List<Variable> agentWideVariables() {
    List<Variable> vars = new ArrayList<>();
    if (options.getFallbackVariable() != null) {
      vars.add(Variable.parse(options.getFallbackVariable()));
    }
    if (options.getAckOverflowVariable() != null) {
      vars.add(Variable.parse(options.getAckOverflowVariable()));
    }
    return vars;
  }

  /** The name HAProxy gives {@code v} with prefix {@code prefix}: {@code <scope>.<prefix>.<name>}. */
  static String fullName(Variable v, String prefix) {
    return v.scope().prefix() + "." + prefix + "." + v.name();
  }

  static boolean isVarChars(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "AgentSpec{engine=" + engine + ", agent=" + agentName + ", var-prefix=" + varPrefix + ", backend="
      + backendName + ", address=" + serverAddress() + ", messages=" + messages + "}";
  }

  /** Builds an {@link AgentSpec}; {@link #build()} checks names HAProxy would reject or truncate. */
  public static final class Builder {
    private final String engine;
    private String agentName;
    private String varPrefix;
    private String backendName;
    private final Map<String, SpoeMessageSpec> messages = new LinkedHashMap<>();
    private SpoaServerOptions options = new SpoaServerOptions();
    private String host;
    private int port = -1;
    private String unixSocketPath;
    private boolean addressSet;

    private Builder(String engine) {
      this.engine = SpoeMessageSpec.checkWord(engine, "engine name");
      if (engine.indexOf('[') >= 0 || engine.indexOf(']') >= 0) {
        throw new IllegalArgumentException("engine name '" + engine + "' must not contain '[' or ']'");
      }
    }

    public Builder agentName(String agentName) {
      this.agentName = SpoeMessageSpec.checkWord(agentName, "agent name");
      return this;
    }

    /** The variable prefix; HAProxy accepts [A-Za-z0-9_.] only. */
    public Builder varPrefix(String varPrefix) {
      if (!isVarChars(varPrefix)) {
        throw new IllegalArgumentException("var-prefix '" + varPrefix + "': HAProxy accepts only [A-Za-z0-9_.]");
      }
      this.varPrefix = varPrefix;
      return this;
    }

    public Builder backendName(String backendName) {
      this.backendName = SpoeMessageSpec.checkWord(backendName, "backend name");
      return this;
    }

    public Builder message(SpoeMessageSpec message) {
      Objects.requireNonNull(message, "message");
      if (messages.putIfAbsent(message.name(), message) != null) {
        throw new IllegalArgumentException("message " + message.name() + " given twice");
      }
      return this;
    }

    /** The agent's options (copied): deadlines, idle timeout, fallback variable and, by default, the address. */
    public Builder options(SpoaServerOptions options) {
      this.options = new SpoaServerOptions(Objects.requireNonNull(options, "options"));
      return this;
    }

    /** The TCP address HAProxy connects to, instead of the options' host and port. */
    public Builder tcpAddress(String host, int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be in 1..65535, got " + port);
      }
      this.host = SpoeMessageSpec.checkWord(host, "host");
      this.port = port;
      this.unixSocketPath = null;
      this.addressSet = true;
      return this;
    }

    /** The unix socket HAProxy connects to ({@code server ... unix@path}), instead of the options' address. */
    public Builder unixSocket(String path) {
      this.unixSocketPath = SpoeMessageSpec.checkWord(path, "unix socket path");
      this.host = null;
      this.addressSet = true;
      return this;
    }

    /**
     * @throws IllegalArgumentException without messages, with an invalid default var-prefix, or
     *     when a variable's full name would exceed HAProxy's {@value Action#MAX_NAME_LENGTH} characters
     */
    public AgentSpec build() {
      if (messages.isEmpty()) {
        throw new IllegalArgumentException("agent " + engine + " serves no message");
      }
      if (varPrefix == null && !isVarChars(engine)) {
        throw new IllegalArgumentException("engine name '" + engine + "' is no valid var-prefix: set varPrefix(...) with [A-Za-z0-9_.]");
      }
      String h = host;
      int p = port;
      String unix = unixSocketPath;
      if (!addressSet) {
        unix = options.getUnixSocketPath();
        h = options.getHost();
        p = options.getPort();
        if (h == null || h.equals("0.0.0.0") || h.isEmpty()) {
          h = "127.0.0.1";
        } else if (h.equals("::") || h.equals("[::]")) {
          h = "::1";
        }
        if (unix == null && (p < 1 || p > 65535)) {
          throw new IllegalArgumentException("the options' port " + p + " is no address for HAProxy: set tcpAddress(host, port)");
        }
      }
      AgentSpec spec = new AgentSpec(this, h, p, unix);
      for (Variable v : spec.variables()) {
        String full = fullName(v, spec.varPrefix);
        if (full.length() > Action.MAX_NAME_LENGTH) {
          throw new IllegalArgumentException("variable " + full + " has " + full.length() + " characters; HAProxy keeps "
            + Action.MAX_NAME_LENGTH + " (2.6 truncates it silently): shorten the name or the var-prefix");
        }
      }
      return spec;
    }
  }

  /** Whether any variable is in proc scope (then HAProxy needs {@code register-var-names}). */
  boolean usesProcScope() {
    return variables().stream().anyMatch(v -> v.scope() == Scope.PROC);
  }
}
