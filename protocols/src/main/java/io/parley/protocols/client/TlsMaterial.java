package io.parley.protocols.client;

import io.parley.protocols.ParleyException;
import io.parley.protocols.pki.CertificateChecker;
import io.parley.protocols.pki.Pem;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A party's TLS identity: its certificate, its private key (PKCS#8) and the federation CA, as PEM
 * bytes. Serializable so the driver can hand it to the party's own executors; equal material is
 * equal (a cache key for one channel per JVM). {@link #toString()} never shows the key.
 */
public final class TlsMaterial implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] certificatePem;
  private final byte[] privateKeyPem;
  private final byte[] caPem;
  private transient Parsed parsed;

  private record Parsed(X509Certificate certificate, PrivateKey privateKey, X509Certificate ca, String federation,
      String party) {}

  private TlsMaterial(byte[] certificatePem, byte[] privateKeyPem, byte[] caPem) {
    this.certificatePem = certificatePem.clone();
    this.privateKeyPem = privateKeyPem.clone();
    this.caPem = caPem.clone();
    this.parsed = parse();
  }

  /** Checks that the certificate is a party certificate issued by the CA, and keeps the three PEMs. */
  public static TlsMaterial fromPem(byte[] certificatePem, byte[] privateKeyPem, byte[] caPem) {
    return new TlsMaterial(certificatePem, privateKeyPem, caPem);
  }

  private Parsed parse() {
    X509Certificate certificate = Pem.readCertificate(certificatePem);
    PrivateKey key = Pem.readPrivateKey(privateKeyPem);
    X509Certificate ca = Pem.readCertificate(caPem);
    String federation = organisation(certificate);
    String party = new CertificateChecker(ca, federation).partyOf(certificate);
    return new Parsed(certificate, key, ca, federation, party);
  }

  private Parsed parsed() {
    Parsed current = parsed;
    if (current == null) {
      current = parse();
      parsed = current;
    }
    return current;
  }

  static String organisation(X509Certificate certificate) {
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("O")) {
          return rdn.getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      throw new ParleyException("certificate subject " + certificate.getSubjectX500Principal() + " is not a valid name");
    }
    throw new ParleyException("certificate " + certificate.getSubjectX500Principal() + " names no federation (O=)");
  }

  public X509Certificate certificate() {
    return parsed().certificate();
  }

  public byte[] certificateDer() {
    try {
      return certificate().getEncoded();
    } catch (CertificateEncodingException e) {
      throw new ParleyException("cannot encode the certificate of party " + partyName(), e);
    }
  }

  public PrivateKey privateKey() {
    return parsed().privateKey();
  }

  public X509Certificate ca() {
    return parsed().ca();
  }

  /** The federation named by the certificate ({@code O=}). */
  public String federationName() {
    return parsed().federation();
  }

  /** This party's name: the CN of its certificate. */
  public String partyName() {
    return parsed().party();
  }

  byte[] certificatePem() {
    return certificatePem.clone();
  }

  byte[] privateKeyPem() {
    return privateKeyPem.clone();
  }

  byte[] caPem() {
    return caPem.clone();
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (certificatePem == null || privateKeyPem == null || caPem == null) {
      throw new InvalidObjectException("TLS material without its certificate, key or CA");
    }
    try {
      parsed = parse();
    } catch (ParleyException e) {
      throw new InvalidObjectException(e.getMessage());
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TlsMaterial that
        && Arrays.equals(certificatePem, that.certificatePem)
        && Arrays.equals(privateKeyPem, that.privateKeyPem)
        && Arrays.equals(caPem, that.caPem);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(certificatePem) + Arrays.hashCode(privateKeyPem)) + Arrays.hashCode(caPem);
  }

  @Override
  public String toString() {
    return "TlsMaterial{party=" + partyName() + ", federation=" + federationName() + "}";
  }
}
