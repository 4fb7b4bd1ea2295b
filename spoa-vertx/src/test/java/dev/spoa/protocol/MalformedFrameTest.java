package dev.spoa.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.buffer.Buffer;

import java.lang.management.ManagementFactory;
import java.util.Random;
import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input must end in a SpopException with status INVALID_FRAME, and in no other exception. */
class MalformedFrameTest {

  /** Asserts that decoding fails with INVALID_FRAME, whatever else the decoder does. */
  private static SpopException assertInvalid(Supplier<?> decode, String what) {
    try {
      Object result = decode.get();
      fail(what + ": decoded as " + result + " instead of failing");
      return null;
    } catch (SpopException e) {
      assertEquals(SpopStatus.INVALID_FRAME, e.status(), what + ": " + e);
      return e;
    } catch (RuntimeException | Error e) {
      throw new AssertionError(what + ": threw " + e + " instead of SpopException", e);
    }
  }

  /** {@code body} is a frame without its 4-byte length prefix. */
  private static SpopException assertInvalidBody(String body) {
    Buffer b = Hex.buffer(body);
    return assertInvalid(() -> FrameDecoder.decode(b), body);
  }

  // ---- truncation --------------------------------------------------------------------------

  private static void assertEveryCutFails(String vector, int[] validEnds) {
    Buffer body = Vectors.body(vector);
    byte[] bytes = body.getBytes();
    int entry = 0;
    for (int cut = 0; cut < bytes.length; cut++) {
      int end = cut;
      boolean valid = false;
      for (int v : validEnds) {
        valid |= v == cut;
      }
      if (valid) {
        // a cut at an entry boundary is itself a well-formed, shorter frame
        Frame f = FrameDecoder.decode(body, 0, end);
        assertEquals(Frame.FLAG_FIN, f.flags());
        if (f instanceof KvFrame kv) {
          assertEquals(entry, kv.entries().size(), "entries at cut " + cut);
        } else if (f instanceof NotifyFrame n) {
          assertTrue(n.messages().isEmpty());
        } else {
          assertTrue(assertInstanceOf(AckFrame.class, f).actions().isEmpty());
        }
        entry++;
        continue;
      }
      // the bytes after `end` are the real rest of the frame: reading them would make this pass
      assertInvalid(() -> FrameDecoder.decode(body, 0, end), "cut at " + cut + " (in place) of " + vector);
      byte[] prefix = java.util.Arrays.copyOf(bytes, end);
      assertInvalid(() -> FrameDecoder.decode(Buffer.buffer(prefix)), "cut at " + cut + " (copy) of " + vector);
    }
  }

  @Test
  void haproxyHelloCutAnywhere() {
    assertEveryCutFails(Vectors.HAPROXY_HELLO, new int[] {7, 31, 50, 81});
  }

  @Test
  void healthCheckHelloCutAnywhere() {
    assertEveryCutFails(Vectors.HEALTHCHECK_HELLO, new int[] {7, 31, 50, 65});
  }

  @Test
  void notifyCutAnywhere() {
    assertEveryCutFails(Vectors.NOTIFY, new int[] {7});
  }

  @Test
  void ackCutAnywhere() {
    assertEveryCutFails(Vectors.ACK_SET_IP_SCORE, new int[] {7});
    assertEveryCutFails(Vectors.ACK_EMPTY, new int[] {});
  }

  @Test
  void payloadEntryPointsCutAnywhere() {
    Buffer notify = Vectors.body(Vectors.NOTIFY);
    for (int end = 8; end < notify.length(); end++) {
      int e = end;
      assertInvalid(() -> FrameDecoder.decodeMessages(notify, 7, e), "messages cut at " + end);
    }
    assertEquals(1, FrameDecoder.decodeMessages(notify, 7, notify.length()).size());
    Buffer ack = Vectors.body(Vectors.ACK_SET_IP_SCORE);
    for (int end = 8; end < ack.length(); end++) {
      int e = end;
      assertInvalid(() -> FrameDecoder.decodeActions(ack, 7, e), "actions cut at " + end);
    }
    assertEquals(1, FrameDecoder.decodeActions(ack, 7, ack.length()).size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "67", "67 00", "67 00000001", "67 00000001 05", "01 00000001 00",
    "03 00000001 00"})
  void framesShorterThan7Bytes(String body) {
    assertTrue(Hex.bytes(body).length < 7);
    assertInvalidBody(body);
  }

  @Test
  void sevenBytesWithATwoByteStreamIdLackTheFrameId() {
    assertInvalidBody("67 00000001 f0 00");
  }

  // ---- header ------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {4, 5, 99, 100, 104, 128, 255})
  void unknownFrameTypes(int type) {
    Buffer b = Buffer.buffer().appendByte((byte) type).appendBytes(Hex.bytes("00000001 00 00"));
    assertInvalid(() -> FrameDecoder.decode(b), "type " + type);
  }

  @Test
  void idVarintsThatOverflow() {
    assertInvalidBody("67 00000001 ff ff ff ff ff ff ff ff ff ff 00 01");
    assertInvalidBody("67 00000001 01 ff f0 fe fe fe fe fe fe fe 10");
    assertInvalidBody("67 00000001 ff f0 fe fe fe fe fe fe fe 0f 01");
  }

  // ---- typed data --------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {10, 11, 12, 13, 14, 15, 0x1a, 0xff})
  void unknownDataTypes(int typeByte) {
    String t = String.format("%02x", typeByte);
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 01\"a\" " + t + " 00 00 00 00 00 00 00 00");
    assertInvalidBody("01 00000001 00 00 01\"k\" " + t + " 00 00 00 00");
    assertInvalidBody("67 00000001 00 01 01 03 01 01\"v\" " + t + " 00 00 00 00");
  }

  @Test
  void truncatedAddresses() {
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 00 06 7f 00 00");
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 00 07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  }

  @Test
  void integerValueVarintOverflow() {
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 00 04 ff ff ff ff ff ff ff ff ff ff 00");
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 00 05 ff f0 fe fe fe fe fe fe fe 10");
  }

  // ---- lengths and counts running past the frame -------------------------------------------

  @Test
  void stringLengthsPastTheFrame() {
    assertInvalidBody("03 00000001 00 01 05\"m\"");                         // message name
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 09\"a\" 00");             // argument name
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 00 08 04\"abc\"");        // STRING value
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 00 09 ef 00");            // BINARY value
    assertInvalidBody("01 00000001 00 00 0e\"max-frame-size\"");            // KV key, one byte short
    assertInvalidBody("67 00000001 00 01 01 03 01 09\"ip_score\" 03 2a");   // variable name
    assertInvalidBody("67 00000001 00 01 02 02 01 05\"abc\"");              // UNSET-VAR name
  }

  @Test
  void hugeLengthsAreRefusedWithoutAllocation() {
    // 2^32, 2^31 and 2^64-1 bytes announced in a frame of a few bytes
    String two32 = Hex.of(Varint.encode(1L << 32));
    String two31 = Hex.of(Varint.encode(1L << 31));
    assertInvalidBody("03 00000001 00 01 " + two32 + " 00");
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 00 08 " + two31 + " 00");
    assertInvalidBody("03 00000001 00 01 01\"m\" 01 00 09 ff f0 fe fe fe fe fe fe fe 0e 00");
    assertInvalidBody("01 00000001 00 00 " + two31 + " 00");
  }

  @Test
  void nbArgsPastTheFrame() {
    assertInvalidBody("03 00000001 00 01 01\"m\" ff 00 00");
    assertInvalidBody("03 00000001 00 01 01\"m\" 02 00 00");      // 2 args announced, 1 present
    assertInvalidBody("03 00000001 00 01 01\"m\" 03 00 00 00 00"); // 3 announced, 2 present
    assertInvalidBody("03 00000001 00 01 01\"m\"");                // NB-ARGS missing
  }

  @Test
  void emptyKvKey() {
    assertInvalidBody("01 00000001 00 00 00 08 03\"2.0\"");
  }

  // ---- actions -----------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {0, 3, 4, 100, 255})
  void unknownActionTypes(int code) {
    String c = String.format("%02x", code);
    assertInvalidBody("67 00000001 00 01 " + c + " 03 01 01\"a\" 03 2a");
    // after a valid action too: the whole frame is refused
    assertInvalidBody("67 00000001 00 01 02 02 01 01\"b\" " + c + " 02 01 01\"a\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"01 00", "01 02", "01 04", "01 ff", "02 00", "02 01", "02 03", "02 ff"})
  void wrongNbArgs(String typeAndCount) {
    assertInvalidBody("67 00000001 00 01 " + typeAndCount + " 01 01\"a\" 03 2a");
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 6, 16, 128, 255})
  void scopeAbove4(int scope) {
    String s = String.format("%02x", scope);
    assertInvalidBody("67 00000001 00 01 01 03 " + s + " 01\"a\" 03 2a");
    assertInvalidBody("67 00000001 00 01 02 02 " + s + " 01\"a\"");
  }

  @Test
  void validScopes0To4() {
    for (int scope = 0; scope <= 4; scope++) {
      Buffer b = Hex.buffer("67 00000001 00 01 02 02 0" + scope + " 01\"a\"");
      AckFrame ack = assertInstanceOf(AckFrame.class, FrameDecoder.decode(b));
      assertEquals(Scope.fromCode(scope), ack.actions().get(0).scope());
    }
  }

  // ---- robustness --------------------------------------------------------------------------

  /** Random corruptions of the captured frames: each decodes, or fails with INVALID_FRAME. */
  @Test
  void mutatedVectorsNeverThrowAnythingElse() {
    Random random = new Random(0x5B0BL);
    String[] vectors = {Vectors.HAPROXY_HELLO, Vectors.HEALTHCHECK_HELLO, Vectors.NOTIFY,
      Vectors.ACK_SET_IP_SCORE, Vectors.ACK_EMPTY};
    int failures = 0;
    for (int round = 0; round < 30_000; round++) {
      byte[] b = Vectors.body(vectors[round % vectors.length]).getBytes();
      int edits = 1 + random.nextInt(4);
      for (int i = 0; i < edits; i++) {
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
      }
      int end = random.nextInt(4) == 0 ? random.nextInt(b.length + 1) : b.length;
      Buffer buf = Buffer.buffer(b);
      try {
        FrameDecoder.decode(buf, 0, end);
      } catch (SpopException e) {
        assertEquals(SpopStatus.INVALID_FRAME, e.status(), Hex.of(b));
        failures++;
      } catch (RuntimeException | Error e) {
        throw new AssertionError("threw " + e + " for " + Hex.of(java.util.Arrays.copyOf(b, end)), e);
      }
    }
    assertTrue(failures > 0, "the mutations never produced an invalid frame");
  }

  /** A frame of a few bytes announcing gigabytes must not make the decoder allocate them. */
  @Test
  void lyingLengthsAllocateLittle() {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean sun = (com.sun.management.ThreadMXBean) mx;
    Assumptions.assumeTrue(sun.isThreadAllocatedMemorySupported() && sun.isThreadAllocatedMemoryEnabled());
    Buffer[] frames = {
      Hex.buffer("03 00000001 00 01 " + Hex.of(Varint.encode(Integer.MAX_VALUE)) + " 00"),
      Hex.buffer("03 00000001 00 01 01\"m\" 01 00 09 " + Hex.of(Varint.encode(1L << 30)) + " 00"),
      Hex.buffer("03 00000001 00 01 01\"m\" ff 00 00 00 00"),
      Hex.buffer("01 00000001 00 00 " + Hex.of(Varint.encode(Integer.MAX_VALUE - 8)) + " 00"),
    };
    for (Buffer f : frames) {
      // warm-up so class loading is not counted
      assertInvalid(() -> FrameDecoder.decode(f), Hex.of(f));
    }
    long tid = Thread.currentThread().getId();
    for (Buffer f : frames) {
      long before = sun.getThreadAllocatedBytes(tid);
      assertInvalid(() -> FrameDecoder.decode(f), Hex.of(f));
      long used = sun.getThreadAllocatedBytes(tid) - before;
      assertTrue(used < 256 * 1024, "decoding " + f.length() + " bytes allocated " + used + " bytes");
    }
  }
}
