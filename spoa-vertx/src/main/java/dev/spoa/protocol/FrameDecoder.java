package dev.spoa.protocol;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes SPOP frames from their bytes. Pure: no I/O, and no state that shows in a result (decoded
 * names come from a bounded shared cache, {@code NameTable}). Decoding is strict and bounded:
 * every length and count is checked against what is left of the frame before anything is
 * allocated, and any violation throws a {@link SpopException} with the status to disconnect with.
 */
public final class FrameDecoder {

  /** The smallest frame: type, flags and two one-byte varints. */
  public static final int MIN_FRAME_LENGTH = 7;

  private FrameDecoder() {
  }

  /** Decodes a whole frame body (the bytes after the 4-byte length). */
  public static Frame decode(Buffer frame) {
    return decode(frame, 0, frame.length());
  }

  /** Decodes the frame body held in {@code buf[start, end)}. */
  public static Frame decode(Buffer buf, int start, int end) {
    if (end - start < MIN_FRAME_LENGTH) {
      throw new SpopException(SpopStatus.INVALID_FRAME, "frame of " + (end - start) + " bytes is too short");
    }
    SpopReader r = new SpopReader(buf, start, end);
    int code = r.readU8("frame type");
    FrameType type = FrameType.fromCode(code);
    if (type == null) {
      throw new SpopException(SpopStatus.INVALID_FRAME, "unknown frame type " + code);
    }
    int flags = r.readInt("flags");
    long streamId = r.readVarint();
    long frameId = r.readVarint();
    if (type == FrameType.UNSET || (flags & Frame.FLAG_FIN) == 0) {
      return new FragmentFrame(type, flags, streamId, frameId, r.slice(r.position(), end));
    }
    switch (type) {
      case NOTIFY:
        return new NotifyFrame(flags, streamId, frameId, readMessages(r));
      case ACK:
        return new AckFrame(flags, streamId, frameId, readActions(r));
      default:
        return new KvFrame(type, flags, streamId, frameId, readKvList(r));
    }
  }

  /** Decodes a LIST-OF-MESSAGES payload, e.g. a reassembled NOTIFY. */
  public static List<SpoaMessage> decodeMessages(Buffer buf, int start, int end) {
    return readMessages(new SpopReader(buf, start, end));
  }

  /** Decodes a LIST-OF-ACTIONS payload. */
  public static List<Action> decodeActions(Buffer buf, int start, int end) {
    return readActions(new SpopReader(buf, start, end));
  }

  private static Map<String, TypedValue> readKvList(SpopReader r) {
    Map<String, TypedValue> entries = new LinkedHashMap<>();
    while (r.hasRemaining()) {
      String key = r.readName("key");
      if (key.isEmpty()) {
        throw new SpopException(SpopStatus.INVALID_FRAME, "empty key in KV list");
      }
      entries.put(key, readTypedValue(r));
    }
    return entries;
  }

  private static List<SpoaMessage> readMessages(SpopReader r) {
    if (!r.hasRemaining()) {
      return Collections.emptyList();
    }
    SpoaMessage first = null;
    List<SpoaMessage> messages = null;
    while (r.hasRemaining()) {
      String name = r.readName("message name");
      int nbArgs = r.readU8("NB-ARGS");
      // Each argument takes at least two bytes (empty name, NULL): refuse counts the frame cannot hold.
      if (nbArgs * 2 > r.remaining()) {
        throw new SpopException(SpopStatus.INVALID_FRAME, "message " + name + " announces " + nbArgs
          + " arguments but only " + r.remaining() + " bytes are left");
      }
      List<Arg> args;
      if (nbArgs == 1) { // the usual case: no array to copy into the list
        args = List.of(readArg(r));
      } else {
        Arg[] all = new Arg[nbArgs];
        for (int i = 0; i < nbArgs; i++) {
          all[i] = readArg(r);
        }
        args = List.of(all);
      }
      SpoaMessage message = new SpoaMessage(name, args);
      if (first == null) {
        first = message;
      } else {
        if (messages == null) {
          messages = new ArrayList<>();
          messages.add(first);
        }
        messages.add(message);
      }
    }
    return messages == null ? List.of(first) : List.copyOf(messages); // immutable: NotifyFrame keeps it as is
  }

  private static Arg readArg(SpopReader r) {
    String argName = r.readName("argument name");
    return new Arg(argName, readTypedValue(r));
  }

  private static List<Action> readActions(SpopReader r) {
    if (!r.hasRemaining()) {
      return Collections.emptyList();
    }
    List<Action> actions = new ArrayList<>(2);
    while (r.hasRemaining()) {
      int code = r.readU8("action type");
      int nbArgs = r.readU8("action NB-ARGS");
      Action.Type type = code == 1 ? Action.Type.SET_VAR : code == 2 ? Action.Type.UNSET_VAR : null;
      if (type == null) {
        throw new SpopException(SpopStatus.INVALID_FRAME, "unknown action type " + code);
      }
      if (nbArgs != type.nbArgs()) {
        throw new SpopException(SpopStatus.INVALID_FRAME, type + " with " + nbArgs + " arguments");
      }
      int scopeCode = r.readU8("scope");
      Scope scope = Scope.fromCode(scopeCode);
      if (scope == null) {
        throw new SpopException(SpopStatus.INVALID_FRAME, "unknown variable scope " + scopeCode);
      }
      String name = r.readName("variable name");
      TypedValue value = type == Action.Type.SET_VAR ? readTypedValue(r) : null;
      actions.add(Action.decoded(type, scope, name, value));
    }
    return actions;
  }

  static TypedValue readTypedValue(SpopReader r) {
    int b = r.readU8("data type");
    DataType type = DataType.fromCode(b & 0x0F);
    if (type == null) {
      throw new SpopException(SpopStatus.INVALID_FRAME, "unknown data type " + (b & 0x0F));
    }
    switch (type) {
      case NULL:
        return TypedValue.NULL;
      case BOOL:
        return (b & 0x10) != 0 ? TypedValue.TRUE : TypedValue.FALSE;
      case INT32:
      case UINT32:
      case INT64:
      case UINT64:
        return TypedValue.ofInteger(type, r.readVarint());
      case IPV4:
        return TypedValue.wrap(type, r.readBytes(4, "IPv4 address"));
      case IPV6:
        return TypedValue.wrap(type, r.readBytes(16, "IPv6 address"));
      default: // STRING, BINARY
        return TypedValue.wrap(type, r.readLengthPrefixed(type == DataType.STRING ? "string" : "binary"));
    }
  }
}
