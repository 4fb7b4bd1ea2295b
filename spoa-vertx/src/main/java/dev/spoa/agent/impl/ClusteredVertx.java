package dev.spoa.agent.impl;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.spoa.config.ClusterSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A Vert.x joined to a Hazelcast cluster: TCP-IP join with an explicit member list, no multicast,
 * no cloud auto-detection, no phone-home, and Hazelcast and the event bus on {@code cluster.host}
 * only (loopback by default). The base is {@code cluster.config} (e.g. {@code conf/cluster.xml})
 * or, without it, Vert.x's own {@code default-cluster.xml}, which holds the map settings the event
 * bus needs; the settings given are applied on top, so one XML file serves every node. Only
 * loaded for a clustered agent: Hazelcast is an optional dependency.
 */
public final class ClusteredVertx {

  private ClusteredVertx() {
  }

  static Future<Vertx> build(VertxBuilder builder, VertxOptions options, ClusterSettings s) {
    options.setEventBusOptions(new EventBusOptions().setHost(s.host()).setPort(0));
    try {
      return builder.with(options).withClusterManager(new HazelcastClusterManager(hazelcast(s))).buildClustered();
    } catch (RuntimeException e) { // e.g. an unreadable cluster config
      return Future.failedFuture(e);
    }
  }

  static Config hazelcast(ClusterSettings s) {
    if (s.configFile() != null) {
      Config cfg;
      try {
        cfg = new FileSystemXmlConfig(s.configFile());
      } catch (FileNotFoundException e) {
        throw new UncheckedIOException("cluster config " + s.configFile() + " not found", e);
      }
      // the file's own values stay unless the settings name them
      return apply(cfg, s.name(), s.hostGiven() ? s.host() : null, s.port(), s.members());
    }
    Config cfg = ConfigUtil.loadConfig();
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    // a killed node leaves the member list within seconds, not Hazelcast's default minute
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    return apply(cfg, s.name(), s.host(), s.port(), s.members() != null ? s.members() : List.of(ClusterSettings.DEFAULT_HOST));
  }

  /**
   * Sets the cluster name, a listener on the bound interface only, and TCP-IP join (multicast,
   * auto-detection and Kubernetes discovery off); {@code host} (bind interface), {@code port} and
   * {@code members} only when not null / not 0.
   */
  public static Config apply(Config cfg, String clusterName, String host, int port, List<String> members) {
    cfg.setClusterName(clusterName);
    // Hazelcast listens on every interface unless told not to: only on the chosen one
    cfg.setProperty("hazelcast.socket.bind.any", "false");
    NetworkConfig net = cfg.getNetworkConfig();
    if (port > 0) {
      net.setPort(port).setPortAutoIncrement(false);
    }
    if (host != null) {
      net.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    }
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    if (members != null) {
      join.getTcpIpConfig().setMembers(members);
    }
    return cfg;
  }
}
