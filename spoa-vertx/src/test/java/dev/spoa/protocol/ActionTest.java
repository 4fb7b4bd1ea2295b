package dev.spoa.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ActionTest {

  private static final String NAME_63 = "a".repeat(63);
  private static final String NAME_64 = "a".repeat(64);

  @ParameterizedTest
  @ValueSource(strings = {"ip_score", "a", "Z", "0", "_", ".", "A.b_9", "sess.x", "ABCxyz0123456789_."})
  void validNames(String name) {
    assertTrue(Action.isValidName(name));
    assertEquals(name, Action.unsetVar(Scope.TXN, name).name());
    assertEquals(name, Action.setVar(Scope.TXN, name, 1L).name());
  }

  @Test
  void nameOf63CharactersIsTheLongestAccepted() {
    assertEquals(63, Action.MAX_NAME_LENGTH);
    assertTrue(Action.isValidName(NAME_63));
    assertEquals(NAME_63, Action.setVar(Scope.SESS, NAME_63, "v").name());
    assertFalse(Action.isValidName(NAME_64));
    assertThrows(IllegalArgumentException.class, () -> Action.setVar(Scope.SESS, NAME_64, "v"));
    assertThrows(IllegalArgumentException.class, () -> Action.unsetVar(Scope.SESS, NAME_64));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ip-score", "ip score", "a/b", "a$", "a:b", "\u00e9t\u00e9", "a\u0000", "a\n", "*", "a,b"})
  void invalidNames(String name) {
    assertFalse(Action.isValidName(name));
    assertThrows(IllegalArgumentException.class, () -> Action.setVar(Scope.TXN, name, TypedValue.TRUE));
    assertThrows(IllegalArgumentException.class, () -> Action.setVar(Scope.TXN, name, 1L));
    assertThrows(IllegalArgumentException.class, () -> Action.unsetVar(Scope.TXN, name));
  }

  @Test
  void nullArguments() {
    assertFalse(Action.isValidName(null));
    assertThrows(IllegalArgumentException.class, () -> Action.unsetVar(Scope.TXN, null));
    assertThrows(NullPointerException.class, () -> Action.unsetVar(null, "a"));
    assertThrows(NullPointerException.class, () -> Action.setVar(null, "a", TypedValue.TRUE));
    assertThrows(NullPointerException.class, () -> Action.setVar(Scope.TXN, "a", (TypedValue) null));
  }

  @Test
  void factoriesPickTheType() throws Exception {
    Action l = Action.setVar(Scope.SESS, "n", 42L);
    assertEquals(Action.Type.SET_VAR, l.type());
    assertEquals(Scope.SESS, l.scope());
    assertEquals(TypedValue.ofInt64(42), l.value());

    assertEquals(TypedValue.ofString("x"), Action.setVar(Scope.TXN, "s", "x").value());
    assertEquals(TypedValue.TRUE, Action.setVar(Scope.TXN, "b", true).value());
    assertEquals(TypedValue.FALSE, Action.setVar(Scope.TXN, "b", false).value());
    assertEquals(DataType.BINARY, Action.setVar(Scope.REQ, "bin", new byte[] {1}).value().type());
    assertEquals(DataType.IPV4, Action.setVar(Scope.RES, "ip", InetAddress.getByName("192.0.2.1")).value().type());
    assertEquals(DataType.IPV6, Action.setVar(Scope.RES, "ip", InetAddress.getByName("2001:db8::1")).value().type());
    assertEquals(TypedValue.NULL, Action.setVar(Scope.PROC, "n", TypedValue.NULL).value());

    Action u = Action.unsetVar(Scope.REQ, "gone");
    assertEquals(Action.Type.UNSET_VAR, u.type());
    assertEquals(Scope.REQ, u.scope());
    assertNull(u.value());
  }

  @Test
  void binaryValueIsCopied() {
    byte[] raw = {1, 2, 3};
    Action a = Action.setVar(Scope.TXN, "bin", raw);
    raw[0] = 7;
    assertArrayEquals(new byte[] {1, 2, 3}, a.value().asBytes());
  }

  @Test
  void wireCodes() {
    assertEquals(1, Action.Type.SET_VAR.code());
    assertEquals(3, Action.Type.SET_VAR.nbArgs());
    assertEquals(2, Action.Type.UNSET_VAR.code());
    assertEquals(2, Action.Type.UNSET_VAR.nbArgs());
    String[] prefixes = {"proc", "sess", "txn", "req", "res"};
    for (int i = 0; i < 5; i++) {
      Scope s = Scope.fromCode(i);
      assertEquals(i, s.code());
      assertEquals(prefixes[i], s.prefix());
    }
    assertNull(Scope.fromCode(5));
    assertNull(Scope.fromCode(-1));
  }

  @Test
  void equalityAndText() {
    Action a = Action.setVar(Scope.SESS, "ip_score", 42L);
    assertEquals(a, Action.setVar(Scope.SESS, "ip_score", 42L));
    assertEquals(a.hashCode(), Action.setVar(Scope.SESS, "ip_score", 42L).hashCode());
    assertNotEquals(a, Action.setVar(Scope.TXN, "ip_score", 42L));
    assertNotEquals(a, Action.setVar(Scope.SESS, "ip_score", 43L));
    assertNotEquals(a, Action.setVar(Scope.SESS, "ip_score", TypedValue.ofUint32(42)));
    assertNotEquals(a, Action.unsetVar(Scope.SESS, "ip_score"));
    assertEquals(Action.unsetVar(Scope.SESS, "x"), Action.unsetVar(Scope.SESS, "x"));
    assertTrue(a.toString().contains("sess.ip_score"), a.toString());
    assertTrue(Action.unsetVar(Scope.TXN, "x").toString().contains("txn.x"));
  }
}
