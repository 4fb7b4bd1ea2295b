package dev.spoa.handler;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.Objects;

/**
 * A verticle that serves one message name with a {@link SpoaHandler}. Deploy it with the threading
 * model the handler needs: event loop (default) for non-blocking code, {@code ThreadingModel.WORKER}
 * for blocking code, on any node of a clustered event bus.
 *
 * <pre>{@code
 * vertx.deployVerticle(SpoaHandlerVerticle.of("check-client-ip", new IpReputationHandler()),
 *     new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER));
 * }</pre>
 *
 * Subclasses may instead pass the name to the constructor and implement {@link #handle}.
 */
public abstract class SpoaHandlerVerticle extends VerticleBase implements SpoaHandler {

  private final String messageName;
  private final String addressPrefix;

  protected SpoaHandlerVerticle(String messageName) {
    this(SpoaHandlers.DEFAULT_ADDRESS_PREFIX, messageName);
  }

  protected SpoaHandlerVerticle(String addressPrefix, String messageName) {
    this.addressPrefix = Objects.requireNonNull(addressPrefix, "addressPrefix");
    this.messageName = Objects.requireNonNull(messageName, "messageName");
  }

  /** A verticle serving {@code messageName} with {@code handler}. */
  public static SpoaHandlerVerticle of(String messageName, SpoaHandler handler) {
    Objects.requireNonNull(handler, "handler");
    return new SpoaHandlerVerticle(messageName) {
      @Override
      public Future<java.util.List<dev.spoa.protocol.Action>> handle(SpoaRequest request) {
        return handler.handle(request);
      }
    };
  }

  public String messageName() {
    return messageName;
  }

  @Override
  public Future<?> start() {
    return SpoaHandlers.register(vertx, addressPrefix, messageName, this);
  }
}
