package dev.spoa.handler.impl;

import io.vertx.core.eventbus.MessageCodec;

/**
 * The local half of the SPOA codecs: bodies are immutable, so a local consumer gets the very
 * instance that was sent (no copy). Subclasses write the versioned wire form for other nodes.
 */
abstract class SharedInstanceCodec<T> implements MessageCodec<T, T> {

  private final String name;

  SharedInstanceCodec(String name) {
    this.name = name;
  }

  @Override
  public final T transform(T body) {
    return body;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final byte systemCodecID() {
    return -1; // a user codec
  }
}
