package dev.spoa.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Hazelcast-clustered Vert.x instances for tests: loopback only, TCP-IP join on ports chosen for
 * this run, a cluster name of its own (parallel builds never meet), join wait 0, no phone-home.
 * Build and close the nodes from the test thread.
 */
public final class LoopbackCluster implements AutoCloseable {

  private final String name = "spoa-test-" + UUID.randomUUID();
  private final List<Integer> ports = new ArrayList<>();
  private final List<Vertx> nodes = new ArrayList<>();

  /** Reserves {@code size} Hazelcast ports: every node lists all of them as TCP-IP members. */
  public LoopbackCluster(int size) {
    for (int i = 0; i < size; i++) {
      ports.add(freePort());
    }
  }

  /** Starts node {@code index} (0-based) and waits until it joined. */
  public Vertx start(int index) {
    Config cfg = ConfigUtil.loadConfig();
    cfg.setClusterName(name);
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig net = cfg.getNetworkConfig();
    net.setPort(ports.get(index)).setPortAutoIncrement(false);
    net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    for (int p : ports) {
      join.getTcpIpConfig().addMember("127.0.0.1:" + p);
    }
    Vertx vertx = Vertx.builder()
      .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
      .withClusterManager(new HazelcastClusterManager(cfg))
      .buildClustered()
      .await();
    synchronized (nodes) {
      nodes.add(vertx);
    }
    return vertx;
  }

  /** Closes one node (a graceful leave). */
  public void close(Vertx node) {
    synchronized (nodes) {
      nodes.remove(node);
    }
    node.close().await();
  }

  @Override
  public void close() {
    List<Vertx> all;
    synchronized (nodes) {
      all = new ArrayList<>(nodes);
      nodes.clear();
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      all.get(i).close().await();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
