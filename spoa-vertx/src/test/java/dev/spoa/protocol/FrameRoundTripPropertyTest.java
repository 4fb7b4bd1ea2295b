package dev.spoa.protocol;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * decode(encode(x)) == x for generated frames of every type and every value type, from a fixed
 * seed (a failure names the seed and case, so it can be replayed).
 */
class FrameRoundTripPropertyTest {

  private static final long SEED = 0x5B0A_2026L;
  private static final int CASES_PER_TYPE = 500;

  @Test
  void everyFrameTypeSurvivesEncodeThenDecode() {
    Random rnd = new Random(SEED);
    int[] seen = new int[FrameType.values().length];
    for (FrameType type : FrameType.values()) {
      for (int i = 0; i < CASES_PER_TYPE; i++) {
        Frame frame = frame(rnd, type, i % 5 == 0);
        Buffer wire = FrameEncoder.encode(frame);
        String what = "seed " + SEED + ", " + type + " case " + i + ": " + frame;
        assertEquals(wire.length() - 4, wire.getInt(0), what + ": length prefix");
        assertEquals(frame, FrameDecoder.decode(wire.getBuffer(4, wire.length())), what);
        seen[frame.type().ordinal()]++;
      }
    }
    for (FrameType t : FrameType.values()) {
      assertEquals(CASES_PER_TYPE, seen[t.ordinal()], "cases of " + t);
    }
  }

  @Test
  void fragmentsOfAnEncodedNotifyRebuildIt() {
    Random rnd = new Random(SEED + 1);
    for (int i = 0; i < 300; i++) {
      Frame generated;
      do {
        generated = frame(rnd, FrameType.NOTIFY, rnd.nextBoolean());
      } while (!(generated instanceof NotifyFrame));
      NotifyFrame n = (NotifyFrame) generated;
      NotifyFrame notify = new NotifyFrame(Frame.FLAG_FIN, n.streamId(), n.frameId(), n.messages()); // fragments carry FIN only
      Buffer wire = FrameEncoder.encode(notify);
      int maxFrameSize = 256 + rnd.nextInt(512);
      List<Buffer> parts = FrameEncoder.fragments(wire, maxFrameSize);
      Buffer payload = Buffer.buffer();
      for (int p = 0; p < parts.size(); p++) {
        Buffer part = parts.get(p);
        assertEquals(part.length() - 4, part.getInt(0));
        assertEquals(true, part.length() - 4 <= maxFrameSize, "fragment within max-frame-size");
        Frame f = FrameDecoder.decode(part.getBuffer(4, part.length()));
        boolean last = p == parts.size() - 1;
        if (parts.size() == 1) {
          assertEquals(notify, f);
          payload = null;
          break;
        }
        FragmentFrame frag = (FragmentFrame) f;
        assertEquals(p == 0 ? FrameType.NOTIFY : FrameType.UNSET, frag.type());
        assertEquals(last, frag.fin(), "only the last fragment has FIN");
        assertEquals(notify.streamId(), frag.streamId());
        assertEquals(notify.frameId(), frag.frameId());
        payload.appendBuffer(frag.payload());
      }
      if (payload != null) {
        assertEquals(notify.messages(), FrameDecoder.decodeMessages(payload, 0, payload.length()), "case " + i);
      }
    }
  }

  // ---- generators ----

  private static Frame frame(Random rnd, FrameType type, boolean large) {
    int reserved = rnd.nextInt(4) == 0 ? rnd.nextInt() & ~0x3 : 0; // reserved flag bits survive too
    long sid = id(rnd);
    long fid = id(rnd);
    switch (type) {
      case UNSET: {
        int flags = reserved | (rnd.nextBoolean() ? Frame.FLAG_FIN : 0) | (rnd.nextInt(4) == 0 ? Frame.FLAG_ABORT : 0);
        return new FragmentFrame(type, flags, sid, fid, Buffer.buffer(bytes(rnd, large ? 3000 : 40)));
      }
      case NOTIFY: {
        if (rnd.nextInt(6) == 0) { // a first fragment: NOTIFY without FIN
          return new FragmentFrame(type, reserved & ~Frame.FLAG_FIN, sid, fid, Buffer.buffer(bytes(rnd, 60)));
        }
        List<SpoaMessage> messages = new ArrayList<>();
        int n = rnd.nextInt(large ? 6 : 4);
        for (int i = 0; i < n; i++) {
          List<Arg> args = new ArrayList<>();
          int nArgs = large && rnd.nextBoolean() ? rnd.nextInt(256) : rnd.nextInt(6);
          for (int a = 0; a < nArgs; a++) {
            args.add(Arg.of(rnd.nextInt(5) == 0 ? "" : string(rnd, 12), value(rnd, large)));
          }
          messages.add(new SpoaMessage(string(rnd, 20), args));
        }
        return new NotifyFrame(reserved | Frame.FLAG_FIN, sid, fid, messages);
      }
      case ACK: {
        List<Action> actions = new ArrayList<>();
        int n = rnd.nextInt(large ? 40 : 5);
        for (int i = 0; i < n; i++) {
          Scope scope = Scope.values()[rnd.nextInt(Scope.values().length)];
          String name = varName(rnd);
          actions.add(rnd.nextInt(4) == 0 ? Action.unsetVar(scope, name) : Action.setVar(scope, name, value(rnd, large)));
        }
        return new AckFrame(reserved | Frame.FLAG_FIN, sid, fid, actions);
      }
      default: { // the four KV-list frames
        Map<String, TypedValue> kv = new LinkedHashMap<>();
        int n = rnd.nextInt(large ? 30 : 6);
        for (int i = 0; i < n; i++) {
          kv.put("k" + i + string(rnd, 10), value(rnd, large)); // keys are never empty
        }
        boolean handshake = type == FrameType.HAPROXY_HELLO || type == FrameType.AGENT_HELLO;
        return new KvFrame(type, reserved | Frame.FLAG_FIN, handshake ? 0 : sid, handshake ? 0 : fid, kv);
      }
    }
  }

  /** Ids of every varint length: 1 byte, the 2/3-byte boundaries, up to 2^64-1. */
  private static long id(Random rnd) {
    switch (rnd.nextInt(6)) {
      case 0: return rnd.nextInt(240);
      case 1: return 239 + rnd.nextInt(3);
      case 2: return 2286 + rnd.nextInt(4);
      case 3: return rnd.nextInt() & 0xFFFF_FFFFL;
      case 4: return -1 - rnd.nextInt(3); // around 2^64-1
      default: return rnd.nextLong();
    }
  }

  private static TypedValue value(Random rnd, boolean large) {
    DataType type = DataType.values()[rnd.nextInt(DataType.values().length)];
    switch (type) {
      case NULL: return TypedValue.NULL;
      case BOOL: return TypedValue.ofBoolean(rnd.nextBoolean());
      case INT32:
      case UINT32:
      case INT64:
      case UINT64: return TypedValue.ofInteger(type, id(rnd));
      case IPV4: return TypedValue.ofAddress(bytes(rnd, 4, 4));
      case IPV6: return TypedValue.ofAddress(bytes(rnd, 16, 16));
      case STRING: return rnd.nextBoolean() ? TypedValue.ofString(string(rnd, large ? 2000 : 30))
        : TypedValue.ofStringBytes(bytes(rnd, 30)); // not always valid UTF-8: the bytes are kept
      default: return TypedValue.ofBinary(bytes(rnd, large ? 5000 : 30));
    }
  }

  private static byte[] bytes(Random rnd, int max) {
    return bytes(rnd, 0, max);
  }

  private static byte[] bytes(Random rnd, int min, int max) {
    byte[] b = new byte[min + rnd.nextInt(max - min + 1)];
    rnd.nextBytes(b);
    return b;
  }

  /** Valid Unicode (no lone surrogates), ASCII mostly, multi-byte sometimes. */
  private static String string(Random rnd, int maxChars) {
    int n = rnd.nextInt(maxChars + 1);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      int kind = rnd.nextInt(10);
      int cp = kind < 7 ? 0x20 + rnd.nextInt(0x5F) : kind < 9 ? 0xA0 + rnd.nextInt(0xD7FF - 0xA0) : 0x10000 + rnd.nextInt(0x1000);
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }

  private static String varName(Random rnd) {
    String chars = "abcdefghijklmnopqrstuvwxyz0123456789_.";
    int n = 1 + rnd.nextInt(Action.MAX_NAME_LENGTH);
    StringBuilder sb = new StringBuilder();
    sb.append((char) ('a' + rnd.nextInt(26)));
    for (int i = 1; i < n; i++) {
      sb.append(chars.charAt(rnd.nextInt(chars.length())));
    }
    String name = sb.toString();
    return Action.isValidName(name) ? name : "v" + n;
  }
}
