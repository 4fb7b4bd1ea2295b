package dev.spoa.examples.ratelimit;

import dev.spoa.examples.haproxy.HaproxyProcess;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server (Debian's package), started by the test on a free loopback port, without
 * persistence, and stopped by its pid. Without redis-server the test is skipped, except in CI.
 */
final class RedisServer implements AutoCloseable {

  private final int port;
  private final Path log;
  private Process process;

  private RedisServer(int port, Path log) {
    this.port = port;
    this.log = log;
  }

  static RedisServer start() throws Exception {
    RedisServer r = new RedisServer(HaproxyProcess.freePort(), Files.createTempFile("redis", ".log"));
    r.restart();
    return r;
  }

  private static String executable() {
    for (String candidate : new String[] {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    String message = "no redis-server (apt-get install redis-server)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(message + ": CI must run the Redis tests");
    }
    Assumptions.abort(message);
    return null;
  }

  /** Starts it (again) on the same port; returns once it accepts connections. */
  void restart() throws Exception {
    process = new ProcessBuilder(executable(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
      "--save", "", "--appendonly", "no")
      .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("redis-server did not start:\n" + Files.readString(log));
        }
        Thread.sleep(20);
      }
    }
  }

  /** Stops it (SIGTERM, by pid) and waits for the exit. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      stop();
    }
    Files.deleteIfExists(log);
  }
}
