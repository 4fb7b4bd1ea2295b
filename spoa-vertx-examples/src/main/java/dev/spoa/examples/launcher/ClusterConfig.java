package dev.spoa.examples.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The Hazelcast configuration of a clustered agent: TCP-IP join with an explicit member list, no
 * multicast, no cloud auto-detection, no phone-home. The base is {@code --cluster-config} (e.g.
 * {@code conf/cluster.xml}) or, without it, Vert.x's own {@code default-cluster.xml} (which holds the
 * map settings the event bus needs); the settings given on the command line or in the environment
 * are then applied on top, so one XML file serves every node.
 */
public final class ClusterConfig {

  private ClusterConfig() {
  }

  public static Config hazelcast(AgentSettings s) {
    if (s.clusterConfig != null) {
      Config cfg;
      try {
        cfg = new FileSystemXmlConfig(s.clusterConfig);
      } catch (FileNotFoundException e) {
        throw new UncheckedIOException("cluster config " + s.clusterConfig + " not found", e);
      }
      // the file's own values stay unless the command line or the environment names them
      return apply(cfg, s.clusterName, s.clusterHostGiven ? s.clusterHost : null, s.clusterPort, s.clusterMembers);
    }
    Config cfg = ConfigUtil.loadConfig(); // Vert.x's default-cluster.xml: keeps its __vertx.* map settings
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    // a killed node leaves the member list within seconds, not Hazelcast's default minute
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    return apply(cfg, s.clusterName, s.clusterHost, s.clusterPort,
      s.clusterMembers != null ? s.clusterMembers : List.of("127.0.0.1"));
  }

  /**
   * Sets the cluster name, a listener on the bound interface only, and TCP-IP join (multicast,
   * auto-detection and Kubernetes discovery off);
   * {@code host} (bind interface), {@code port} and {@code members} only when not null / not 0.
   */
  public static Config apply(Config cfg, String clusterName, String host, int port, List<String> members) {
    cfg.setClusterName(clusterName);
    // Hazelcast listens on every interface unless told not to: only on the chosen one (loopback by default)
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
