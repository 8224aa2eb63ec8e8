package io.parley.protocols.psi;

import io.parley.protocols.ParleyException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a join identifier into the bytes that are hashed to the curve, so that text forms the
 * federation definition declares equal ({@code " Alice@Example.org"} and {@code
 * "alice@example.org"}) meet in the intersection. Immutable and thread-safe.
 *
 * <p>Steps, in this order, each only if declared: <b>trim</b> removes leading and trailing Unicode
 * white space and space separators ({@link Character#isWhitespace} or {@link
 * Character#isSpaceChar}: tabs, line breaks, U+2003 and also the no-break spaces U+00A0, U+2007 and
 * U+202F that spreadsheets leave behind, which {@link String#strip()} would keep); <b>lowercase</b>
 * folds case with {@code toLowerCase(Locale.ROOT)} (locale-independent, so a Turkish JVM locale
 * changes nothing); <b>nfc</b> composes to Unicode Normalization Form C, so {@code "é"} typed as
 * one code point or as {@code e + U+0301} is the same identifier (applied last, because case
 * folding can produce decomposed sequences).
 *
 * <p>Canonical bytes: the UTF-8 encoding of the normalized string, nothing else (the identifier
 * type and the join are bound by the hashing domain, {@link PsiDomain}). Integral identifiers are
 * their decimal text ({@code Long.toString}), so a BIGINT 42 at one party and a STRING "42" at the
 * other meet. A null identifier has no canonical form: like SQL, it never joins.
 *
 * <p>Declared in the federation definition as a comma list of {@code trim}, {@code lowercase},
 * {@code nfc}, or {@code none} (see {@link #parse}).
 */
public final class IdentifierNormalizer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final boolean trim;
  private final boolean lowercase;
  private final boolean nfc;

  private IdentifierNormalizer(boolean trim, boolean lowercase, boolean nfc) {
    this.trim = trim;
    this.lowercase = lowercase;
    this.nfc = nfc;
  }

  /** Bytes as given: UTF-8 of the string unchanged. */
  public static IdentifierNormalizer none() {
    return new IdentifierNormalizer(false, false, false);
  }

  /** trim, lowercase and nfc: the usual choice for e-mail addresses and customer codes. */
  public static IdentifierNormalizer all() {
    return new IdentifierNormalizer(true, true, true);
  }

  public static IdentifierNormalizer of(boolean trim, boolean lowercase, boolean nfc) {
    return new IdentifierNormalizer(trim, lowercase, nfc);
  }

  /**
   * Reads the federation definition's declaration: a comma list of {@code trim}, {@code lowercase},
   * {@code nfc} (any order, case-insensitive), or {@code none}.
   *
   * @param setting names the federation definition key, for the error message
   */
  public static IdentifierNormalizer parse(String spec, String setting) {
    boolean trim = false;
    boolean lowercase = false;
    boolean nfc = false;
    for (String raw : spec.split(",", -1)) {
      String option = raw.strip().toLowerCase(Locale.ROOT);
      switch (option) {
        case "trim" -> trim = true;
        case "lowercase" -> lowercase = true;
        case "nfc" -> nfc = true;
        case "none" -> {}
        default ->
            throw new ParleyException(
                setting
                    + " = '"
                    + spec
                    + "': unknown identifier normalization '"
                    + raw.strip()
                    + "'; use a comma list of trim, lowercase, nfc, or none");
      }
    }
    return new IdentifierNormalizer(trim, lowercase, nfc);
  }

  /** The declaration in canonical order, e.g. {@code "trim,lowercase,nfc"} or {@code "none"}. */
  public String spec() {
    List<String> options = new ArrayList<>();
    if (trim) {
      options.add("trim");
    }
    if (lowercase) {
      options.add("lowercase");
    }
    if (nfc) {
      options.add("nfc");
    }
    return options.isEmpty() ? "none" : String.join(",", options);
  }

  /** The normalized text, or null for null. */
  public String normalize(String identifier) {
    if (identifier == null) {
      return null;
    }
    String text = identifier;
    if (trim) {
      text = trimSpaces(text);
    }
    if (lowercase) {
      text = text.toLowerCase(Locale.ROOT);
    }
    if (nfc) {
      text = Normalizer.normalize(text, Normalizer.Form.NFC);
    }
    return text;
  }

  private static String trimSpaces(String text) {
    int start = 0;
    int end = text.length();
    while (start < end && isSpace(text.codePointAt(start))) {
      start += Character.charCount(text.codePointAt(start));
    }
    while (end > start && isSpace(text.codePointBefore(end))) {
      end -= Character.charCount(text.codePointBefore(end));
    }
    return text.substring(start, end);
  }

  private static boolean isSpace(int codePoint) {
    return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
  }

  /** UTF-8 of {@link #normalize}, or null for a null identifier. */
  public byte[] canonicalBytes(String identifier) {
    String text = normalize(identifier);
    return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
  }

  /** An integral identifier: its decimal text, normalized like any other string. */
  public byte[] canonicalBytes(long identifier) {
    return canonicalBytes(Long.toString(identifier));
  }

  /** Every identifier's canonical bytes, nulls kept as nulls; batch in, batch out. */
  public byte[][] canonicalBytesAll(String[] identifiers) {
    byte[][] out = new byte[identifiers.length][];
    for (int i = 0; i < identifiers.length; i++) {
      out[i] = canonicalBytes(identifiers[i]);
    }
    return out;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof IdentifierNormalizer
        && spec().equals(((IdentifierNormalizer) other).spec());
  }

  @Override
  public int hashCode() {
    return spec().hashCode();
  }

  @Override
  public String toString() {
    return "IdentifierNormalizer[" + spec() + "]";
  }
}
