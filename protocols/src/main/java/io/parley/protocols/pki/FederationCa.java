package io.parley.protocols.pki;

import io.parley.protocols.ParleyException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A federation's certificate authority: it issues each party a certificate whose subject is
 * {@code CN=<party>, OU=party, O=<federation>} and the coordinator one with {@code OU=coordinator}
 * and its host names. Keys are ECDSA P-256. {@code parley init} uses it for development
 * federations; in production an organisation's own CA issues the same subjects.
 */
public final class FederationCa {
  public static final String PARTY_UNIT = "party";
  public static final String COORDINATOR_UNIT = "coordinator";
  public static final String COORDINATOR_NAME = "coordinator";
  private static final Duration VALIDITY = Duration.ofDays(2 * 365);
  private static final Duration CLOCK_SKEW = Duration.ofHours(1);

  private final String federationName;
  private final Credentials credentials;

  private FederationCa(String federationName, Credentials credentials) {
    this.federationName = federationName;
    this.credentials = credentials;
  }

  /** A new CA for {@code federationName}, its key drawn from {@code random}. */
  public static FederationCa create(String federationName, SecureRandom random) {
    Objects.requireNonNull(federationName, "federationName");
    KeyPair keys = newKeyPair(random);
    X500Name subject = subject("Parley CA " + federationName, "ca", federationName);
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject, serial(random), Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(VALIDITY)), subject, keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate certificate = sign(builder, keys.getPrivate(), random);
      return new FederationCa(federationName, new Credentials(certificate, keys.getPrivate()));
    } catch (GeneralSecurityException | CertIOException e) {
      throw new ParleyException("cannot create the federation CA: " + e.getMessage(), e);
    }
  }

  /** The CA of an existing federation, from its certificate and key. */
  public static FederationCa of(String federationName, Credentials credentials) {
    return new FederationCa(federationName, credentials);
  }

  public String federationName() {
    return federationName;
  }

  public X509Certificate certificate() {
    return credentials.certificate();
  }

  public PrivateKey privateKey() {
    return credentials.privateKey();
  }

  /** A party's certificate and key: {@code CN=<party>, OU=party}, for TLS clients. */
  public Credentials issueParty(String party, SecureRandom random) {
    PartyNames.check(party);
    return issue(party, PARTY_UNIT, List.of(), KeyPurposeId.id_kp_clientAuth, random);
  }

  /** The coordinator's certificate and key, valid for {@code hosts} (names or IP addresses). */
  public Credentials issueCoordinator(List<String> hosts, SecureRandom random) {
    if (hosts.isEmpty()) {
      throw new ParleyException("the coordinator's certificate needs at least one host name or address");
    }
    return issue(COORDINATOR_NAME, COORDINATOR_UNIT, hosts, KeyPurposeId.id_kp_serverAuth, random);
  }

  private Credentials issue(String name, String unit, List<String> hosts, KeyPurposeId purpose, SecureRandom random) {
    KeyPair keys = newKeyPair(random);
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  certificate(), serial(random), Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(VALIDITY)),
                  subject(name, unit, federationName), keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
              .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate()))
              .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
      if (!hosts.isEmpty()) {
        GeneralName[] names = hosts.stream().map(FederationCa::generalName).toArray(GeneralName[]::new);
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      return new Credentials(sign(builder, privateKey(), random), keys.getPrivate());
    } catch (GeneralSecurityException | CertIOException e) {
      throw new ParleyException("cannot issue a certificate for " + name + ": " + e.getMessage(), e);
    }
  }

  private static GeneralName generalName(String host) {
    boolean address = host.matches("[0-9.]+") || host.contains(":");
    return new GeneralName(address ? GeneralName.iPAddress : GeneralName.dNSName, host);
  }

  static X500Name subject(String commonName, String unit, String federationName) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, federationName)
        .addRDN(BCStyle.OU, unit)
        .addRDN(BCStyle.CN, commonName)
        .build();
  }

  private static KeyPair newKeyPair(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new ParleyException("ECDSA P-256 is not available in this JVM", e);
    }
  }

  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(127, random).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey, SecureRandom random)
      throws GeneralSecurityException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").setSecureRandom(random).build(issuerKey);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }
}
