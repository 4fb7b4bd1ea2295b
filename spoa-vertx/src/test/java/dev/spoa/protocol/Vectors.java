package dev.spoa.protocol;

import io.vertx.core.buffer.Buffer;

/** The frames of spop-spec.md, 4-byte length prefix included, as captured from HAProxy 2.6.12. */
final class Vectors {

  private Vectors() {
  }

  static final String ENGINE_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

  /** Section 3.1: HAPROXY-HELLO (LEN 129) with a 36-character engine-id. */
  static final String HAPROXY_HELLO = "00000081 01 00000001 00 00"
    + " 12\"supported-versions\" 08 03\"2.0\""
    + " 0e\"max-frame-size\" 03 fcf006"
    + " 0c\"capabilities\" 08 10\"pipelining,async\""
    + " 09\"engine-id\" 08 24\"" + ENGINE_ID + "\"";

  /** Body offsets (after the 4-byte length) where a KV entry of {@link #HAPROXY_HELLO} ends. */
  static final int[] HAPROXY_HELLO_ENTRY_ENDS = {7, 31, 50, 81, 129};

  /** Section 8: the health-check HAPROXY-HELLO (LEN 78). */
  static final String HEALTHCHECK_HELLO = "0000004e 01 00000001 00 00"
    + " 12\"supported-versions\" 08 03\"2.0\""
    + " 0e\"max-frame-size\" 03 fcf006"
    + " 0c\"capabilities\" 08 00"
    + " 0b\"healthcheck\" 11";

  static final int[] HEALTHCHECK_HELLO_ENTRY_ENDS = {7, 31, 50, 65, 78};

  /** Section 4: NOTIFY sid 0 fid 1, one message with ip, port, meth, ssl and neg = INT64 -1. */
  static final String NOTIFY = "00000047 03 00000001 00 01"
    + " 0f\"check-client-ip\" 05"
    + " 02\"ip\" 06 7f000001"
    + " 04\"port\" 04 fea314"
    + " 04\"meth\" 08 03\"GET\""
    + " 03\"ssl\" 01"
    + " 03\"neg\" 04 fff0fefefefefefefe0e";

  /** Section 5: ACK sid 0 fid 1 setting sess.ip_score = UINT32 42. */
  static final String ACK_SET_IP_SCORE = "00 00 00 15 67 00 00 00 01 00 01 01 03 01 08 69 70 5f 73 63 6f 72 65 03 2a";

  /** Section 5: empty ACK for sid 5, fid 1. */
  static final String ACK_EMPTY = "00 00 00 07 67 00 00 00 01 05 01";

  /** The frame body: the bytes after the 4-byte length prefix. */
  static Buffer body(String vector) {
    byte[] all = Hex.bytes(vector);
    return Buffer.buffer(all).getBuffer(4, all.length);
  }
}
