package io.parley.protocols.pki;

import io.parley.protocols.ParleyException;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Turns a certificate into a party name, or refuses it: it must be signed by the federation CA,
 * valid now, and name a party ({@code OU=party}) of this federation ({@code O=<federation>}).
 * The name comes from the certificate's CN and from nowhere else.
 */
public final class CertificateChecker {
  private final X509Certificate ca;
  private final String federationName;

  public CertificateChecker(X509Certificate ca, String federationName) {
    this.ca = Objects.requireNonNull(ca, "ca");
    this.federationName = Objects.requireNonNull(federationName, "federationName");
  }

  public X509Certificate ca() {
    return ca;
  }

  public String federationName() {
    return federationName;
  }

  /** The party that {@code certificate} names. */
  public String partyOf(X509Certificate certificate) {
    return nameOf(certificate, FederationCa.PARTY_UNIT);
  }

  /** Checks that {@code certificate} is this federation's coordinator's. */
  public void checkCoordinator(X509Certificate certificate) {
    nameOf(certificate, FederationCa.COORDINATOR_UNIT);
  }

  private String nameOf(X509Certificate certificate, String unit) {
    String subject = certificate.getSubjectX500Principal().getName();
    try {
      certificate.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new ParleyException("certificate " + subject + " was not issued by the CA of federation " + federationName);
    }
    try {
      certificate.checkValidity();
    } catch (CertificateException e) {
      throw new ParleyException("certificate " + subject + " is not valid now (" + certificate.getNotBefore() + " to "
          + certificate.getNotAfter() + ")");
    }
    String organisation = attribute(certificate, "O");
    if (!federationName.equals(organisation)) {
      throw new ParleyException("certificate " + subject + " belongs to federation " + organisation + ", not " + federationName);
    }
    String actualUnit = attribute(certificate, "OU");
    if (!unit.equals(actualUnit)) {
      throw new ParleyException("certificate " + subject + " is a " + actualUnit + " certificate, not a " + unit + " certificate");
    }
    String name = attribute(certificate, "CN");
    if (unit.equals(FederationCa.PARTY_UNIT) && !PartyNames.isValid(name)) {
      throw new ParleyException("certificate " + subject + " does not name a valid party");
    }
    return name;
  }

  /** A DER certificate, as a peer sent it. */
  public X509Certificate parse(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | ClassCastException e) {
      throw new ParleyException("not a DER X.509 certificate");
    }
  }

  private static String attribute(X509Certificate certificate, String type) {
    String found = null;
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase(type)) {
          if (found != null) {
            throw new ParleyException("certificate " + certificate.getSubjectX500Principal().getName() + " has two " + type);
          }
          found = rdn.getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      throw new ParleyException("certificate subject is not a valid name");
    }
    return found;
  }
}
