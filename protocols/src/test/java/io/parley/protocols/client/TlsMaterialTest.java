package io.parley.protocols.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.parley.protocols.ParleyException;
import io.parley.protocols.coordinator.CoordinatorFixture;
import io.parley.protocols.pki.Credentials;
import io.parley.protocols.pki.FederationCa;
import io.parley.protocols.pki.Pem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsMaterialTest {
  private static final FederationCa CA = FederationCa.create("parley-test", CoordinatorFixture.seeded(21));
  private static final Credentials ALPHA = CA.issueParty("alpha", CoordinatorFixture.seeded(22));

  private static TlsMaterial alpha() {
    return TlsMaterial.fromPem(
        Pem.certificate(ALPHA.certificate()), Pem.privateKey(ALPHA.privateKey()), Pem.certificate(CA.certificate()));
  }

  @Test
  void namesThePartyAndFederationFromTheCertificate() throws Exception {
    TlsMaterial material = alpha();
    assertEquals("alpha", material.partyName());
    assertEquals("parley-test", material.federationName());
    assertArrayEquals(ALPHA.certificate().getEncoded(), material.certificateDer());
    assertEquals(ALPHA.privateKey(), material.privateKey());
    assertEquals(CA.certificate(), material.ca());
  }

  @Test
  void toStringShowsNoKey() {
    String text = alpha().toString();
    assertEquals("TlsMaterial{party=alpha, federation=parley-test}", text);
    assertFalse(text.contains(Base64.getEncoder().encodeToString(ALPHA.privateKey().getEncoded()).substring(0, 16)));
  }

  @Test
  void survivesJavaSerializationToTheExecutorsAndIsACacheKey() throws Exception {
    TlsMaterial material = alpha();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(material);
    }
    TlsMaterial copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (TlsMaterial) in.readObject();
    }
    assertEquals(material, copy);
    assertEquals(material.hashCode(), copy.hashCode());
    assertEquals("alpha", copy.partyName());
    Credentials beta = CA.issueParty("beta", CoordinatorFixture.seeded(23));
    assertNotEquals(material, TlsMaterial.fromPem(Pem.certificate(beta.certificate()), Pem.privateKey(beta.privateKey()),
        Pem.certificate(CA.certificate())));
  }

  @Test
  void refusesACertificateOfAnotherCaOrRole() {
    FederationCa other = FederationCa.create("parley-test", CoordinatorFixture.seeded(24));
    ParleyException foreign = assertThrows(ParleyException.class, () -> TlsMaterial.fromPem(
        Pem.certificate(ALPHA.certificate()), Pem.privateKey(ALPHA.privateKey()), Pem.certificate(other.certificate())));
    assertTrue(foreign.getMessage().contains("was not issued by the CA"), foreign.getMessage());
    Credentials coordinator = CA.issueCoordinator(List.of("localhost"), CoordinatorFixture.seeded(25));
    assertThrows(ParleyException.class, () -> TlsMaterial.fromPem(Pem.certificate(coordinator.certificate()),
        Pem.privateKey(coordinator.privateKey()), Pem.certificate(CA.certificate())));
  }
}
