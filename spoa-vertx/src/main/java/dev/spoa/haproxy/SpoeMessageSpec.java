package dev.spoa.haproxy;

import dev.spoa.protocol.Scope;
import dev.spoa.protocol.Variable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One SPOE message an agent serves, as HAProxy must send it: its name, its arguments (name →
 * HAProxy sample expression, e.g. {@code ip → src}), when it is sent (an event such as
 * {@code on-frontend-http-request}, or a group sent by a {@code send-spoe-group} rule) and the
 * variables its handler may set.
 *
 * <pre>{@code
 * SpoeMessageSpec msg = SpoeMessageSpec.builder("check-client-ip")
 *   .arg("ip", "src")
 *   .event("on-frontend-http-request")
 *   .sets(Scope.SESS, "ip_score")
 *   .build();
 * }</pre>
 */
public final class SpoeMessageSpec {

  /** The events HAProxy knows for {@code event} in a {@code spoe-message} section. */
  public static final Set<String> EVENTS = Set.of(
    "on-client-session", "on-server-session", "on-frontend-tcp-request", "on-backend-tcp-request",
    "on-tcp-response", "on-frontend-http-request", "on-backend-http-request", "on-http-response");

  private final String name;
  private final Map<String, String> args;
  private final String event;
  private final String group;
  private final List<Variable> variables;

  private SpoeMessageSpec(Builder b) {
    this.name = b.name;
    this.args = Collections.unmodifiableMap(new LinkedHashMap<>(b.args));
    this.event = b.event;
    this.group = b.group;
    this.variables = List.copyOf(b.variables);
  }

  /** A builder for message {@code name} (a word of HAProxy config: no blanks, quotes or {@code #}). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  /** Argument name → sample expression, in the order HAProxy sends them. */
  public Map<String, String> args() {
    return args;
  }

  /** The event (possibly followed by {@code if}/{@code unless} and a condition), or {@code null} for a group message. */
  public String event() {
    return event;
  }

  /** The event's keyword alone ({@code on-...}), or {@code null}. */
  public String eventName() {
    return event == null ? null : event.split("\\s+", 2)[0];
  }

  /** The {@code spoe-group} this message belongs to, or {@code null} for an event message. */
  public String group() {
    return group;
  }

  /** The variables the handler may set (scope and the agent's part of the name). */
  public List<Variable> variables() {
    return variables;
  }

  @Override
  public String toString() {
    return "SpoeMessageSpec{" + name + ", args=" + args + ", " + (event != null ? "event=" + event : "group=" + group)
      + ", sets=" + variables + "}";
  }

  /** Builds a {@link SpoeMessageSpec}; {@link #build()} checks it. */
  public static final class Builder {
    private final String name;
    private final Map<String, String> args = new LinkedHashMap<>();
    private String event;
    private String group;
    private final List<Variable> variables = new ArrayList<>();

    private Builder(String name) {
      this.name = checkWord(name, "message name");
    }

    /** An argument: HAProxy evaluates {@code sample} (e.g. {@code src}, {@code req.hdr(host),lower}) and sends it as {@code name}. */
    public Builder arg(String name, String sample) {
      String n = checkWord(name, "argument name");
      if (n.indexOf('=') >= 0) {
        throw new IllegalArgumentException("argument name '" + n + "' must not contain '='");
      }
      if (args.containsKey(n)) {
        throw new IllegalArgumentException("argument '" + n + "' given twice");
      }
      args.put(n, checkWord(sample, "sample expression of argument " + n));
      return this;
    }

    /** Sent on an event, e.g. {@code "on-frontend-http-request"} or {@code "on-frontend-http-request if { path_beg /api }"}. */
    public Builder event(String event) {
      Objects.requireNonNull(event, "event");
      String keyword = event.trim().split("\\s+", 2)[0];
      if (!EVENTS.contains(keyword)) {
        throw new IllegalArgumentException("unknown SPOE event '" + keyword + "': use one of " + new java.util.TreeSet<>(EVENTS));
      }
      String rest = event.trim().substring(keyword.length()).trim();
      if (!rest.isEmpty() && !rest.startsWith("if ") && !rest.startsWith("unless ")) {
        throw new IllegalArgumentException("after the event '" + keyword + "' only 'if <cond>' or 'unless <cond>' may follow, got '" + rest + "'");
      }
      if (event.indexOf('\n') >= 0 || event.indexOf('#') >= 0) {
        throw new IllegalArgumentException("event must be one line without '#': '" + event + "'");
      }
      this.event = event.trim();
      return this;
    }

    /** Sent as part of {@code spoe-group group}, by a rule such as {@code http-request send-spoe-group <engine> <group>}. */
    public Builder group(String group) {
      this.group = checkWord(group, "group name");
      return this;
    }

    /** A variable the handler may set. */
    public Builder sets(Variable variable) {
      Objects.requireNonNull(variable, "variable");
      if (!variables.contains(variable)) {
        variables.add(variable);
      }
      return this;
    }

    /** A variable the handler may set, e.g. {@code sets(Scope.SESS, "ip_score")}. */
    public Builder sets(Scope scope, String name) {
      return sets(new Variable(scope, name));
    }

    /**
     * @throws IllegalArgumentException unless exactly one of event and group is set
     */
    public SpoeMessageSpec build() {
      if ((event == null) == (group == null)) {
        throw new IllegalArgumentException("message " + name + ": give exactly one of event(...) and group(...)");
      }
      return new SpoeMessageSpec(this);
    }
  }

  /** A single word of HAProxy config syntax that needs no quoting. */
  static String checkWord(String word, String what) {
    if (word == null || word.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    for (int i = 0; i < word.length(); i++) {
      char c = word.charAt(i);
      if (c <= ' ' || c == '#' || c == '"' || c == '\'' || c == '\\' || c == 127) {
        throw new IllegalArgumentException(what + " '" + word + "' must not contain blanks, quotes, '\\' or '#'");
      }
    }
    return word;
  }
}
