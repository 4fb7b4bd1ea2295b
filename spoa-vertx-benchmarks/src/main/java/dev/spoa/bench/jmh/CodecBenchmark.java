package dev.spoa.bench.jmh;

import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.FrameEncoder;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import io.vertx.core.buffer.Buffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The codec on its hot path: decoding the NOTIFY captured from HAProxy 2.6.12 and a large NOTIFY,
 * encoding an ACK with a few SET-VARs. Run (with allocation per op):
 * <pre>java -cp spoa-vertx-benchmarks/target/spoa-benchmarks.jar org.openjdk.jmh.Main CodecBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CodecBenchmark {

  /**
   * The NOTIFY body captured from HAProxy 2.6.12 (spop-spec.md section 4): check-client-ip with
   * ip=src, port=src_port, meth=method, ssl=ssl_fc, neg=int(-1); after the 4-byte length.
   */
  static final String CAPTURED_NOTIFY = "03000000010001"
    + "0f" + hex("check-client-ip") + "05"
    + "02" + hex("ip") + "06" + "7f000001"
    + "04" + hex("port") + "04" + "fea314"
    + "04" + hex("meth") + "08" + "03" + hex("GET")
    + "03" + hex("ssl") + "01"
    + "03" + hex("neg") + "04" + "fff0fefefefefefefe0e";

  private Buffer capturedNotify;
  private Buffer largeNotify;
  private List<Action> actions;

  private static String hex(String ascii) {
    return HexFormat.of().formatHex(ascii.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  @Setup
  public void setUp() {
    capturedNotify = Buffer.buffer(HexFormat.of().parseHex(CAPTURED_NOTIFY));
    byte[] headers = new byte[1500];
    java.util.Arrays.fill(headers, (byte) 'h');
    Buffer large = FrameEncoder.encode(NotifyFrame.of(12345, 1,
      SpoaMessage.of("check-request", Arg.of("ip", TypedValue.ofAddress(new byte[] {10, 0, 0, 1})),
        Arg.of("method", TypedValue.ofString("POST")), Arg.of("path", TypedValue.ofString("/api/v1/login")),
        Arg.of("headers", TypedValue.ofBinary(headers)), Arg.of("body-size", TypedValue.ofInt64(4096)))));
    largeNotify = large.getBuffer(4, large.length());
    actions = List.of(Action.setVar(dev.spoa.protocol.Scope.SESS, "ip_score", 20),
      Action.setVar(dev.spoa.protocol.Scope.TXN, "verdict", "allow"),
      Action.setVar(dev.spoa.protocol.Scope.TXN, "bot", false),
      Action.unsetVar(dev.spoa.protocol.Scope.TXN, "challenge"));
  }

  @Benchmark
  public Frame decodeCapturedNotify() {
    return FrameDecoder.decode(capturedNotify);
  }

  @Benchmark
  public Frame decodeLargeNotify() {
    return FrameDecoder.decode(largeNotify);
  }

  @Benchmark
  public Buffer encodeAck() {
    return FrameEncoder.ack(12345, 1, actions);
  }
}
