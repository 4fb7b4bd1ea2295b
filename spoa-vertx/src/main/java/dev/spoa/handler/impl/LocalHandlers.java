package dev.spoa.handler.impl;

import dev.spoa.handler.SpoaHandler;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.Shareable;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The handlers registered in one Vert.x instance through {@code SpoaHandlers}, by event-bus
 * address, with the context each was registered on: what the server's {@code directDispatch}
 * calls without the event bus. A registration leaves with its consumer (undeploy, unregister).
 * Kept in the instance's shared local map, so it lives and dies with the Vert.x instance.
 */
public final class LocalHandlers implements Shareable {

  private static final String MAP_NAME = "dev.spoa.local-handlers";

  /** One registered handler and the context it runs on. */
  public record Registration(Context context, SpoaHandler handler, MessageConsumer<?> consumer) {
  }

  private static final Predicate<Registration> DEAD = r -> !r.consumer().isRegistered();

  private final ConcurrentHashMap<String, Registration[]> byAddress = new ConcurrentHashMap<>();
  private final AtomicInteger next = new AtomicInteger();

  private LocalHandlers() {
  }

  /** The registry of {@code vertx}. */
  public static LocalHandlers of(Vertx vertx) {
    return vertx.sharedData().<String, LocalHandlers>getLocalMap(MAP_NAME).computeIfAbsent(MAP_NAME, k -> new LocalHandlers());
  }

  /** Records {@code handler}, served on {@code context}, until {@code consumer} is unregistered. */
  public void add(String address, Context context, SpoaHandler handler, MessageConsumer<?> consumer) {
    Registration registration = new Registration(context, handler, consumer);
    removeIf(address, DEAD); // its owner may have replaced our end handler
    byAddress.merge(address, new Registration[] {registration}, (old, one) -> {
      Registration[] grown = Arrays.copyOf(old, old.length + 1);
      grown[old.length] = registration;
      return grown;
    });
    consumer.endHandler(v -> removeIf(address, r -> r == registration));
  }

  /** A live registration for {@code address}, round-robin among several; null when there is none. */
  public Registration pick(String address) {
    Registration[] registrations = byAddress.get(address);
    while (registrations != null) {
      Registration r = registrations.length == 1 ? registrations[0]
        : registrations[Math.floorMod(next.getAndIncrement(), registrations.length)];
      if (r.consumer().isRegistered()) {
        return r;
      }
      removeIf(address, DEAD); // unregistered without its end handler having run yet
      registrations = byAddress.get(address);
    }
    return null;
  }

  private void removeIf(String address, Predicate<Registration> condition) {
    byAddress.computeIfPresent(address, (k, old) -> {
      Registration[] kept = Arrays.stream(old).filter(condition.negate()).toArray(Registration[]::new);
      return kept.length == 0 ? null : kept;
    });
  }
}
