package io.parley.protocols.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateCheckerTest {
  private static SecureRandom seeded(long seed) throws Exception {
    SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
    random.setSeed(seed);
    return random;
  }

  @Test
  void partyNameComesFromTheCertificate() throws Exception {
    SecureRandom random = seeded(1);
    FederationCa ca = FederationCa.create("fed-a", random);
    Credentials alpha = ca.issueParty("alpha", random);
    CertificateChecker checker = new CertificateChecker(ca.certificate(), "fed-a");
    assertEquals("alpha", checker.partyOf(alpha.certificate()));
    assertEquals("alpha", checker.partyOf(checker.parse(alpha.certificate().getEncoded())));
    checker.checkCoordinator(ca.issueCoordinator(List.of("127.0.0.1", "localhost"), random).certificate());
  }

  @Test
  void refusesOtherCasOtherFederationsAndTheWrongRole() throws Exception {
    SecureRandom random = seeded(2);
    FederationCa ca = FederationCa.create("fed-a", random);
    FederationCa other = FederationCa.create("fed-a", random);
    CertificateChecker checker = new CertificateChecker(ca.certificate(), "fed-a");
    ParleyException foreign =
        assertThrows(ParleyException.class, () -> checker.partyOf(other.issueParty("alpha", random).certificate()));
    assertTrue(foreign.getMessage().contains("was not issued by the CA of federation fed-a"), foreign.getMessage());

    Credentials coordinator = ca.issueCoordinator(List.of("localhost"), random);
    ParleyException role = assertThrows(ParleyException.class, () -> checker.partyOf(coordinator.certificate()));
    assertTrue(role.getMessage().contains("is a coordinator certificate, not a party certificate"), role.getMessage());
    assertThrows(ParleyException.class, () -> checker.checkCoordinator(ca.issueParty("beta", random).certificate()));

    CertificateChecker otherFederation = new CertificateChecker(ca.certificate(), "fed-b");
    ParleyException federation =
        assertThrows(ParleyException.class, () -> otherFederation.partyOf(ca.issueParty("alpha", random).certificate()));
    assertTrue(federation.getMessage().contains("belongs to federation fed-a, not fed-b"), federation.getMessage());
    assertThrows(ParleyException.class, () -> checker.parse(new byte[] {1, 2, 3}));
  }

  @Test
  void pemRoundTripsAndKeysMatchCertificates() throws Exception {
    SecureRandom random = seeded(3);
    FederationCa ca = FederationCa.create("fed-a", random);
    Credentials beta = ca.issueParty("beta", random);
    X509Certificate certificate = Pem.readCertificate(Pem.certificate(beta.certificate()));
    assertArrayEquals(beta.certificate().getEncoded(), certificate.getEncoded());
    byte[] keyPem = Pem.privateKey(beta.privateKey());
    assertTrue(new String(keyPem, java.nio.charset.StandardCharsets.US_ASCII).startsWith("-----BEGIN PRIVATE KEY-----"));
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(Pem.readPrivateKey(keyPem));
    signer.update(new byte[] {42});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(new byte[] {42});
    assertTrue(verifier.verify(signature));
    assertFalse(beta.toString().contains("BEGIN"), beta.toString());
    ParleyException notAKey = assertThrows(ParleyException.class, () -> Pem.readPrivateKey(Pem.certificate(certificate)));
    assertTrue(notAKey.getMessage().startsWith("no PEM private key found"), notAKey.getMessage());
  }

  @Test
  void partyNamesAreChecked() throws Exception {
    FederationCa ca = FederationCa.create("fed-a", seeded(4));
    assertThrows(ParleyException.class, () -> ca.issueParty("Alpha", seeded(5)));
    assertThrows(ParleyException.class, () -> PartyNames.check("a b"));
    assertEquals("a-b_1", PartyNames.check("a-b_1"));
  }
}
