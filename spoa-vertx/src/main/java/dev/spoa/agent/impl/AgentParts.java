package dev.spoa.agent.impl;

import dev.spoa.admin.SpoaAdminOptions;
import dev.spoa.config.SpoaConfig;
import dev.spoa.handler.SpoaHandler;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.server.SpoaServer;
import dev.spoa.server.SpoaServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Collection;
import java.util.List;

/** What both ways of starting an agent do alike: {@link SpoaAgentImpl} and {@code SpoaAgentVerticle}. */
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

  /**
   * A handler named by class in {@code agent.handlers}: a public constructor taking a
   * {@link SpoaConfig}, or none.
   *
   * @throws IllegalArgumentException naming the setting, when the class cannot serve
   */
  public static SpoaHandler instantiate(String message, String className, SpoaConfig config) {
    String setting = "agent.handlers." + message + ": ";
    try {
      Class<?> type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
      if (!SpoaHandler.class.isAssignableFrom(type)) {
        throw new IllegalArgumentException(setting + className + " is not a SpoaHandler");
      }
      try {
        return (SpoaHandler) type.getConstructor(SpoaConfig.class).newInstance(config);
      } catch (NoSuchMethodException e) {
        return (SpoaHandler) type.getConstructor().newInstance();
      }
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(setting + "class " + className + " not found");
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(setting + className + " needs a public constructor taking a SpoaConfig, or none");
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(setting + "cannot create " + className + ": " + e.getCause());
    }
  }
}
