package dev.spoa.examples.haproxy;


import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The real {@code haproxy} binary for end-to-end tests: started in the foreground on loopback with a
 * config written for the test, stopped by its pid. Its admin socket answers {@code show stat}.
 *
 * <p>Which binary: a {@link HaproxyBinary} (tests run on each of {@link HaproxyBinary#versions()}),
 * or the machine's own for the older overloads. Without one the calling test is skipped with a
 * message, except in CI ({@code CI=true}), where the tests must run and a missing binary fails them.
 */
public final class HaproxyProcess implements AutoCloseable {

  private final HaproxyBinary binary;
  private final Process process;
  private final Path dir;
  private final Path statsSocket;
  private final Path log;

  /** Processes using {@link #dir} (a reload shares it); the last to close removes it. */
  private final AtomicInteger dirUsers;

  private HaproxyProcess(HaproxyBinary binary, Process process, Path dir, Path statsSocket, Path log,
                         AtomicInteger dirUsers) {
    this.binary = binary;
    this.process = process;
    this.dir = dir;
    this.statsSocket = statsSocket;
    this.log = log;
    this.dirUsers = dirUsers;
  }

  /** The HAProxy version this process runs. */
  public HaproxyBinary haproxyBinary() {
    return binary;
  }

  /**
   * Reloads as {@code haproxy -sf <pid>} does: a new process of the same binary on the same
   * configuration takes the listeners over and tells this one to finish its work and exit. Returns
   * the new process (close both; each is stopped by its own pid).
   */
  public HaproxyProcess reload() throws IOException {
    Path newLog = dir.resolve("haproxy-" + System.nanoTime() + ".log");
    Process p = new ProcessBuilder(binary.executable().toString(), "-db", "-f", dir.resolve("haproxy.cfg").toString(),
      "-sf", String.valueOf(process.pid()))
      .directory(dir.toFile())
      .redirectErrorStream(true)
      .redirectOutput(newLog.toFile())
      .start();
    dirUsers.incrementAndGet();
    return new HaproxyProcess(binary, p, dir, statsSocket, newLog, dirUsers);
  }

  /** Whether the process still runs (an old one exits by itself after a reload). */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * A free TCP port on 127.0.0.1 for a listener that another process (HAProxy, an agent JVM, Redis)
   * binds a moment later. It is taken below the kernel's ephemeral range: a port from that range,
   * which binding port 0 gives, can become the local port of any outgoing loopback connection in
   * between, and these tests open thousands (HAProxy then failed with "cannot bind socket (Address
   * already in use)" in CI). Never the same port twice in one JVM.
   */
  public static int freePort() {
    int end = ephemeralPortsStart();
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = FIRST_TEST_PORT + ThreadLocalRandom.current().nextInt(end - FIRST_TEST_PORT);
      if (HANDED_OUT.add(port) && bindable(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port between " + FIRST_TEST_PORT + " and " + end);
  }

  private static final int FIRST_TEST_PORT = 10_000;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /** The first port the kernel hands to outgoing connections (Linux: 32768 by default). */
  private static int ephemeralPortsStart() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Math.max(FIRST_TEST_PORT + 1000, Integer.parseInt(range.split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return 32_768; // elsewhere the range starts higher (49152 on macOS and Windows)
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The repository's {@code conf/} folder. */
  public static Path confDir() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("conf/haproxy.cfg"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("conf/haproxy.cfg not found above " + Path.of("").toAbsolutePath());
    }
    return p.resolve("conf");
  }

  /**
   * Writes {@code haproxyCfg} (in which {@code @STATS_SOCKET@} and {@code @DIR@} are replaced) and
   * the extra files (name, content, name, content...) into a new temporary folder, starts
   * {@code binary} on it and waits until {@code waitPort} accepts connections and, when the config
   * declares {@code @STATS_SOCKET@}, until the admin socket answers: HAProxy creates it after the
   * listeners, and a test asking right away failed with "No such file or directory".
   */
  public static HaproxyProcess start(HaproxyBinary binary, String haproxyCfg, int waitPort, String... extraFiles)
    throws IOException {
    Path dir = Files.createTempDirectory("spoa-haproxy");
    Path socket = dir.resolve("admin.sock");
    Path cfg = dir.resolve("haproxy.cfg");
    Files.writeString(cfg, haproxyCfg.replace("@STATS_SOCKET@", socket.toString()).replace("@DIR@", dir.toString()));
    for (int i = 0; i + 1 < extraFiles.length; i += 2) {
      Files.writeString(dir.resolve(extraFiles[i]), extraFiles[i + 1]);
    }
    Path log = dir.resolve("haproxy.log");
    Process p = new ProcessBuilder(binary.executable().toString(), "-db", "-f", cfg.toString())
      .directory(dir.toFile())
      .redirectErrorStream(true)
      .redirectOutput(log.toFile())
      .start();
    HaproxyProcess h = new HaproxyProcess(binary, p, dir, socket, log, new AtomicInteger(1));
    boolean hasStatsSocket = haproxyCfg.contains("@STATS_SOCKET@");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!portOpen(waitPort) || (hasStatsSocket && !h.statsSocketAnswers())) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        String out = h.log();
        h.close();
        throw new IllegalStateException(binary + " did not start (exit " + (p.isAlive() ? "none" : p.exitValue())
          + "):\n" + out);
      }
      sleep(20);
    }
    return h;
  }

  private boolean statsSocketAnswers() {
    try {
      return command("show info").contains("Pid:");
    } catch (IOException notYet) {
      return false;
    }
  }

  /**
   * conf/haproxy.cfg as a test runs it: its own web and agent ports, an admin socket, the SPOE file
   * at {@code @DIR@/spoe-iprep.conf} (write {@link #confSpoe()} there), {@code binary}'s backend
   * mode and {@code timeout check 3s}. The check timeout defaults to {@code inter}, and tests that
   * check every 200 ms saw a loaded machine (parallel builds, cold JIT) answer the first HELLO
   * later than that: the agent went DOWN and requests failed with SPOE error 2. Tests change
   * more with {@code replace}; each checks that its replacement took.
   */
  public static String confHaproxyCfg(HaproxyBinary binary, int webPort, int agentPort) throws IOException {
    String cfg = Files.readString(confDir().resolve("haproxy.cfg"));
    String test = cfg
      .replaceFirst("(?m)^global$", "global\n    stats socket @STATS_SOCKET@ mode 600 level admin")
      .replace("127.0.0.1:8000", "127.0.0.1:" + webPort)
      .replace("127.0.0.1:12345", "127.0.0.1:" + agentPort)
      .replace("config conf/spoe-iprep.conf", "config @DIR@/spoe-iprep.conf")
      .replace("    mode tcp\n", "    mode " + binary.backendMode() + "\n")
      .replace("    option spop-check\n", "    option spop-check\n    timeout check 3s\n");
    for (String expected : List.of("stats socket @STATS_SOCKET@", "127.0.0.1:" + webPort, "127.0.0.1:" + agentPort,
      "config @DIR@/spoe-iprep.conf", "    mode " + binary.backendMode() + "\n", "timeout check 3s")) {
      if (!test.contains(expected)) {
        throw new IllegalStateException("conf/haproxy.cfg changed: '" + expected.strip() + "' not set in\n" + cfg);
      }
    }
    return test;
  }

  /** A response header with the SPOE error code ({@code option set-on-error error}) of a request whose NOTIFY failed. */
  private static final String SPOE_ERROR_HEADER =
    "    http-after-response set-header Spoe_error %[var(txn.iprep.error)] if { var(txn.iprep.error) -m found }";

  /**
   * {@code cfg} (from {@link #confHaproxyCfg}) with the {@code Spoe_error} header: Ip_score is a session
   * variable, so a keep-alive request whose NOTIFY failed still carries an earlier request's score.
   */
  public static String withSpoeErrorHeader(String cfg) {
    String withHeader = cfg.replaceFirst("(?m)^(    http-after-response set-header Ip_score .*)$", "$1\n" + SPOE_ERROR_HEADER);
    if (withHeader.equals(cfg)) {
      throw new IllegalStateException("no Ip_score header line in\n" + cfg);
    }
    return withHeader;
  }

  private static final Pattern PROCESSING_TIMEOUT = Pattern.compile("timeout processing (\\d+)ms");

  /** The {@code timeout processing} of an SPOE configuration (written in ms). */
  public static Duration spoeProcessingTimeout(String spoeConf) {
    java.util.regex.Matcher m = PROCESSING_TIMEOUT.matcher(spoeConf);
    if (!m.find()) {
      throw new IllegalStateException("no 'timeout processing <n>ms' in\n" + spoeConf);
    }
    return Duration.ofMillis(Long.parseLong(m.group(1)));
  }

  /** conf/spoe-iprep.conf as shipped. */
  public static String confSpoe() throws IOException {
    return Files.readString(confDir().resolve("spoe-iprep.conf"));
  }

  /**
   * An HAProxy configuration for load tests: a frontend on {@code webPort} that answers every request
   * itself after the SPOE filter of {@code conf/spoe-iprep.conf} (written as {@code @DIR@/spoe-iprep.conf})
   * asked the agents; responses carry {@code Ip_score} (only when this request's NOTIFY did not fail:
   * the score is a session variable, so a keep-alive connection keeps an earlier one), and, when set,
   * {@code Spoe_error} and the
   * variables named in {@code extraHeaders} (header name = txn variable name after the prefix).
   * The SPOE backend has {@code option spop-check} and the given server lines; its mode is
   * {@code binary}'s ({@code spop} on 3.1+).
   */
  public static String iprepLoadConfig(HaproxyBinary binary, int webPort, List<String> extraHeaders,
                                       String... serverLines) {
    List<String> lines = new java.util.ArrayList<>(List.of(
      "global",
      "    stats socket @STATS_SOCKET@ mode 600 level admin",
      "defaults",
      "    mode http",
      "    timeout connect 5s",
      "    timeout client 30s",
      "    timeout server 30s",
      "frontend fe_web",
      "    bind 127.0.0.1:" + webPort,
      "    filter spoe engine iprep config @DIR@/spoe-iprep.conf",
      "    http-request return status 200 content-type text/plain string ok",
      "    http-after-response set-header Ip_score %[var(sess.iprep.ip_score)] if { var(sess.iprep.ip_score) -m found } !{ var(txn.iprep.error) -m found }"));
    for (String h : extraHeaders) {
      String v = h.toLowerCase(java.util.Locale.ROOT);
      lines.add("    http-after-response set-header " + h + " %[var(txn.iprep." + v + ")] if { var(txn.iprep." + v + ") -m found }");
    }
    lines.add(SPOE_ERROR_HEADER);
    lines.addAll(List.of(
      "backend spoe-iprep",
      "    mode " + binary.backendMode(),
      "    balance roundrobin",
      "    timeout connect 5s",
      "    timeout server 3m",
      "    option spop-check"));
    for (String server : serverLines) {
      lines.add("    " + server);
    }
    lines.add("");
    return String.join("\n", lines);
  }

  private static boolean portOpen(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public Path dir() {
    return dir;
  }

  public long pid() {
    return process.pid();
  }

  /** An SPOE event that timed out (st=1) before any connection took it from the queue (2.6's log format). */
  private static final Pattern SPOE_NEVER_SENT = Pattern.compile("SPOE: \\[[^\\]]+\\] <EVENT:[^>]+> sid=\\d+ st=1 -?\\d+/-1/");
  /** Seen: at most 1 per 30,000 to 60,000 requests with one core kept busy, and once in 1,000 right after a start. */
  public static final int MAX_SPOE_QUEUE_STALLS = 2;

  /**
   * The requests whose NOTIFY HAProxy itself timed out in its queue, never sending it to any agent
   * ({@link HaproxyBinary#hasSpoeQueueStalls()}, found in its SPOE log); 0 on a version without
   * that bug. A keep-alive request that lost its NOTIFY so still shows the previous request's score
   * (a session variable): tests that count NOTIFYs count these apart, and fail past
   * {@link #MAX_SPOE_QUEUE_STALLS}.
   */
  public long spoeQueueStalls() {
    return binary.hasSpoeQueueStalls() ? SPOE_NEVER_SENT.matcher(log()).results().count() : 0;
  }

  /** An SPOE event that timed out (st=1) and its processing time in ms: the fifth timing up to 3.0, the only one from 3.1. */
  private static final Pattern SPOE_TIMEOUT = Pattern.compile(
    "SPOE: \\[[^\\]]+\\] <EVENT:[^>]+> sid=\\d+ st=1 (?:-?\\d+/){0,4}(-?\\d+) ");
  /** How late HAProxy may notice its own {@code timeout processing} on a host that is merely busy. */
  public static final Duration SPOE_TIMEOUT_SLACK = Duration.ofMillis(100);
  /** Seen once in CI: a host stall of about 280 ms timed out 5 NOTIFYs of a run of about 30,000. */
  public static final int MAX_SPOE_TIMEOUTS_NOTICED_LATE = 20;

  /**
   * The SPOE timeouts HAProxy noticed more than {@link #SPOE_TIMEOUT_SLACK} after {@code timeout}
   * (its {@code timeout processing}), queue stalls apart. HAProxy fires that timeout itself: with the
   * agent stopped by SIGSTOP on an idle host, 3.2 logged 501-502 ms for 500 ms. A later one means
   * HAProxy's own thread did not run in the meantime, so the host stalled, whatever the agent did.
   */
  public long spoeTimeoutsNoticedLate(Duration timeout) {
    long late = timeout.plus(SPOE_TIMEOUT_SLACK).toMillis();
    return log().lines()
      .filter(l -> !(binary.hasSpoeQueueStalls() && SPOE_NEVER_SENT.matcher(l).find()))
      .map(SPOE_TIMEOUT::matcher)
      .filter(m -> m.find() && Long.parseLong(m.group(1)) > late)
      .count();
  }

  /** What HAProxy printed so far. */
  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Runs one admin-socket command (the config must declare {@code stats socket @STATS_SOCKET@}). */
  public String command(String command) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(statsSocket));
      ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
      StringBuilder out = new StringBuilder();
      ByteBuffer buf = ByteBuffer.allocate(8192);
      while (ch.read(buf) > 0) {
        buf.flip();
        out.append(StandardCharsets.US_ASCII.decode(buf));
        buf.clear();
      }
      return out.toString();
    }
  }

  /** A column of {@code show stat} for one server, e.g. {@code status} ("UP", "DOWN 1/2", ...) or {@code check_status}. */
  public String serverStat(String backend, String server, String column) throws IOException {
    List<String> lines = command("show stat").lines().toList();
    List<String> header = Arrays.asList(lines.get(0).replaceFirst("^# ", "").split(","));
    int index = header.indexOf(column);
    if (index < 0) {
      throw new IllegalArgumentException("no column " + column + " in " + header);
    }
    for (String line : lines.subList(1, lines.size())) {
      String[] cols = line.split(",", -1);
      if (cols.length > index && cols[0].equals(backend) && cols[1].equals(server)) {
        return cols[index];
      }
    }
    throw new IllegalStateException("no server " + backend + "/" + server + " in:\n" + String.join("\n", lines));
  }

  /**
   * Waits until a health check of the server ended with {@code checkStatus} (e.g. "L7OK") and its
   * state is {@code status} (e.g. "UP"); returns the last "status/check_status" seen (without the
   * "* " HAProxy puts before the last result while the next check runs).
   */
  public String awaitCheck(String backend, String server, String status, String checkStatus, Duration timeout)
    throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      // "* L7OK": a check is under way and the last one ended L7OK
      String seen = serverStat(backend, server, "status") + "/"
        + serverStat(backend, server, "check_status").replaceFirst("^\\* ", "");
      if (seen.equals(status + "/" + checkStatus) || System.nanoTime() > deadline) {
        return seen;
      }
      sleep(50);
    }
  }

  /** Stops HAProxy (SIGTERM to its pid, then SIGKILL after 5 s) and removes its folder. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    if (dirUsers.decrementAndGet() > 0) {
      return; // a reloaded process still uses the folder
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temp folder is harmless
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
