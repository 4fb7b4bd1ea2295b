package dev.spoa.admin;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Options of the {@link SpoaAdminServer}: where it listens (127.0.0.1:9090 by default, never the
 * SPOP port) and which messages must have a handler for {@code /ready} to say ready.
 */
@DataObject
@JsonGen(publicConverter = false)
public class SpoaAdminOptions {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 9090;
  public static final long DEFAULT_PROBE_TIMEOUT = 1000;

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private List<String> requiredMessages = new ArrayList<>();
  private long probeTimeout = DEFAULT_PROBE_TIMEOUT;

  public SpoaAdminOptions() {
  }

  public SpoaAdminOptions(SpoaAdminOptions other) {
    host = other.host;
    port = other.port;
    requiredMessages = new ArrayList<>(other.requiredMessages);
    probeTimeout = other.probeTimeout;
  }

  /** From JSON; absent keys keep their defaults. */
  public SpoaAdminOptions(JsonObject json) {
    SpoaAdminOptionsConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    SpoaAdminOptionsConverter.toJson(this, json);
    return json;
  }

  public String getHost() {
    return host;
  }

  public SpoaAdminOptions setHost(String host) {
    this.host = java.util.Objects.requireNonNull(host, "host");
    return this;
  }

  public int getPort() {
    return port;
  }

  /** 0 picks a free port (see {@link SpoaAdminServer#actualPort()}). */
  public SpoaAdminOptions setPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, got " + port);
    }
    this.port = port;
    return this;
  }

  public List<String> getRequiredMessages() {
    return requiredMessages;
  }

  /** The message names that need a registered handler for {@code /ready} to answer 200. */
  public SpoaAdminOptions setRequiredMessages(List<String> requiredMessages) {
    this.requiredMessages = new ArrayList<>(requiredMessages);
    return this;
  }

  public long getProbeTimeout() {
    return probeTimeout;
  }

  /** How long {@code /ready} waits for each handler's answer to its probe. */
  public SpoaAdminOptions setProbeTimeout(long probeTimeout) {
    if (probeTimeout < 1) {
      throw new IllegalArgumentException("probeTimeout must be at least 1 ms, got " + probeTimeout);
    }
    this.probeTimeout = probeTimeout;
    return this;
  }
}
