package io.parley.protocols.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/** A certificate and its private key. Prints only the certificate's subject. */
public final class Credentials {
  private final X509Certificate certificate;
  private final PrivateKey privateKey;

  public Credentials(X509Certificate certificate, PrivateKey privateKey) {
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  @Override
  public String toString() {
    return "Credentials[" + certificate.getSubjectX500Principal().getName() + ", key redacted]";
  }
}
