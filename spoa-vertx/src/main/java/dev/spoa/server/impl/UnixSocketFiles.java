package dev.spoa.server.impl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** The socket file of a unix-domain listener. */
final class UnixSocketFiles {

  private UnixSocketFiles() {
  }

  /**
   * Removes a socket file that nothing listens on any more (left by a crash); refuses to touch a
   * regular file, a folder, or a socket another process still serves.
   */
  static void removeStale(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(path + " exists and is not a socket: not removing it");
    }
    boolean served;
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(path));
      served = true;
    } catch (IOException refused) {
      served = false;
    }
    if (served) {
      throw new IOException("another process listens on " + path);
    }
    Files.deleteIfExists(path); // nothing answers: stale
  }
}
