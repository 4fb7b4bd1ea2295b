package dev.spoa.examples.transport;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the {@code openssl} CLI at test time: a CA, a server certificate for
 * 127.0.0.1 and a client certificate, all signed by the CA (EC P-256 keys, PKCS#8 PEM).
 * Without {@code openssl} on the PATH the calling test is skipped.
 */
final class TestCertificates {

  final Path dir;
  final Path caCert;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;
  /** The client certificate and key in one file, as HAProxy's {@code crt} wants it. */
  final Path clientPem;

  private TestCertificates(Path dir) {
    this.dir = dir;
    caCert = dir.resolve("ca.pem");
    serverCert = dir.resolve("server.pem");
    serverKey = dir.resolve("server.key");
    clientCert = dir.resolve("client.crt");
    clientKey = dir.resolve("client.key");
    clientPem = dir.resolve("client.pem");
  }

  static TestCertificates create(Path dir) throws IOException, InterruptedException {
    Assumptions.assumeTrue(Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
      .anyMatch(p -> Files.isExecutable(Path.of(p, "openssl"))), "openssl is not installed");
    TestCertificates c = new TestCertificates(dir);
    Path caKey = dir.resolve("ca.key");
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\n"
      + "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n");
    Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n");
    openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", caKey.toString());
    openssl(dir, "req", "-x509", "-new", "-key", caKey.toString(), "-sha256", "-days", "2", "-subj", "/CN=spoa test CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
      "-out", c.caCert.toString());
    c.issue("server", "/CN=127.0.0.1", c.serverKey, c.serverCert, "server.ext");
    c.issue("client", "/CN=haproxy", c.clientKey, c.clientCert, "client.ext");
    Files.writeString(c.clientPem, Files.readString(c.clientCert) + Files.readString(c.clientKey));
    return c;
  }

  private void issue(String name, String subject, Path key, Path cert, String ext) throws IOException, InterruptedException {
    Path csr = dir.resolve(name + ".csr");
    openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
    openssl(dir, "req", "-new", "-key", key.toString(), "-subj", subject, "-out", csr.toString());
    openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", dir.resolve("ca.key").toString(),
      "-CAcreateserial", "-days", "2", "-sha256", "-extfile", dir.resolve(ext).toString(), "-out", cert.toString());
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("openssl timed out: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new IOException("openssl failed (" + p.exitValue() + "): " + cmd + "\n" + new String(out, StandardCharsets.UTF_8));
    }
  }
}
