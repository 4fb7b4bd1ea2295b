package dev.spoa.config;

import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The keys of each configuration section with their types, and the checks and conversions
 * {@link SpoaConfig} applies: text from the environment or the command line becomes the key's type,
 * an unknown key is a problem with a suggestion of the key meant.
 */
final class ConfigSchema {

  static final Map<String, Type> SPOA = spoaSchema();
  static final Map<String, Type> TLS = Map.of("enabled", Type.BOOLEAN, "certPath", Type.STRING,
    "keyPath", Type.STRING, "trustPath", Type.STRING, "clientAuth", Type.STRING);
  static final Map<String, Type> METRICS = Map.of("enabled", Type.BOOLEAN, "host", Type.STRING, "port", Type.INT);
  static final Map<String, Type> AGENT = Map.of("instances", Type.INT, "messages", Type.ARRAY,
    "logLevel", Type.STRING, "eventLoops", Type.INT, "nativeTransport", Type.BOOLEAN, "role", Type.STRING,
    "handlerInstances", Type.INT, "workerPoolSize", Type.INT, "nodeName", Type.STRING, "handlers", Type.OBJECT);
  static final Map<String, Type> CLUSTER = Map.of("enabled", Type.BOOLEAN, "host", Type.STRING, "port", Type.INT,
    "members", Type.ARRAY, "name", Type.STRING, "config", Type.STRING);

  /**
   * The keys of SpoaServerOptions' JSON form, typed by their defaults; a text setting unset by
   * default (JSON leaves out nulls) is found by its setter.
   */
  private static Map<String, Type> spoaSchema() {
    JsonObject defaults = new SpoaServerOptions().toJson();
    Map<String, Type> schema = new LinkedHashMap<>();
    for (String key : defaults.fieldNames()) {
      Object v = defaults.getValue(key);
      schema.put(key, v instanceof Integer ? Type.INT : v instanceof Long ? Type.LONG : v instanceof Double ? Type.DOUBLE
        : v instanceof Boolean ? Type.BOOLEAN : v instanceof JsonObject ? Type.OBJECT : v instanceof JsonArray ? Type.ARRAY
        : Type.STRING);
    }
    for (Method setter : SpoaServerOptions.class.getDeclaredMethods()) {
      String name = setter.getName();
      if (Modifier.isPublic(setter.getModifiers()) && name.startsWith("set") && name.length() > 3
        && setter.getParameterCount() == 1 && setter.getParameterTypes()[0] == String.class) {
        schema.putIfAbsent(Character.toLowerCase(name.charAt(3)) + name.substring(4), Type.STRING);
      }
    }
    return schema;
  }

  /** ", did you mean 'x'?" for a key one or two edits away from a known one. */
  static String suggestion(String key, Set<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = distance(key.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best == null ? "" : ", did you mean '" + best + "'?";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** Text that reads as a boolean or a number becomes one, in place (nested maps too). */
  static void typeText(JsonObject section) {
    for (String key : new ArrayList<>(section.fieldNames())) {
      Object v = section.getValue(key);
      if (v instanceof JsonObject o) {
        typeText(o);
      } else if (v instanceof String text) {
        String t = text.trim();
        if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
          section.put(key, Boolean.valueOf(t));
        } else if (t.matches("-?\\d{1,18}")) {
          long n = Long.parseLong(t);
          section.put(key, n == (int) n ? (Object) (int) n : (Object) n);
        } else if (t.matches("-?\\d+\\.\\d+")) {
          section.put(key, Double.valueOf(t));
        }
      }
    }
  }

  /** Checks each key of a section against the schema and converts strings to the key's type, in place. */
  static void check(List<String> problems, String name, JsonObject section, Map<String, Type> schema) {
    for (String key : new ArrayList<>(section.fieldNames())) {
      Type type = schema.get(key);
      String path = name + "." + key;
      if (type == null) {
        problems.add("unknown key '" + path + "'" + suggestion(key, schema.keySet()));
        continue;
      }
      Object value = section.getValue(key);
      if (value == null) {
        section.remove(key); // null: the default
        continue;
      }
      Object converted = type.convert(value);
      if (converted == null) {
        problems.add(path + ": expected " + type.description + ", got '" + value + "'");
      } else {
        section.put(key, converted);
      }
    }
  }

  /** The value types of settings, with the conversion of text from the environment or command line. */
  enum Type {
    INT("an integer"), LONG("an integer"), DOUBLE("a number"), BOOLEAN("true or false"), STRING("a string"),
    OBJECT("a map"), ARRAY("a list");

    final String description;

    Type(String description) {
      this.description = description;
    }

    Object convert(Object v) {
      try {
        switch (this) {
          case INT:
            if (v instanceof Number n && n.doubleValue() == n.intValue()) {
              return n.intValue();
            }
            return v instanceof String s ? Integer.valueOf(s.trim()) : null;
          case LONG:
            if (v instanceof Number n && n.doubleValue() == n.longValue()) {
              return n.longValue();
            }
            return v instanceof String s ? Long.valueOf(s.trim()) : null;
          case DOUBLE:
            if (v instanceof Number n) {
              return n.doubleValue();
            }
            return v instanceof String s ? Double.valueOf(s.trim()) : null;
          case BOOLEAN:
            if (v instanceof Boolean) {
              return v;
            }
            if (v instanceof String s && (s.trim().equalsIgnoreCase("true") || s.trim().equalsIgnoreCase("false"))) {
              return Boolean.valueOf(s.trim());
            }
            return null;
          case STRING:
            return v instanceof String || v instanceof Number || v instanceof Boolean ? String.valueOf(v) : null;
          case OBJECT:
            return v instanceof JsonObject ? v : null;
          default:
            if (v instanceof JsonArray) {
              return v;
            }
            return v instanceof String s ? new JsonArray(List.of((Object[]) s.split("\\s*,\\s*"))) : null;
        }
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  private ConfigSchema() {
  }
}
