package dev.spoa.handler;

import dev.spoa.handler.impl.LocalCall;
import dev.spoa.handler.impl.LocalHandlers;
import dev.spoa.handler.impl.SpoaCodecs;
import dev.spoa.handler.impl.SpoaRequestCodec;
import dev.spoa.handler.impl.WireVersionException;
import dev.spoa.protocol.Action;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import dev.spoa.protocol.SpoaMessage;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Registers {@link SpoaHandler}s on the event bus. Each message name has its own address,
 * {@value #DEFAULT_ADDRESS_PREFIX}{@code <name>}, so the handlers of different messages can live in
 * different verticles, on workers or on other cluster nodes, and several consumers of one name
 * share its load.
 *
 * <p>In a Vert.x instance that is not clustered, the server reaches these handlers by local calls
 * (one local message whose body carries its way back, not a request and its reply): an address
 * served here should not also have consumers registered by other means, which could not answer
 * such a message.
 */
public final class SpoaHandlers {

  /** The default address prefix; the server's {@code handlerAddressPrefix} option must match. */
  public static final String DEFAULT_ADDRESS_PREFIX = "spoa.message.";

  /** The status of the failure sent back when a handler throws or fails. */
  public static final int HANDLER_FAILURE = 500;

  /** The header of readiness probes (see {@link #missingHandlers}). */
  static final String PROBE_HEADER = "spoa-probe";

  private static final Logger LOG = LoggerFactory.getLogger(SpoaHandlers.class);
  /** Shared by every reply: the event bus only reads it (Message.reply(Object) makes a new one each time). */
  private static final DeliveryOptions REPLY = new DeliveryOptions();

  private SpoaHandlers() {
  }

  /** The event-bus address of the handlers of {@code messageName} under the default prefix. */
  public static String address(String messageName) {
    return DEFAULT_ADDRESS_PREFIX + messageName;
  }

  /** Registers {@code handler} for {@code messageName} under the default prefix. */
  public static Future<MessageConsumer<SpoaRequest>> register(Vertx vertx, String messageName, SpoaHandler handler) {
    return register(vertx, DEFAULT_ADDRESS_PREFIX, messageName, handler);
  }

  /**
   * Registers {@code handler} on the current context (that of the calling verticle, when called
   * from one: undeploying the verticle unregisters it). The future completes once the
   * registration is visible, cluster-wide when clustered.
   */
  public static Future<MessageConsumer<SpoaRequest>> register(Vertx vertx, String addressPrefix, String messageName,
                                                              SpoaHandler handler) {
    return register(vertx, vertx.eventBus().consumer(addressPrefix + messageName), handler);
  }

  /**
   * Like {@link #register(Vertx, String, String, SpoaHandler)}, but the handler serves this Vert.x
   * instance only: a clustered event bus does not offer it to other nodes.
   */
  public static Future<MessageConsumer<SpoaRequest>> registerLocal(Vertx vertx, String addressPrefix,
                                                                   String messageName, SpoaHandler handler) {
    return register(vertx, vertx.eventBus().localConsumer(addressPrefix + messageName), handler);
  }

  private static Future<MessageConsumer<SpoaRequest>> register(Vertx vertx, MessageConsumer<SpoaRequest> consumer,
                                                               SpoaHandler handler) {
    SpoaCodecs.register(vertx);
    String address = consumer.address();
    consumer.handler(msg -> invoke(handler, msg));
    // what the server asks this instance's handlers for by local calls or directDispatch
    LocalHandlers.of(vertx).add(address, vertx.getOrCreateContext(), handler, consumer);
    return consumer.completion().map(consumer);
  }

  /**
   * Whether a handler for each of {@code messageNames} is registered somewhere on the event bus
   * (cluster-wide when clustered): each consumer answers a probe at once, without calling the
   * handler. Completes with the names that have none (empty: all ready).
   */
  public static Future<List<String>> missingHandlers(Vertx vertx, String addressPrefix, List<String> messageNames,
                                                     long timeoutMillis) {
    SpoaCodecs.register(vertx);
    DeliveryOptions probe = new DeliveryOptions().addHeader(PROBE_HEADER, "1").setSendTimeout(timeoutMillis);
    List<Future<Boolean>> answers = new ArrayList<>();
    for (String name : messageNames) {
      SpoaRequest req = new SpoaRequest("", 0, 0, SpoaMessage.of(name));
      answers.add(vertx.eventBus().request(addressPrefix + name, req, probe).map(true).otherwise(false));
    }
    return Future.all(answers).map(all -> {
      List<String> missing = new ArrayList<>();
      for (int i = 0; i < messageNames.size(); i++) {
        if (!answers.get(i).result()) {
          missing.add(messageNames.get(i));
        }
      }
      return missing;
    });
  }

  /**
   * Calls {@code handler} on the current context; a throw or a missing future becomes a failed
   * future, so that every call has an outcome.
   */
  public static Future<List<Action>> call(SpoaHandler handler, SpoaRequest request) {
    try {
      Future<List<Action>> result = handler.handle(request);
      return result != null ? result : Future.failedFuture(new NullPointerException("handler returned no future"));
    } catch (Exception e) { // also checked exceptions thrown past the signature (Kotlin, sneaky throws)
      return Future.failedFuture(e);
    }
  }

  private static void invoke(SpoaHandler handler, Message<?> msg) {
    Object body;
    try {
      body = msg.body(); // from another node: decoded here, lazily
    } catch (WireVersionException e) {
      LOG.warn("request to {} not served: {}", msg.address(), e.getMessage());
      msg.fail(SpoaCodecs.UNSUPPORTED_WIRE_VERSION, e.getMessage());
      return;
    } catch (RuntimeException e) {
      LOG.warn("request to {} not served: unreadable wire form: {}", msg.address(), e.toString());
      msg.fail(SpoaCodecs.MALFORMED_WIRE_FORM, SpoaRequestCodec.NAME + ": unreadable request: " + e);
      return;
    }
    if (body instanceof LocalCall local) { // from this instance's server: answered through the call itself
      local.serve(handler);
      return;
    }
    if (!(body instanceof SpoaRequest request)) {
      String what = body == null ? "null" : body.getClass().getName();
      LOG.warn("request to {} not served: not a SpoaRequest but {}", msg.address(), what);
      msg.fail(SpoaCodecs.MALFORMED_WIRE_FORM, SpoaRequestCodec.NAME + ": unreadable request: " + what);
      return;
    }
    // Probes carry no arguments; reading the headers of other requests would allocate them for nothing.
    if (request.message().args().isEmpty() && msg.headers().contains(PROBE_HEADER)) {
      msg.reply(SpoaReply.EMPTY, REPLY); // readiness probe: answered by the consumer, the handler is not called
      return;
    }
    call(handler, request).onComplete((actions, failure) -> {
      if (failure == null) {
        msg.reply(actions == null || actions.isEmpty() ? SpoaReply.EMPTY : new SpoaReply(actions), REPLY);
      } else {
        LOG.debug("handler for {} failed", request.messageName(), failure);
        msg.fail(HANDLER_FAILURE, String.valueOf(failure));
      }
    });
  }

}
