package dev.spoa.handler;

import dev.spoa.protocol.Action;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 *
 * <p>Undeploying it stops new requests from reaching it, then waits (at most
 * {@link #STOP_TIMEOUT_MILLIS}) for the calls it has started to answer, so that a node leaving a
 * cluster answers what it holds.
 */
public abstract class SpoaHandlerVerticle extends VerticleBase implements SpoaHandler {

  /** How long {@link #stop()} waits for the calls in progress. */
  public static final long STOP_TIMEOUT_MILLIS = 5000;

  private final String messageName;
  private final String addressPrefix;
  private final AtomicInteger callsInProgress = new AtomicInteger();
  private MessageConsumer<SpoaRequest> consumer;
  private volatile Promise<Void> stopping;

  protected SpoaHandlerVerticle(String messageName) {
    this(SpoaHandlers.DEFAULT_ADDRESS_PREFIX, messageName);
  }

  protected SpoaHandlerVerticle(String addressPrefix, String messageName) {
    this.addressPrefix = Objects.requireNonNull(addressPrefix, "addressPrefix");
    this.messageName = Objects.requireNonNull(messageName, "messageName");
  }

  /**
   * A verticle serving {@code messageName} with {@code handler}. A handler that implements
   * {@link AutoCloseable} (it holds a client, a pool) is closed when the verticle stops, once the
   * calls in progress are answered.
   */
  public static SpoaHandlerVerticle of(String messageName, SpoaHandler handler) {
    Objects.requireNonNull(handler, "handler");
    return new SpoaHandlerVerticle(messageName) {
      @Override
      public Future<java.util.List<dev.spoa.protocol.Action>> handle(SpoaRequest request) {
        return handler.handle(request);
      }

      @Override
      public Future<?> stop() {
        return super.stop().andThen(x -> {
          if (handler instanceof AutoCloseable closeable) {
            try {
              closeable.close();
            } catch (Exception e) {
              LoggerFactory.getLogger(SpoaHandlerVerticle.class).warn("closing the handler of {} failed: {}", messageName, e.toString());
            }
          }
        });
      }
    };
  }

  public String messageName() {
    return messageName;
  }

  @Override
  public Future<?> start() {
    return SpoaHandlers.register(vertx, addressPrefix, messageName, this::counted).onSuccess(c -> consumer = c);
  }

  @Override
  public Future<?> stop() {
    Promise<Void> done = Promise.promise();
    stopping = done;
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered.compose(v -> {
      if (callsInProgress.get() == 0) {
        done.tryComplete();
      }
      return done.future().timeout(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).otherwiseEmpty();
    });
  }

  private Future<List<Action>> counted(SpoaRequest request) {
    callsInProgress.incrementAndGet();
    Future<List<Action>> result = SpoaHandlers.call(this, request);
    result.onComplete(callEnded); // one listener for every call: nothing allocated per call
    return result;
  }

  private final Completable<List<Action>> callEnded = (actions, failure) -> {
    Promise<Void> done = stopping;
    if (callsInProgress.decrementAndGet() == 0 && done != null) {
      done.tryComplete();
    }
  };
}
