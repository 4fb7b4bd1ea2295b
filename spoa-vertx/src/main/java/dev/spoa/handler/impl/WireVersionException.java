package dev.spoa.handler.impl;

/**
 * A wire codec read a version it does not know: the sending node runs another spoa-vertx version.
 * It stays an {@link IllegalStateException} (what the codecs threw before), with the codec name and
 * both versions attached so that the receiving side can fail the request with
 * {@link SpoaCodecs#UNSUPPORTED_WIRE_VERSION} instead of letting it time out.
 */
public final class WireVersionException extends IllegalStateException {

  private final String codec;
  private final int found;
  private final int supported;

  public WireVersionException(String codec, int found, int supported) {
    super(codec + " wire version " + found + " is not supported (this node reads " + supported
      + "): run the same spoa-vertx version on every node");
    this.codec = codec;
    this.found = found;
    this.supported = supported;
  }

  /** The name of the codec, e.g. {@value SpoaRequestCodec#NAME}. */
  public String codec() {
    return codec;
  }

  /** The version byte that arrived. */
  public int found() {
    return found;
  }

  /** The version this node reads. */
  public int supported() {
    return supported;
  }
}
