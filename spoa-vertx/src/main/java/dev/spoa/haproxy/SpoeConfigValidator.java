package dev.spoa.haproxy;

import dev.spoa.haproxy.SpoeFinding.Code;
import dev.spoa.haproxy.SpoeFinding.Severity;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.Variable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks an existing SPOE file against what an agent serves ({@link AgentSpec}): the messages sent
 * and their arguments, the variable prefix and names, proc-scope registration and the timeouts.
 * Only the agent's {@code [engine]} scope is checked; other scopes are skipped as HAProxy does.
 *
 * <pre>{@code
 * List<SpoeFinding> findings = SpoeConfigValidator.create(spec).validate(Path.of("conf/spoe-iprep.conf"));
 * if (SpoeConfigValidator.hasErrors(findings)) ...
 * }</pre>
 *
 * <p>Each {@link SpoeFinding.Code} is described in docs/haproxy-config.md.
 */
public final class SpoeConfigValidator {

  private static final Set<String> BOOLEAN_OPTIONS = Set.of(
    "pipelining", "async", "send-frag-payload", "dontlog-normal", "continue-on-error", "force-set-var");
  private static final Set<String> VARIABLE_OPTIONS = Set.of("set-on-error", "set-process-time", "set-total-time");
  private static final Set<String> OTHER_AGENT_KEYWORDS = Set.of(
    "maxconnrate", "maxerrrate", "max-frame-size", "max-waiting-frames", "log");

  private final AgentSpec spec;
  private HaproxyVersion version = HaproxyVersion.V2_6_TO_3_0;

  private SpoeConfigValidator(AgentSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  public static SpoeConfigValidator create(AgentSpec spec) {
    return new SpoeConfigValidator(spec);
  }

  /** The HAProxy family the file is for (default 2.6-3.0: {@code timeout hello}/{@code idle} are checked too). */
  public SpoeConfigValidator haproxyVersion(HaproxyVersion version) {
    this.version = Objects.requireNonNull(version, "version");
    return this;
  }

  /** Whether any finding is an {@link Severity#ERROR}. */
  public static boolean hasErrors(List<SpoeFinding> findings) {
    return findings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
  }

  /** Reads (UTF-8) and checks {@code file}. */
  public List<SpoeFinding> validate(Path file) throws IOException {
    return validate(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Checks the text of an SPOE file; findings are sorted by line. */
  public List<SpoeFinding> validate(String content) {
    return new Run(SpoeFile.parse(content)).run();
  }

  /** The state of one validation. */
  private final class Run {
    private final SpoeFile file;
    private final List<SpoeFinding> findings = new ArrayList<>();

    Run(SpoeFile file) {
      this.file = file;
      findings.addAll(file.problems);
    }

    private void add(Severity severity, Code code, int line, String message) {
      findings.add(new SpoeFinding(severity, code, line, message));
    }

    List<SpoeFinding> run() {
      check();
      findings.sort(Comparator.comparingInt(SpoeFinding::line).thenComparing(SpoeFinding::code));
      return List.copyOf(findings);
    }

    private void check() {
      SpoeFile.ScopeBlock scope = file.scope(spec.engine());
      if (scope == null) {
        boolean scopeless = file.scopes.size() == 1;
        add(Severity.ERROR, Code.ENGINE_SCOPE_MISSING, 0, "no [" + spec.engine() + "] scope: 'filter spoe engine "
          + spec.engine() + "' finds no SPOE agent" + (scopeless
            ? " (a file without scopes works only with 'filter spoe config <file>', without engine)" : ""));
        return;
      }
      for (SpoeFile.Line l : scope.orphans) {
        add(Severity.ERROR, Code.SYNTAX, l.number(), "'" + l.keyword() + "' outside a spoe-agent, spoe-message or spoe-group section");
      }
      SpoeFile.Section agent = null;
      Map<String, SpoeFile.Section> messages = new LinkedHashMap<>();
      Map<String, SpoeFile.Section> groups = new LinkedHashMap<>();
      for (SpoeFile.Section s : scope.sections) {
        switch (s.kind) {
          case "spoe-agent":
            if (agent != null) {
              add(Severity.ERROR, Code.SYNTAX, s.line, "a second spoe-agent in scope [" + scope.name + "] (first at line " + agent.line + ")");
            } else {
              agent = s;
            }
            break;
          case "spoe-message":
            if (messages.putIfAbsent(s.name, s) != null) {
              add(Severity.ERROR, Code.SYNTAX, s.line, "spoe-message " + s.name + " defined twice");
            }
            break;
          default:
            if (groups.putIfAbsent(s.name, s) != null) {
              add(Severity.ERROR, Code.SYNTAX, s.line, "spoe-group " + s.name + " defined twice");
            }
        }
      }
      if (agent == null) {
        add(Severity.ERROR, Code.AGENT_MISSING, scope.line, "no spoe-agent section in scope [" + scope.name + "]");
        return;
      }
      checkAgent(agent, messages, groups);
    }

    private void checkAgent(SpoeFile.Section agent, Map<String, SpoeFile.Section> messageSections,
                            Map<String, SpoeFile.Section> groupSections) {
      Map<String, Integer> direct = new LinkedHashMap<>();
      Map<String, Integer> groupRefs = new LinkedHashMap<>();
      Map<String, Integer> registered = new LinkedHashMap<>();
      Map<String, Integer> fileVars = new LinkedHashMap<>();
      Map<String, long[]> timeouts = new LinkedHashMap<>(); // kind -> {ms, line}
      String prefix = null;
      int prefixLine = 0;
      boolean forceSetVar = false;
      boolean backend = false;
      for (SpoeFile.Line l : agent.lines) {
        String kw = l.keyword();
        switch (kw) {
          case "messages":
            l.words().stream().skip(1).forEach(m -> direct.putIfAbsent(m, l.number()));
            break;
          case "groups":
            l.words().stream().skip(1).forEach(g -> groupRefs.putIfAbsent(g, l.number()));
            break;
          case "register-var-names":
            l.words().stream().skip(1).forEach(n -> registered.putIfAbsent(n, l.number()));
            break;
          case "use-backend":
            backend = l.arg(1) != null;
            break;
          case "timeout": {
            String kind = l.arg(1);
            long ms = HaproxyTime.parseMillis(l.arg(2));
            if (kind == null || !Set.of("hello", "idle", "processing").contains(kind)) {
              add(Severity.ERROR, Code.SYNTAX, l.number(), "'timeout' expects hello, idle or processing");
            } else if (ms < 0) {
              add(Severity.ERROR, Code.SYNTAX, l.number(), "'timeout " + kind + "' expects a time such as 500ms or 2s, got '" + l.arg(2) + "'");
            } else {
              timeouts.put(kind, new long[] {ms, l.number()});
            }
            break;
          }
          case "option":
          case "no": {
            boolean no = kw.equals("no");
            if (no && !"option".equals(l.arg(1))) {
              add(Severity.ERROR, Code.SYNTAX, l.number(), "unknown keyword 'no " + l.arg(1) + "' in spoe-agent section");
              break;
            }
            String opt = l.arg(no ? 2 : 1);
            String value = l.arg(no ? 3 : 2);
            if (!no && "var-prefix".equals(opt)) {
              prefix = value == null ? "" : value;
              prefixLine = l.number();
            } else if (!no && VARIABLE_OPTIONS.contains(opt)) {
              fileVars.put(value == null ? "" : value, l.number());
            } else if (BOOLEAN_OPTIONS.contains(opt)) {
              if ("force-set-var".equals(opt)) {
                forceSetVar = !no;
              }
            } else {
              add(Severity.ERROR, Code.SYNTAX, l.number(), "unknown option '" + opt + "' in spoe-agent section");
            }
            break;
          }
          default:
            if (!OTHER_AGENT_KEYWORDS.contains(kw)) {
              add(Severity.ERROR, Code.SYNTAX, l.number(), "unknown keyword '" + kw + "' in spoe-agent section");
            }
        }
      }
      if (!backend) {
        add(Severity.ERROR, Code.BACKEND_MISSING, agent.line, "spoe-agent " + agent.name + " has no use-backend: HAProxy rejects it");
      }

      // Messages: sent by the file (directly or through groups) versus served by the agent.
      Map<String, Integer> sent = new LinkedHashMap<>(direct);
      groupRefs.forEach((g, line) -> {
        SpoeFile.Section gs = groupSections.get(g);
        if (gs == null) {
          add(Severity.ERROR, Code.UNDEFINED_MESSAGE, line, "group " + g + " has no spoe-group section: HAProxy rejects it");
          return;
        }
        for (SpoeFile.Line l : gs.lines) {
          if (l.keyword().equals("messages")) {
            l.words().stream().skip(1).forEach(m -> sent.putIfAbsent(m, l.number()));
          } else {
            add(Severity.ERROR, Code.SYNTAX, l.number(), "unknown keyword '" + l.keyword() + "' in spoe-group section");
          }
        }
      });
      Set<String> servedAndSent = new LinkedHashSet<>();
      sent.forEach((name, line) -> {
        SpoeFile.Section ms = messageSections.get(name);
        if (ms == null) {
          add(Severity.ERROR, Code.UNDEFINED_MESSAGE, line, "message " + name + " has no spoe-message section: HAProxy rejects it");
          return;
        }
        SpoeMessageSpec served = spec.message(name);
        if (served == null) {
          add(Severity.ERROR, Code.UNKNOWN_MESSAGE, line, "message " + name + " is not served by the agent (it serves "
            + spec.messages().stream().map(SpoeMessageSpec::name).toList() + "): every one gets a fallback ACK");
        }
        checkMessage(ms, served, direct.containsKey(name));
        if (served != null) {
          servedAndSent.add(name);
        }
      });
      for (SpoeMessageSpec m : spec.messages()) {
        if (!sent.containsKey(m.name())) {
          add(Severity.WARNING, Code.MESSAGE_NOT_SENT, agent.line, "the agent serves " + m.name()
            + " but spoe-agent " + agent.name + " does not send it (neither in 'messages' nor in a group of 'groups')");
        }
      }

      // Variable prefix and names.
      String effective = prefix != null ? prefix : agent.name;
      int varLine = prefix != null ? prefixLine : agent.line;
      boolean prefixOk = AgentSpec.isVarChars(effective);
      if (prefix != null && !prefixOk) {
        add(Severity.ERROR, Code.VAR_PREFIX_INVALID, prefixLine, "option var-prefix '" + prefix
          + "' has characters other than [A-Za-z0-9_.]: HAProxy rejects it; use " + spec.varPrefix());
      } else if (prefix == null && !prefixOk) {
        add(Severity.ERROR, Code.VAR_PREFIX_MISSING, agent.line, "no option var-prefix, and the default prefix (the agent name '"
          + agent.name + "') has characters other than [A-Za-z0-9_.]: HAProxy 2.6 rejects it; add 'option var-prefix " + spec.varPrefix() + "'");
      }
      if (prefixOk && !effective.equals(spec.varPrefix())) {
        add(Severity.WARNING, Code.VAR_PREFIX_MISMATCH, varLine, "variables are named <scope>." + effective
          + ".<name> but the agent spec uses var-prefix " + spec.varPrefix() + ": rules reading <scope>." + spec.varPrefix() + ".* see nothing");
      }
      fileVars.forEach((name, line) -> checkFileVariable(Scope.TXN, name, effective, line));
      registered.forEach((name, line) -> checkFileVariable(Scope.PROC, name, effective, line));
      Set<Variable> agentVars = new LinkedHashSet<>();
      for (String name : servedAndSent) {
        agentVars.addAll(spec.message(name).variables());
      }
      if (!servedAndSent.isEmpty()) {
        agentVars.addAll(spec.agentWideVariables());
      }
      for (Variable v : agentVars) {
        String full = AgentSpec.fullName(v, effective);
        if (full.length() > Action.MAX_NAME_LENGTH) {
          add(Severity.ERROR, Code.VARIABLE_NAME_TRUNCATED, varLine, "the agent sets " + full + " (" + full.length()
            + " characters): HAProxy keeps " + Action.MAX_NAME_LENGTH + " (2.6 truncates silently, 3.5+ rejects); shorten the var-prefix");
        }
        if (v.scope() == Scope.PROC && !forceSetVar && !registered.containsKey(v.name())) {
          add(Severity.ERROR, Code.PROC_VARIABLE_NOT_REGISTERED, agent.line, "the agent sets " + full
            + " but HAProxy ignores proc-scope variables that do not exist yet: add 'register-var-names " + v.name()
            + "' (or 'option force-set-var')");
        }
      }

      // Timeouts.
      long[] processing = timeouts.get("processing");
      if (processing == null) {
        add(Severity.ERROR, Code.PROCESSING_TIMEOUT_MISSING, agent.line, "no 'timeout processing': HAProxy waits for the agent without limit;"
          + " set it above the agent's deadline (" + maxDeadline(servedAndSent) + " ms)");
      } else {
        for (String name : servedAndSent) {
          long deadline = spec.handlerTimeout(name);
          if (processing[0] <= deadline) {
            add(Severity.ERROR, Code.PROCESSING_TIMEOUT_TOO_LOW, (int) processing[1], "timeout processing (" + processing[0]
              + " ms) is not above the agent's " + deadline + " ms deadline for " + name
              + ": HAProxy gives up before the agent's answer or fallback ACK arrives");
          }
        }
      }
      if (version.usesHelloAndIdleTimeouts()) {
        List<String> missing = new ArrayList<>();
        for (String kind : List.of("hello", "idle")) {
          if (!timeouts.containsKey(kind)) {
            missing.add("timeout " + kind);
          }
        }
        if (!missing.isEmpty()) {
          add(Severity.WARNING, Code.TIMEOUT_MISSING, agent.line, "no " + String.join(" / ", missing)
            + ": HAProxy " + version.label() + " warns and waits without limit");
        }
        long agentIdle = spec.options().getConnectionIdleTimeout();
        long[] idle = timeouts.get("idle");
        if (idle != null && agentIdle > 0 && idle[0] >= agentIdle) {
          add(Severity.WARNING, Code.IDLE_TIMEOUT_TOO_HIGH, (int) idle[1], "timeout idle (" + idle[0]
            + " ms) is not below the agent's connectionIdleTimeout (" + agentIdle + " ms): the agent closes idle connections first");
        }
      }
    }

    private long maxDeadline(Set<String> names) {
      long max = 0;
      for (String n : names.isEmpty() ? spec.messages().stream().map(SpoeMessageSpec::name).toList() : names) {
        max = Math.max(max, spec.handlerTimeout(n));
      }
      return max;
    }

    private void checkMessage(SpoeFile.Section ms, SpoeMessageSpec served, boolean direct) {
      Map<String, Integer> args = new LinkedHashMap<>();
      String event = null;
      int eventLine = ms.line;
      for (SpoeFile.Line l : ms.lines) {
        switch (l.keyword()) {
          case "args":
            for (String a : l.words().subList(1, l.words().size())) {
              int eq = a.indexOf('=');
              args.putIfAbsent(eq < 0 ? "" : a.substring(0, eq), l.number());
            }
            break;
          case "event":
            event = l.arg(1);
            eventLine = l.number();
            if (event == null || !SpoeMessageSpec.EVENTS.contains(event)) {
              add(Severity.ERROR, Code.SYNTAX, l.number(), "unknown event '" + event + "'");
            }
            break;
          case "acl":
            break;
          default:
            add(Severity.ERROR, Code.SYNTAX, l.number(), "unknown keyword '" + l.keyword() + "' in spoe-message section");
        }
      }
      if (direct && event == null) {
        add(Severity.WARNING, Code.MESSAGE_WITHOUT_EVENT, ms.line, "spoe-message " + ms.name
          + " is listed in 'messages' but has no 'event': HAProxy ignores it and never sends it");
      }
      if (served == null) {
        return;
      }
      for (Map.Entry<String, String> a : served.args().entrySet()) {
        if (!args.containsKey(a.getKey())) {
          add(Severity.ERROR, Code.MISSING_ARG, ms.line, "spoe-message " + ms.name + " lacks the argument " + a.getKey()
            + " the handler expects (e.g. 'args " + a.getKey() + "=" + a.getValue() + "')");
        }
      }
      if (event != null && served.eventName() != null && SpoeMessageSpec.EVENTS.contains(event)
          && !event.equals(served.eventName())) {
        add(Severity.WARNING, Code.EVENT_MISMATCH, eventLine, "spoe-message " + ms.name + " is sent on " + event
          + " but the agent spec expects " + served.eventName());
      }
    }

    private void checkFileVariable(Scope scope, String name, String prefix, int line) {
      if (!AgentSpec.isVarChars(name)) {
        add(Severity.ERROR, Code.VARIABLE_NAME_INVALID, line, "variable name '" + name
          + "' has characters other than [A-Za-z0-9_.] (or is empty): HAProxy rejects it");
        return;
      }
      String full = scope.prefix() + "." + prefix + "." + name;
      if (full.length() > Action.MAX_NAME_LENGTH) {
        add(Severity.ERROR, Code.VARIABLE_NAME_TRUNCATED, line, full + " has " + full.length() + " characters: HAProxy keeps "
          + Action.MAX_NAME_LENGTH + " (2.6 truncates it silently)");
      }
    }
  }
}
