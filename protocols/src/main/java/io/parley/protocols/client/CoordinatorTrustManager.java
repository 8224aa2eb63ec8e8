package io.parley.protocols.client;

import io.parley.protocols.ParleyException;
import io.parley.protocols.pki.CertificateChecker;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts only the federation's coordinator: a chain to the federation CA (PKIX), a certificate
 * with {@code OU=coordinator, O=<federation>}, and a subject alternative name matching the host
 * the client dialled. The host check is done here as well as by gRPC's TLS layer, so it holds
 * whatever TLS engine runs underneath.
 */
final class CoordinatorTrustManager extends X509ExtendedTrustManager {
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  private final X509ExtendedTrustManager pkix;
  private final CertificateChecker checker;
  private final String host;

  CoordinatorTrustManager(X509Certificate ca, String federationName, String host) {
    this.checker = new CertificateChecker(ca, federationName);
    this.host = host;
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("federation-ca", ca);
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      X509ExtendedTrustManager found = null;
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager extended) {
          found = extended;
        }
      }
      if (found == null) {
        throw new ParleyException("the JDK offers no PKIX trust manager");
      }
      this.pkix = found;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new ParleyException("cannot build a trust manager for the federation CA: " + e.getMessage(), e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    pkix.checkServerTrusted(chain, authType, engine);
    checkCoordinator(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.checkServerTrusted(chain, authType, socket);
    checkCoordinator(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
    checkCoordinator(chain);
  }

  private void checkCoordinator(X509Certificate[] chain) throws CertificateException {
    try {
      checker.checkCoordinator(chain[0]);
    } catch (ParleyException e) {
      throw new CertificateException("not the federation's coordinator: " + e.getMessage());
    }
    if (!matchesHost(chain[0])) {
      throw new CertificateException("the coordinator's certificate is not valid for host " + host);
    }
  }

  private boolean matchesHost(X509Certificate certificate) throws CertificateParsingException {
    Collection<List<?>> names = certificate.getSubjectAlternativeNames();
    if (names == null) {
      return false;
    }
    InetAddress address = literalAddress(host);
    for (List<?> name : names) {
      int type = (Integer) name.get(0);
      String value = String.valueOf(name.get(1));
      if (address != null && type == SAN_IP && address.equals(literalAddress(value))) {
        return true;
      }
      if (address == null && type == SAN_DNS && value.toLowerCase(Locale.ROOT).equals(host.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  /** The address {@code text} spells as an IP literal, or null for a host name (no DNS lookup). */
  private static InetAddress literalAddress(String text) {
    boolean literal = text.matches("[0-9.]+") || text.contains(":");
    if (!literal) {
      return null;
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    throw new CertificateException("a party's client does not accept TLS clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("a party's client does not accept TLS clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a party's client does not accept TLS clients");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }
}
