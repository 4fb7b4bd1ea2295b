package dev.spoa.server.impl;

import dev.spoa.server.SpoaServerOptions;

import java.util.Map;

/**
 * What the dispatcher reads of the server's options, copied when they are applied: an immutable
 * value, so a dispatch in progress sees one consistent set, and the public options object (mutable,
 * the user's) is not shared with the hot path.
 *
 * @param handlerTimeouts per message name, over {@code handlerTimeout}
 * @param hedgeAfter 0: no hedging
 * @param fallbackVariable null: fallback ACKs carry no reason
 */
record DispatchSettings(String addressPrefix, long handlerTimeout, Map<String, Long> handlerTimeouts, long hedgeAfter,
                        boolean directDispatch, int maxInFlight, String fallbackVariable) {

  DispatchSettings {
    handlerTimeouts = Map.copyOf(handlerTimeouts);
  }

  static DispatchSettings of(SpoaServerOptions options) {
    return new DispatchSettings(options.getHandlerAddressPrefix(), options.getHandlerTimeout(),
      options.getHandlerTimeouts(), options.getHedgeAfter(), options.isDirectDispatch(), options.getMaxInFlight(),
      options.getFallbackVariable());
  }

  long handlerTimeout(String messageName) {
    return handlerTimeouts.getOrDefault(messageName, handlerTimeout);
  }
}
