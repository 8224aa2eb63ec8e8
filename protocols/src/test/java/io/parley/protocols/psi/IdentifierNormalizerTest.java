package io.parley.protocols.psi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class IdentifierNormalizerTest {
  @Test
  void allOptionsMeetEquivalentForms() {
    IdentifierNormalizer normalizer = IdentifierNormalizer.all();
    byte[] expected = "alice@example.org".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(expected, normalizer.canonicalBytes("alice@example.org"));
    assertArrayEquals(expected, normalizer.canonicalBytes("  Alice@Example.ORG\t"));
    // U+2003 EM SPACE (String.trim() keeps it) and U+00A0 NO-BREAK SPACE (String.strip() keeps it)
    assertArrayEquals(expected, normalizer.canonicalBytes("\u2003alice@example.org\u00a0"));
    assertEquals("a b", normalizer.normalize("\u202f a b \n"));
    // é composed and decomposed
    assertArrayEquals(
        normalizer.canonicalBytes("Ren\u00e9"), normalizer.canonicalBytes("RENE\u0301"));
    assertEquals("ren\u00e9", normalizer.normalize("RENE\u0301"));
  }

  @Test
  void caseFoldingIgnoresTheJvmLocale() {
    Locale previous = Locale.getDefault();
    try {
      Locale.setDefault(Locale.forLanguageTag("tr-TR"));
      assertEquals("istanbul", IdentifierNormalizer.all().normalize("ISTANBUL"));
    } finally {
      Locale.setDefault(previous);
    }
  }

  @Test
  void noneKeepsTheBytes() {
    IdentifierNormalizer none = IdentifierNormalizer.none();
    assertFalse(Arrays.equals(none.canonicalBytes(" A"), none.canonicalBytes("a")));
    assertArrayEquals(" A".getBytes(StandardCharsets.UTF_8), none.canonicalBytes(" A"));
    assertNull(none.canonicalBytes((String) null));
    assertArrayEquals("42".getBytes(StandardCharsets.US_ASCII), none.canonicalBytes(42L));
    assertArrayEquals("-7".getBytes(StandardCharsets.US_ASCII), none.canonicalBytes(-7L));
  }

  @Test
  void specRoundTripsAndRejectsUnknownOptions() {
    assertEquals(
        "trim,lowercase,nfc", IdentifierNormalizer.parse("NFC, lowercase ,trim", "k").spec());
    assertEquals("none", IdentifierNormalizer.parse("none", "k").spec());
    assertEquals("trim", IdentifierNormalizer.parse("trim", "k").spec());
    assertEquals(IdentifierNormalizer.all(), IdentifierNormalizer.parse("trim,lowercase,nfc", "k"));
    ParleyException e =
        assertThrows(
            ParleyException.class,
            () -> IdentifierNormalizer.parse("trim,upper", "table.customers.key.normalize"));
    assertTrue(e.getMessage().contains("table.customers.key.normalize"), e.getMessage());
    assertTrue(e.getMessage().contains("upper"), e.getMessage());
  }
}
