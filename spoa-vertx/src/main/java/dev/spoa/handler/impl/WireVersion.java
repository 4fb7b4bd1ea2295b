package dev.spoa.handler.impl;

/** The version check shared by the wire codecs: a node never guesses at a newer format. */
final class WireVersion {

  private WireVersion() {
  }

  static void check(String codec, byte found, byte supported) {
    if (found != supported) {
      throw new WireVersionException(codec, found, supported);
    }
  }
}
