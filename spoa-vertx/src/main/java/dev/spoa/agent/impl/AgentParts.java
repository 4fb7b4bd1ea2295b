package dev.spoa.agent.impl;

import dev.spoa.admin.SpoaAdminOptions;
import dev.spoa.config.SpoaConfig;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.server.SpoaServer;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Collection;
import java.util.List;

/** The parts both ways of starting an agent deploy alike: {@link SpoaAgentImpl} and {@code SpoaAgentVerticle}. */
public final class AgentParts {

  private AgentParts() {
  }

  /** Deploys {@code agent.instances} server verticles; each adds its server to {@code servers} once listening. */
  public static Future<String> deployServers(Vertx vertx, SpoaConfig config, SpoaMetrics metrics,
                                             Collection<SpoaServer> servers) {
    return vertx.deployVerticle(() -> new SpoaServerVerticle(config.serverOptions(), metrics) {
      @Override
      public Future<?> start() {
        return super.start().onSuccess(x -> servers.add(server()));
      }
    }, new DeploymentOptions().setInstances(config.instances()));
  }

  /** The admin options; readiness needs the agent's own messages when {@code agent.messages} names none. */
  public static SpoaAdminOptions adminOptions(SpoaConfig config, List<String> handledMessages) {
    SpoaAdminOptions admin = config.adminOptions();
    if (admin.getRequiredMessages().isEmpty() && config.role().runsServer()) {
      admin.setRequiredMessages(handledMessages);
    }
    return admin;
  }
}
