package dev.spoa.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code cluster} section: how a JVM joins the Hazelcast-clustered event bus that links a
 * {@link SpoaConfig.Role#FRONT front} to its {@link SpoaConfig.Role#HANDLER handler} nodes.
 *
 * @param enabled    whether this JVM is clustered (default: true for the front and handler roles)
 * @param host       the interface Hazelcast and the event bus bind to and announce (default 127.0.0.1)
 * @param hostGiven  whether {@code host} was set (a cluster file otherwise keeps its own interfaces)
 * @param port       Hazelcast's port; 0: its default (5701, the next free one taken)
 * @param members    the TCP-IP members ("host" or "host:port"); null: the file's list, else 127.0.0.1
 * @param name       the cluster name (default {@code spoa}): nodes with another name never join
 * @param configFile a Hazelcast XML file to start from, or null for Vert.x's built-in one
 */
public record ClusterSettings(boolean enabled, String host, boolean hostGiven, int port, List<String> members,
                              String name, String configFile) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final String DEFAULT_NAME = "spoa";

  /** Reads a checked section; adds what is wrong to {@code problems}. */
  static ClusterSettings from(JsonObject section, SpoaConfig.Role role, List<String> problems) {
    boolean enabled = section.getBoolean("enabled", role != SpoaConfig.Role.ALL);
    if (!enabled && role != SpoaConfig.Role.ALL) {
      problems.add("agent.role " + role + " needs the clustered event bus: drop cluster.enabled=false");
    }
    int port = section.getInteger("port", 0);
    if (port < 0 || port > 65535) {
      problems.add("cluster.port: expected 0 (Hazelcast's default) to 65535, got " + port);
    }
    List<String> members = null;
    if (section.getValue("members") instanceof JsonArray a) {
      members = new ArrayList<>();
      for (Object m : a) {
        String member = String.valueOf(m).trim();
        if (!member.isEmpty()) {
          members.add(member);
        }
      }
      members = List.copyOf(members);
    }
    String host = section.getString("host");
    return new ClusterSettings(enabled, host == null ? DEFAULT_HOST : host, host != null, port, members,
      section.getString("name", DEFAULT_NAME), section.getString("config"));
  }

  @Override
  public String toString() {
    return "cluster " + name + " on " + host + (port > 0 ? ":" + port : "") + ", members "
      + (members == null ? "(default)" : members) + (configFile != null ? ", config " + configFile : "");
  }
}
