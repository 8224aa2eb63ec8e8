package io.parley.protocols.psi;

/** Run in a forked JVM by {@link X25519ImplementationTest}: prints how libsodium resolved there. */
final class LibsodiumSourceProbe {
  private LibsodiumSourceProbe() {}

  public static void main(String[] args) {
    System.out.println(
        Libsodium.available() ? Libsodium.description() : "unavailable: " + Libsodium.failure());
  }
}
