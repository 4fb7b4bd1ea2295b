package dev.spoa.testing;

/**
 * Which HAProxy {@link SpopTestClient} imitates. The two SPOE implementations speak the same SPOP
 * 2.0 but differ in what they offer and how they number and end things:
 *
 * <table>
 *   <caption>HAProxy 2.6 (the applet, also 2.8 and 3.0) against 3.x (the SPOP multiplexer, 3.1+)</caption>
 *   <tr><th></th><th>{@link #HAPROXY_2_6}</th><th>{@link #HAPROXY_3_X}</th></tr>
 *   <tr><td>capabilities offered</td><td>{@code "pipelining,async"}</td><td>{@code "pipelining"}</td></tr>
 *   <tr><td>stream-id</td><td>the HAProxy stream's {@code uniq_id}: a process-wide counter from 0,
 *       which SPOE applet streams also draw from (gaps)</td><td>odd, per connection: 1, 3, 5, ...</td></tr>
 *   <tr><td>frame-id</td><td>1, 2, 3, ... per HAProxy stream (one per event of the stream)</td><td>always 1</td></tr>
 *   <tr><td>engine-id</td><td>per agent and per thread</td><td>per agent (also the pool key)</td></tr>
 *   <tr><td>empty NOTIFY (all messages' conditions false)</td><td>never sent</td><td>sent by 3.1 up to 3.3-dev7</td></tr>
 *   <tr><td>NOTIFYs in flight per connection</td><td>{@code max-waiting-frames}, default 20</td><td>20, hard-coded</td></tr>
 *   <tr><td>end of a connection</td><td>HAPROXY-DISCONNECT (idle timeout, soft-stop), or a bare close</td>
 *       <td>pooled connections purged with a bare close or an RST, no DISCONNECT</td></tr>
 * </table>
 *
 * <p>Without agreed pipelining both send one NOTIFY at a time per connection.
 */
public enum HaproxyPersonality {

  /** HAProxy 2.6 to 3.0: the SPOE applet (flt_spoe.c). */
  HAPROXY_2_6("pipelining,async", false, 20),

  /** HAProxy 3.1 and later: the SPOP multiplexer (mux_spop.c). */
  HAPROXY_3_X("pipelining", true, 20);

  /** How many NOTIFYs of one HAProxy 2.6 stream the client numbers before it starts a new stream. */
  static final int FRAMES_PER_26_STREAM = 2;

  private final String capabilities;
  private final boolean sendsEmptyNotify;
  private final int maxStreamsPerConnection;

  HaproxyPersonality(String capabilities, boolean sendsEmptyNotify, int maxStreamsPerConnection) {
    this.capabilities = capabilities;
    this.sendsEmptyNotify = sendsEmptyNotify;
    this.maxStreamsPerConnection = maxStreamsPerConnection;
  }

  /** The {@code capabilities} of its HAPROXY-HELLO (a health-check HELLO always offers {@code ""}). */
  public String capabilities() {
    return capabilities;
  }

  /** Whether this HAProxy may send a NOTIFY without any message (3.1 to 3.3-dev7). */
  public boolean sendsEmptyNotify() {
    return sendsEmptyNotify;
  }

  /** The most NOTIFYs it has in flight on one connection when pipelining is agreed (else 1). */
  public int maxStreamsPerConnection() {
    return maxStreamsPerConnection;
  }

  /** Whether it ends pooled connections without a DISCONNECT (bare close or RST). */
  public boolean dropsConnectionsWithoutDisconnect() {
    return this == HAPROXY_3_X;
  }
}
