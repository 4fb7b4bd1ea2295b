package dev.spoa.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

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
  /**
   * A block of ports below Linux's ephemeral range (32768+), so that no outgoing connection takes one
   * between choosing and binding; Hazelcast moves to the next port of the block if one is taken.
   */
  private final int basePort = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(0, 500) * 20;
  private final int portCount;
  private final List<Vertx> nodes = new ArrayList<>();

  /** A cluster of up to {@code size} nodes: every node lists the whole port block as TCP-IP members. */
  public LoopbackCluster(int size) {
    this.portCount = size + 10;
  }

  /** Starts node {@code index} (0-based) and waits until it joined. */
  public Vertx start(int index) {
    Config cfg = ConfigUtil.loadConfig();
    cfg.setClusterName(name);
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.socket.bind.any", "false"); // listen on the loopback interface only
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig net = cfg.getNetworkConfig();
    net.setPort(basePort + index).setPortAutoIncrement(true).setPortCount(portCount);
    net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    for (int p = basePort; p < basePort + portCount; p++) {
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
}
