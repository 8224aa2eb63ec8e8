package io.parley.protocols.coordinator;

import com.google.protobuf.MessageLite;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.parley.protocols.ParleyException;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.pki.CertificateChecker;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a call through only when the TLS peer certificate names a party of the federation, puts
 * that party and its certificate into the gRPC {@link Context}, and records every request message
 * on the {@link TranscriptSink}. The TLS layer already checked the chain to the federation CA;
 * this adds the subject checks (OU=party, O=federation, CN a member).
 */
final class PartyAuthenticator implements ServerInterceptor {
  static final Context.Key<String> PARTY = Context.key("parley-party");
  static final Context.Key<byte[]> CERTIFICATE = Context.key("parley-peer-certificate");
  static final String SUBSCRIBE = "Subscribe";

  private static final Logger LOG = LoggerFactory.getLogger(PartyAuthenticator.class);

  private final FederationDefinition federation;
  private final CertificateChecker checker;
  private final TranscriptSink transcript;

  PartyAuthenticator(FederationDefinition federation, X509Certificate ca, TranscriptSink transcript) {
    this.federation = federation;
    this.checker = new CertificateChecker(ca, federation.name());
    this.transcript = transcript;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String party;
    byte[] der;
    try {
      X509Certificate certificate = peerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
      party = checker.partyOf(certificate);
      if (!federation.hasParty(party)) {
        throw new ParleyException("party " + party + " is not a member of federation " + federation.name());
      }
      der = certificate.getEncoded();
    } catch (ParleyException | CertificateEncodingException e) {
      LOG.info("refused a call to {}: {}", call.getMethodDescriptor().getBareMethodName(), e.getMessage());
      call.close(Status.UNAUTHENTICATED.withDescription("the coordinator refuses this certificate: " + e.getMessage()),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    String rpc = call.getMethodDescriptor().getBareMethodName();
    HeadersOnce<Q, R> headersOnce = new HeadersOnce<>(call);
    Context context = Context.current().withValues(PARTY, party, CERTIFICATE, der);
    ServerCall.Listener<Q> listener = Contexts.interceptCall(context, headersOnce, headers, next);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        transcript.record(party, rpc, ((MessageLite) message).toByteArray());
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        super.onHalfClose();
        if (SUBSCRIBE.equals(rpc)) {
          // The subscription is registered once the handler returns: tell the client now, so it
          // knows invitations will reach it (headers are otherwise sent with the first message).
          headersOnce.sendHeadersNow();
        }
      }
    };
  }

  private static X509Certificate peerCertificate(SSLSession session) {
    if (session == null) {
      throw new ParleyException("the call did not come over TLS");
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
        throw new ParleyException("the client sent no X.509 certificate");
      }
      return certificate;
    } catch (SSLPeerUnverifiedException e) {
      throw new ParleyException("the client sent no certificate");
    }
  }

  /** A call whose response headers may be sent early, once; later attempts are ignored. */
  private static final class HeadersOnce<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private boolean headersSent;
    private boolean closed;

    HeadersOnce(ServerCall<Q, R> call) {
      super(call);
    }

    synchronized void sendHeadersNow() {
      if (!headersSent && !closed) {
        headersSent = true;
        super.sendHeaders(new Metadata());
      }
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!headersSent) {
        headersSent = true;
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      super.sendMessage(message);
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      closed = true;
      super.close(status, trailers);
    }
  }
}
