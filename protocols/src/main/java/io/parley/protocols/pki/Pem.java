package io.parley.protocols.pki;

import io.parley.protocols.ParleyException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * PEM in and out: certificates, and private keys as unencrypted PKCS#8 (what gRPC's TLS
 * credentials take). Errors name what was expected, never the key material.
 */
public final class Pem {
  private Pem() {}

  public static byte[] certificate(X509Certificate certificate) {
    return write(certificate);
  }

  public static byte[] privateKey(PrivateKey key) {
    try {
      return write(new JcaPKCS8Generator(key, null).generate());
    } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new ParleyException("cannot encode a private key as PKCS#8", e);
    }
  }

  /** The first certificate in {@code pem}. */
  public static X509Certificate readCertificate(byte[] pem) {
    List<X509Certificate> certificates = readCertificates(pem);
    if (certificates.isEmpty()) {
      throw new ParleyException("no PEM certificate found");
    }
    return certificates.get(0);
  }

  public static List<X509Certificate> readCertificates(byte[] pem) {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = parser(pem)) {
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        if (item instanceof X509CertificateHolder holder) {
          certificates.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | CertificateException e) {
      throw new ParleyException("not a readable PEM certificate: " + e.getClass().getSimpleName());
    }
    return certificates;
  }

  /** A PKCS#8 ({@code PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}) private key. */
  public static PrivateKey readPrivateKey(byte[] pem) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = parser(pem)) {
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        if (item instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (item instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
      }
    } catch (IOException e) {
      // The parser's message may quote the input; say only what kind of failure it was.
      throw new ParleyException("not a readable PEM private key: " + e.getClass().getSimpleName());
    }
    throw new ParleyException("no PEM private key found (expected PKCS#8 'PRIVATE KEY')");
  }

  private static PEMParser parser(byte[] pem) {
    return new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)));
  }

  private static byte[] write(Object object) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
