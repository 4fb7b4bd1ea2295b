package dev.spoa.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Reads an agent's configuration with a {@link ConfigRetriever}, later sources overriding earlier
 * ones: the file (YAML or JSON, by extension) &lt; environment variables &lt; system properties
 * &lt; command-line arguments.
 * <ul>
 *   <li>Environment: {@code SPOA_<KEY>} sets {@code spoa.<key>} ({@code SPOA_MAX_FRAME_SIZE} is
 *       {@code spoa.maxFrameSize}); {@code SPOA_METRICS_<KEY>}, {@code SPOA_TLS_<KEY>},
 *       {@code SPOA_AGENT_<KEY>} and {@code SPOA_CLUSTER_<KEY>} set the other sections
 *       ({@code SPOA_METRICS_PORT} is {@code metrics.port}).</li>
 *   <li>System properties: {@code -Dspoa.<key>} and {@code -Dspoa.<section>.<key>}
 *       ({@code -Dspoa.port=12346}, {@code -Dspoa.metrics.port=9091}).</li>
 *   <li>Command line: {@code --<section>.<key>=<value>} ({@code --spoa.port=12346}).</li>
 * </ul>
 * An agent's own sections (e.g. {@code bot}) are read the same way: {@code SPOA_BOT_THRESHOLD},
 * {@code -Dspoa.bot.threshold}, {@code --bot.threshold=}.
 * Vert.x's own {@code env} and {@code sys} stores are flat and hold every variable and property of
 * the process; the mapping above keeps only the agent's and nests them, then goes into the
 * retriever as JSON stores, in that order.
 */
public final class SpoaConfigLoader {

  private static final List<String> SUB_SECTIONS = List.of("metrics", "tls", "agent", "cluster");

  private SpoaConfigLoader() {
  }

  /**
   * A retriever over these sources; {@code scanPeriodMillis} > 0 re-reads the file that often and
   * reports changes to {@link ConfigRetriever#listen}. Close it when done.
   *
   * @param file the configuration file, or {@code null} for none (defaults, env, properties, arguments)
   * @param agentSections the agent's own sections, read from the environment and properties too
   */
  public static ConfigRetriever retriever(Vertx vertx, Path file, Map<String, String> env, Properties props,
                                          List<String> args, Set<String> agentSections, long scanPeriodMillis) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setIncludeDefaultStores(false)
      .setScanPeriod(scanPeriodMillis);
    if (file != null) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      String format = name.endsWith(".yaml") || name.endsWith(".yml") ? "yaml" : "json";
      options.addStore(new ConfigStoreOptions().setType("file").setFormat(format)
        .setConfig(new JsonObject().put("path", file.toString())));
    }
    options.addStore(json(fromEnv(env, agentSections)));
    options.addStore(json(fromProperties(props, agentSections)));
    options.addStore(json(fromArgs(args)));
    return ConfigRetriever.create(vertx, options);
  }

  /** Reads once and checks; fails with a {@link SpoaConfigException} on a mistake. */
  public static Future<SpoaConfig> load(Vertx vertx, Path file, List<String> args) {
    return load(vertx, file, System.getenv(), System.getProperties(), args, Set.of());
  }

  /** The same with the given environment and properties, and the agent's own sections. */
  public static Future<SpoaConfig> load(Vertx vertx, Path file, Map<String, String> env, Properties props,
                                        List<String> args, Set<String> agentSections) {
    if (file != null && !Files.isRegularFile(file)) {
      return Future.failedFuture(new SpoaConfigException(List.of("configuration file " + file + " not found")));
    }
    ConfigRetriever retriever;
    try {
      retriever = retriever(vertx, file, env, props, args, agentSections, 0);
    } catch (SpoaConfigException e) {
      return Future.failedFuture(e);
    }
    return retriever.getConfig()
      .recover(t -> Future.failedFuture(t instanceof SpoaConfigException ? t
        : new SpoaConfigException(List.of("cannot read " + (file == null ? "the configuration" : file) + ": "
          + rootMessage(t)))))
      .map(json -> SpoaConfig.fromJson(json, agentSections))
      .eventually(retriever::close);
  }

  /** The sections other than {@code spoa} that the environment and properties name by prefix. */
  private static List<String> subSections(Set<String> agentSections) {
    if (agentSections.isEmpty()) {
      return SUB_SECTIONS;
    }
    List<String> all = new ArrayList<>(SUB_SECTIONS);
    agentSections.stream().filter(s -> !all.contains(s) && !s.equals("spoa")).sorted().forEach(all::add);
    return all;
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  private static ConfigStoreOptions json(JsonObject config) {
    return new ConfigStoreOptions().setType("json").setConfig(config);
  }

  /** {@code SPOA_MAX_FRAME_SIZE=1} to {@code {"spoa":{"maxFrameSize":"1"}}}; other variables are ignored. */
  static JsonObject fromEnv(Map<String, String> env, Set<String> agentSections) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("SPOA_") || name.length() == 5) {
        continue;
      }
      String rest = name.substring(5);
      String section = "spoa";
      for (String sub : subSections(agentSections)) {
        String prefix = sub.toUpperCase(Locale.ROOT) + "_";
        if (rest.startsWith(prefix) && rest.length() > prefix.length()) {
          section = sub;
          rest = rest.substring(prefix.length());
          break;
        }
      }
      put(out, section, camel(rest), e.getValue());
    }
    return out;
  }

  /** {@code spoa.port} and {@code spoa.metrics.port} to nested keys; other properties are ignored. */
  static JsonObject fromProperties(Properties props, Set<String> agentSections) {
    JsonObject out = new JsonObject();
    for (String name : props.stringPropertyNames()) {
      if (!name.startsWith("spoa.") || name.length() == 5) {
        continue;
      }
      String rest = name.substring(5);
      String section = "spoa";
      int dot = rest.indexOf('.');
      if (dot > 0 && subSections(agentSections).contains(rest.substring(0, dot))) {
        section = rest.substring(0, dot);
        rest = rest.substring(dot + 1);
      }
      put(out, section, rest, props.getProperty(name));
    }
    return out;
  }

  /** {@code --spoa.port=1} to nested keys; anything else is a mistake. */
  static JsonObject fromArgs(List<String> args) {
    JsonObject out = new JsonObject();
    List<String> problems = new ArrayList<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      int dot = arg.indexOf('.');
      if (!arg.startsWith("--") || eq < 0 || dot < 0 || dot > eq) {
        problems.add("argument '" + arg + "': expected --<section>.<key>=<value>, e.g. --spoa.port=12345");
        continue;
      }
      put(out, arg.substring(2, dot), arg.substring(dot + 1, eq), arg.substring(eq + 1));
    }
    if (!problems.isEmpty()) {
      throw new SpoaConfigException(problems);
    }
    return out;
  }

  private static void put(JsonObject out, String section, String key, String value) {
    JsonObject s = out.getJsonObject(section);
    if (s == null) {
      s = new JsonObject();
      out.put(section, s);
    }
    s.put(key, value);
  }

  /** {@code MAX_FRAME_SIZE} to {@code maxFrameSize}. */
  static String camel(String snake) {
    StringBuilder sb = new StringBuilder();
    boolean upper = false;
    for (char c : snake.toLowerCase(Locale.ROOT).toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        sb.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return sb.toString();
  }
}
