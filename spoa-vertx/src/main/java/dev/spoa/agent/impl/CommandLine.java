package dev.spoa.agent.impl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An agent's command line: {@code --conf FILE}, {@code --<section>.<key>=<value>}, and short forms
 * of the settings an operator types most ({@code --port 12346} is {@code --spoa.port=12346}).
 *
 * @param confFile   the configuration file, or null
 * @param configArgs every setting as {@code --<section>.<key>=<value>}, short forms expanded
 * @param help       whether {@code --help} was asked
 */
record CommandLine(Path confFile, List<String> configArgs, boolean help) {

  /** Short form to its {@code section.key}. */
  static final Map<String, String> SHORT_FORMS = shortForms();

  private static Map<String, String> shortForms() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("host", "spoa.host");
    m.put("port", "spoa.port");
    m.put("role", "agent.role");
    m.put("server-instances", "agent.instances");
    m.put("handler-instances", "agent.handlerInstances");
    m.put("worker-pool-size", "agent.workerPoolSize");
    m.put("node-name", "agent.nodeName");
    m.put("log-level", "agent.logLevel");
    m.put("clustered", "cluster.enabled");
    m.put("cluster-host", "cluster.host");
    m.put("cluster-port", "cluster.port");
    m.put("cluster-members", "cluster.members");
    m.put("cluster-name", "cluster.name");
    m.put("cluster-config", "cluster.config");
    return Map.copyOf(m);
  }

  /** @throws IllegalArgumentException naming the argument, with the usage, on a mistake */
  static CommandLine parse(String[] args) {
    Path conf = null;
    List<String> config = new ArrayList<>();
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        help = true;
        continue;
      }
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + usage());
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      int dot = name.indexOf('.');
      if (dot > 0 && value != null) {
        config.add(a);
        continue;
      }
      String key = name.equals("conf") ? "conf" : SHORT_FORMS.get(name);
      if (key == null) {
        throw new IllegalArgumentException("unknown option --" + name
          + (dot > 0 ? " (settings are written --" + name + "=<value>)" : "") + "\n" + usage());
      }
      if (value == null) {
        if (name.equals("clustered")) {
          value = "true";
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new IllegalArgumentException("--" + name + " needs a value\n" + usage());
        }
      }
      if (key.equals("conf")) {
        conf = Path.of(value);
      } else {
        config.add("--" + key + "=" + value.trim());
      }
    }
    return new CommandLine(conf, List.copyOf(config), help);
  }

  static String usage() {
    return "usage: [--conf spoa.yaml] [--<section>.<key>=<value>]...\n"
      + "       [--host H] [--port P] [--role all|front|handler] [--log-level L]\n"
      + "       [--server-instances N] [--handler-instances N] [--worker-pool-size N] [--node-name NAME]\n"
      + "       [--clustered] [--cluster-host H] [--cluster-port P] [--cluster-members h:p,h:p]\n"
      + "       [--cluster-name NAME] [--cluster-config cluster.xml]\n"
      + "  every setting also as SPOA_<SECTION>_<KEY> or -Dspoa.<section>.<key> (the spoa section without\n"
      + "  its name: SPOA_PORT, -Dspoa.port); the short forms above are spoa.host, spoa.port, agent.role,\n"
      + "  agent.logLevel, agent.instances, agent.handlerInstances, agent.workerPoolSize, agent.nodeName,\n"
      + "  cluster.enabled, cluster.host, cluster.port, cluster.members, cluster.name and cluster.config";
  }
}
