package io.parley.protocols.coordinator;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.parley.protocols.client.CoordinatorClient;
import io.parley.protocols.client.PsiSumSliceClients;
import io.parley.protocols.client.TlsMaterial;
import io.parley.protocols.federation.FederationDefinition;
import io.parley.protocols.pki.Credentials;
import io.parley.protocols.pki.FederationCa;
import io.parley.protocols.pki.Pem;
import io.parley.protocols.wire.CoordinatorGrpc;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A coordinator on a loopback port chosen at run time for federation {@code parley-test}
 * (alpha, beta, gamma; table {@code sales}), with a manual clock, a recording transcript, and
 * TLS material for each party from a seeded CA.
 */
public final class CoordinatorFixture implements AutoCloseable {
  public static final String FEDERATION = "parley-test";
  public static final List<String> PARTIES = List.of("alpha", "beta", "gamma");
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);
  public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  /** A clock the test moves by hand. */
  public static final class ManualClock implements Clock {
    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);

    @Override
    public long millis() {
      return now.get();
    }

    public void advance(Duration duration) {
      now.addAndGet(duration.toMillis());
    }
  }

  /** One received message. */
  public record Record(String party, String rpc, byte[] message) {}

  public final SecureRandom random;
  public final FederationCa ca;
  public final FederationDefinition federation;
  public final Credentials coordinatorCredentials;
  public final ManualClock clock = new ManualClock();
  public final List<Record> transcript = new CopyOnWriteArrayList<>();
  public final CoordinatorServer server;
  private final Map<String, TlsMaterial> material = new HashMap<>();
  private final List<AutoCloseable> opened = new ArrayList<>();

  private CoordinatorFixture(long seed, boolean recordTranscript) {
    this(seed, recordTranscript, PARTIES, Session.MAX_PSI_SUM_BYTES);
  }

  private CoordinatorFixture(long seed, boolean recordTranscript, List<String> parties, long psiSumBudgetBytes) {
    random = seeded(seed);
    ca = FederationCa.create(FEDERATION, random);
    federation = FederationDefinition.of(FEDERATION, parties, Map.of("sales", "region STRING, amount BIGINT"));
    coordinatorCredentials = ca.issueCoordinator(List.of("127.0.0.1", "localhost"), random);
    CoordinatorConfig config = CoordinatorConfig.of(
        federation,
        Pem.certificate(coordinatorCredentials.certificate()),
        Pem.privateKey(coordinatorCredentials.privateKey()),
        Pem.certificate(ca.certificate()),
        "127.0.0.1",
        0,
        MAX_TIMEOUT);
    server = CoordinatorServer.start(
        config,
        recordTranscript ? (party, rpc, message) -> transcript.add(new Record(party, rpc, message)) : TranscriptSink.NONE,
        clock,
        seeded(seed + 1),
        psiSumBudgetBytes);
  }

  public static CoordinatorFixture start(long seed) {
    return new CoordinatorFixture(seed, true);
  }

  /** As {@link #start}, for a federation of {@code parties} (for example more than three). */
  public static CoordinatorFixture start(long seed, List<String> parties) {
    return new CoordinatorFixture(seed, true, parties, Session.MAX_PSI_SUM_BYTES);
  }

  /** As {@link #start}, each PSI session holding at most {@code psiSumBudgetBytes} of PsiSum messages. */
  public static CoordinatorFixture startWithPsiSumBudget(long seed, long psiSumBudgetBytes) {
    return new CoordinatorFixture(seed, true, PARTIES, psiSumBudgetBytes);
  }

  /** As {@link #start}, keeping no transcript: for benchmarks that relay gigabytes. */
  public static CoordinatorFixture startWithoutTranscript(long seed) {
    return new CoordinatorFixture(seed, false);
  }

  public static SecureRandom seeded(long seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed);
      return random;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  public synchronized TlsMaterial tls(String party) {
    return material.computeIfAbsent(party, p -> material(ca.issueParty(p, random), ca));
  }

  public static TlsMaterial material(Credentials credentials, FederationCa issuer) {
    return TlsMaterial.fromPem(
        Pem.certificate(credentials.certificate()), Pem.privateKey(credentials.privateKey()),
        Pem.certificate(issuer.certificate()));
  }

  /** A new client (its own channel, like one executor JVM) for {@code party}; closed with the fixture. */
  public synchronized CoordinatorClient client(String party) {
    return client(tls(party));
  }

  /** As {@link #client(String)}, cutting PsiSum messages into slices of at most {@code sliceBytes}. */
  public synchronized CoordinatorClient client(String party, int sliceBytes) {
    CoordinatorClient client =
        PsiSumSliceClients.connect(server.address(), tls(party), CALL_TIMEOUT, sliceBytes);
    opened.add(client);
    return client;
  }

  public synchronized CoordinatorClient client(TlsMaterial tls) {
    CoordinatorClient client = CoordinatorClient.connect(server.address(), tls, CALL_TIMEOUT);
    opened.add(client);
    return client;
  }

  /** A raw blocking stub with any certificate, for what the client API cannot express. */
  public synchronized CoordinatorGrpc.CoordinatorBlockingStub rawStub(Credentials credentials) {
    try {
      TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder()
          .keyManager(new ByteArrayInputStream(Pem.certificate(credentials.certificate())),
              new ByteArrayInputStream(Pem.privateKey(credentials.privateKey())))
          .trustManager(new ByteArrayInputStream(Pem.certificate(ca.certificate())));
      ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), tls.build()).build();
      opened.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
      return CoordinatorGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A raw asynchronous stub as {@code party}, for streams the client API would never send. */
  public synchronized CoordinatorGrpc.CoordinatorStub rawAsyncStub(String party) {
    TlsMaterial material = tls(party);
    try {
      TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder()
          .keyManager(new ByteArrayInputStream(Pem.certificate(material.certificate())),
              new ByteArrayInputStream(Pem.privateKey(material.privateKey())))
          .trustManager(new ByteArrayInputStream(Pem.certificate(ca.certificate())));
      ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), tls.build()).build();
      opened.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
      return CoordinatorGrpc.newStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A certificate of this CA with any subject unit and common name, usable as a TLS client. */
  public Credentials issueClient(String commonName, String unit) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair keys = generator.generateKeyPair();
      Instant now = Instant.now();
      var subject = new X500NameBuilder(BCStyle.INSTANCE)
          .addRDN(BCStyle.O, FEDERATION).addRDN(BCStyle.OU, unit).addRDN(BCStyle.CN, commonName).build();
      var builder = new JcaX509v3CertificateBuilder(ca.certificate(), BigInteger.valueOf(random.nextInt(1 << 30)),
          Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400)), subject, keys.getPublic())
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.privateKey())));
      return new Credentials(certificate, keys.getPrivate());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Runs the deadline check as the production ticker would. */
  public void checkDeadlines() {
    server.checkDeadlines();
  }

  /** Waits (bounded) until session {@code id} has {@code count} parked calls. */
  public void awaitWaitingCalls(String id, int count) throws InterruptedException {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (server.service().sessions().waitingCalls(id) < count) {
      if (System.nanoTime() > giveUp) {
        throw new AssertionError("session " + id + " never had " + count + " waiting calls");
      }
      Thread.sleep(5);
    }
  }

  /** Waits (bounded) until session {@code id} holds {@code bytes} of PsiSum messages. */
  public void awaitPsiSumBytes(String id, long bytes) throws InterruptedException {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (server.service().sessions().psiSumBytes(id) != bytes) {
      if (System.nanoTime() > giveUp) {
        throw new AssertionError("session " + id + " never held " + bytes + " bytes of PsiSum messages, but "
            + server.service().sessions().psiSumBytes(id));
      }
      Thread.sleep(5);
    }
  }

  public List<Record> transcriptOf(String party, String rpc) {
    return transcript.stream().filter(r -> r.party().equals(party) && r.rpc().equals(rpc)).toList();
  }

  @Override
  public void close() {
    for (AutoCloseable closeable : opened) {
      try {
        closeable.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    server.close();
  }
}
