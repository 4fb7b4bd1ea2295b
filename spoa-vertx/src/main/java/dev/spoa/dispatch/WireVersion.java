package dev.spoa.dispatch;

/** The version check shared by the wire codecs: a node never guesses at a newer format. */
final class WireVersion {

  private WireVersion() {
  }

  static void check(String codec, byte found, byte supported) {
    if (found != supported) {
      throw new IllegalStateException(codec + " wire version " + found + " is not supported (this node reads "
        + supported + "): run the same spoa-vertx version on every node");
    }
  }
}
