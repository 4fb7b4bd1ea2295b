package dev.spoa.protocol;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes SPOP frames. Each method returns one {@link Buffer} holding one whole frame, 4-byte
 * length included, so that a frame goes out in exactly one socket write.
 */
public final class FrameEncoder {

  /** The protocol version agents answer with. */
  public static final String VERSION = "2.0";
  /** HAProxy 2.6 ignores an AGENT-DISCONNECT whose message is longer than this. */
  public static final int MAX_DISCONNECT_MESSAGE = 255;
  /** Frame bytes before the payload at most: length, type, flags and two 10-byte varints. */
  public static final int MAX_HEADER_LENGTH = 4 + 1 + 4 + 2 * Varint.MAX_BYTES;

  private FrameEncoder() {
  }

  /** Encodes any frame model; the round-trip partner of {@link FrameDecoder#decode(Buffer)}. */
  public static Buffer encode(Frame frame) {
    if (frame instanceof AckFrame a) {
      Buffer out = start(24 * a.actions().size(), FrameType.ACK, a.flags(), a.streamId(), a.frameId());
      for (Action action : a.actions()) {
        appendAction(out, action);
      }
      return finish(out);
    }
    if (frame instanceof NotifyFrame n) {
      Buffer out = start(64, FrameType.NOTIFY, n.flags(), n.streamId(), n.frameId());
      for (SpoaMessage m : n.messages()) {
        appendMessage(out, m);
      }
      return finish(out);
    }
    if (frame instanceof KvFrame kv) {
      return kv(kv.type(), kv.flags(), kv.streamId(), kv.frameId(), kv.entries());
    }
    FragmentFrame f = (FragmentFrame) frame;
    return finish(start(f.payload().length(), f.type(), f.flags(), f.streamId(), f.frameId()).appendBuffer(f.payload()));
  }

  /** An ACK (FIN) echoing a NOTIFY's ids. */
  public static Buffer ack(long streamId, long frameId, List<Action> actions) {
    Buffer out = Buffer.buffer(MAX_HEADER_LENGTH + 24 * actions.size());
    appendAck(out, streamId, frameId, actions);
    return out;
  }

  /**
   * Appends one whole ACK frame, length prefix included, to {@code out} (several frames may share a
   * buffer that is written at once).
   *
   * @return the frame's length, i.e. the bytes after its 4-byte prefix
   */
  public static int appendAck(Buffer out, long streamId, long frameId, List<Action> actions) {
    int start = out.length();
    out.appendInt(0).appendByte((byte) FrameType.ACK.code()).appendInt(Frame.FLAG_FIN);
    Varint.append(out, streamId);
    Varint.append(out, frameId);
    for (int i = 0; i < actions.size(); i++) {
      appendAction(out, actions.get(i));
    }
    int length = out.length() - start - 4;
    out.setInt(start, length);
    return length;
  }

  /** The length {@link #appendAck} would give, without encoding anything. */
  public static long ackLength(long streamId, long frameId, List<Action> actions) {
    long length = 1 + 4 + Varint.size(streamId) + Varint.size(frameId);
    for (int i = 0; i < actions.size(); i++) {
      length += encodedSize(actions.get(i));
    }
    return length;
  }

  /**
   * Splits one encoded frame whose payload exceeds {@code maxFrameSize} into fragments of at most
   * that size: the first keeps the frame's type, the others are UNSET frames with the same ids; only
   * the last has FIN. For peers that announced {@code fragmentation}.
   */
  public static List<Buffer> fragments(Buffer frame, int maxFrameSize) {
    SpopReader header = new SpopReader(frame, 4, frame.length());
    FrameType type = FrameType.fromCode(header.readU8("frame type"));
    header.readInt("flags");
    long streamId = header.readVarint();
    long frameId = header.readVarint();
    int headerLength = header.position() - 4; // type, flags and ids
    int chunk = maxFrameSize - headerLength;
    if (chunk < 1) {
      throw new IllegalArgumentException("max-frame-size " + maxFrameSize + " leaves no room for a payload");
    }
    List<Buffer> out = new java.util.ArrayList<>();
    for (int pos = header.position(); pos < frame.length() || out.isEmpty(); pos += chunk) {
      int end = Math.min(frame.length(), pos + chunk);
      boolean last = end == frame.length();
      Buffer f = start(end - pos, out.isEmpty() ? type : FrameType.UNSET, last ? Frame.FLAG_FIN : 0, streamId, frameId);
      out.add(finish(f.appendBuffer(frame, pos, end - pos)));
    }
    return out;
  }

  /** The AGENT-HELLO: version 2.0, the agreed max-frame-size and capabilities. */
  public static Buffer agentHello(long maxFrameSize, String capabilities) {
    Map<String, TypedValue> kv = new LinkedHashMap<>(4);
    kv.put("version", TypedValue.ofString(VERSION));
    kv.put("max-frame-size", TypedValue.ofUint32(maxFrameSize));
    kv.put("capabilities", TypedValue.ofString(capabilities));
    return kv(FrameType.AGENT_HELLO, Frame.FLAG_FIN, 0, 0, kv);
  }

  /** An AGENT-DISCONNECT with a status code and a message cut to 255 bytes. */
  public static Buffer agentDisconnect(int statusCode, String message) {
    return disconnect(FrameType.AGENT_DISCONNECT, statusCode, message);
  }

  public static Buffer agentDisconnect(SpopStatus status) {
    return agentDisconnect(status.code(), status.message());
  }

  /** A HELLO or DISCONNECT frame of either side (the test client sends HAProxy's). */
  public static Buffer disconnect(FrameType type, int statusCode, String message) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    if (text.length > MAX_DISCONNECT_MESSAGE) {
      int cut = MAX_DISCONNECT_MESSAGE;
      while (cut > 0 && (text[cut] & 0xC0) == 0x80) {
        cut--; // do not split a UTF-8 character
      }
      text = java.util.Arrays.copyOf(text, cut);
    }
    Map<String, TypedValue> kv = new LinkedHashMap<>(2);
    kv.put("status-code", TypedValue.ofUint32(statusCode));
    kv.put("message", TypedValue.ofStringBytes(text));
    return kv(type, Frame.FLAG_FIN, 0, 0, kv);
  }

  public static Buffer kv(FrameType type, int flags, long streamId, long frameId, Map<String, TypedValue> entries) {
    Buffer out = start(128, type, flags, streamId, frameId);
    for (Map.Entry<String, TypedValue> e : entries.entrySet()) {
      appendString(out, e.getKey());
      appendTypedValue(out, e.getValue());
    }
    return finish(out);
  }

  /** Starts a frame: a length placeholder and the header. */
  static Buffer start(int payloadHint, FrameType type, int flags, long streamId, long frameId) {
    Buffer out = Buffer.buffer(MAX_HEADER_LENGTH + payloadHint);
    out.appendInt(0).appendByte((byte) type.code()).appendInt(flags);
    Varint.append(out, streamId);
    return Varint.append(out, frameId);
  }

  /** Writes the length of what follows the 4-byte prefix into the prefix. */
  static Buffer finish(Buffer out) {
    return out.setInt(0, out.length() - 4);
  }

  public static Buffer appendMessage(Buffer out, SpoaMessage message) {
    appendString(out, message.name());
    List<Arg> args = message.args();
    out.appendByte((byte) args.size());
    for (int i = 0; i < args.size(); i++) {
      Arg a = args.get(i);
      appendString(out, a.name());
      appendTypedValue(out, a.value());
    }
    return out;
  }

  public static Buffer appendAction(Buffer out, Action action) {
    out.appendByte((byte) action.type().code())
      .appendByte((byte) action.type().nbArgs())
      .appendByte((byte) action.scope().code()); // the scope is a raw byte, not typed data
    appendString(out, action.name());              // the name is a bare string, not typed data
    if (action.type() == Action.Type.SET_VAR) {
      appendTypedValue(out, action.value());
    }
    return out;
  }

  /** The number of bytes {@link #appendAction} writes for {@code action}. */
  public static int encodedSize(Action action) {
    int nameLen = utf8Length(action.name());
    int size = 3 + Varint.size(nameLen) + nameLen;
    return action.type() == Action.Type.SET_VAR ? size + encodedSize(action.value()) : size;
  }

  /** The number of bytes {@link #appendTypedValue} writes for {@code value}. */
  public static int encodedSize(TypedValue value) {
    switch (value.type()) {
      case NULL:
      case BOOL:
        return 1;
      case INT32:
      case UINT32:
      case INT64:
      case UINT64:
        return 1 + Varint.size(value.bits());
      case IPV4:
      case IPV6:
        return 1 + value.byteLength();
      default:
        return 1 + Varint.size(value.byteLength()) + value.byteLength();
    }
  }

  public static Buffer appendTypedValue(Buffer out, TypedValue value) {
    DataType type = value.type();
    switch (type) {
      case NULL:
        return out.appendByte((byte) 0);
      case BOOL:
        return out.appendByte((byte) (value.asBoolean() ? 0x11 : 0x01)); // the value is the flag bit 0x10
      case INT32:
      case UINT32:
      case INT64:
      case UINT64:
        out.appendByte((byte) type.code());
        return Varint.append(out, value.bits());
      case IPV4:
      case IPV6:
        return out.appendByte((byte) type.code()).appendBytes(value.rawBytes());
      default:
        out.appendByte((byte) type.code());
        byte[] b = value.rawBytes();
        Varint.append(out, b.length);
        return out.appendBytes(b);
    }
  }

  public static Buffer appendString(Buffer out, String s) {
    if (isAscii(s)) {
      Varint.append(out, s.length());
      for (int i = 0; i < s.length(); i++) {
        out.appendByte((byte) s.charAt(i));
      }
      return out;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    Varint.append(out, b.length);
    return out.appendBytes(b);
  }

  private static int utf8Length(String s) {
    return isAscii(s) ? s.length() : s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
