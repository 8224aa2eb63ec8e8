package io.parley.protocols.pki;

import io.parley.protocols.ParleyException;
import java.util.regex.Pattern;

/** The one rule for party names: they are certificate CNs, file names and map keys at once. */
public final class PartyNames {
  public static final Pattern PATTERN = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

  private PartyNames() {}

  public static boolean isValid(String name) {
    return name != null && PATTERN.matcher(name).matches();
  }

  /** Returns {@code name}, or throws naming it if it does not match {@link #PATTERN}. */
  public static String check(String name) {
    if (!isValid(name)) {
      throw new ParleyException("party name '" + name + "' must match " + PATTERN.pattern());
    }
    return name;
  }
}
