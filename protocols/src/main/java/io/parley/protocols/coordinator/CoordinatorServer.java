package io.parley.protocols.coordinator;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.parley.protocols.ParleyException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator: a gRPC server on Netty, mutual TLS against the federation CA (client
 * certificates required), serving the {@code Coordinator} service to the parties of one
 * federation. A scheduled task checks session deadlines every 100 ms.
 */
public final class CoordinatorServer implements AutoCloseable {
  /**
   * gRPC's cap on one inbound message. Relay envelopes (at most 4 MiB), vector chunks (1 MiB) and
   * PsiSum slices (at most 16 MiB) stay well under it, so a masked vector or a PSI sum's message is
   * bounded by the session's own limits, not by this cap.
   */
  public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
  /**
   * The most a PSI session's PsiSum messages may hold, both parties' together as declared, until the
   * sum is computed: 8 bytes per masked payload word and one bit per sender element for each party's
   * bookkeeping. A private join's sum sends 32 bytes per distinct sender identifier, so about 30
   * million distinct sender identifiers fit (the connector refuses above 29.8 million before it
   * matches). All sessions together hold at most twice this.
   */
  public static final long PSI_SUM_BUDGET_BYTES = 1024L * 1024 * 1024;
  private static final long DEADLINE_TICK_MILLIS = 100;
  private static final long SHUTDOWN_GRACE_SECONDS = 5;
  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorServer.class);

  private final Server server;
  private final CoordinatorService service;
  private final ScheduledExecutorService ticker;
  private final String host;
  private boolean closed;

  private CoordinatorServer(Server server, CoordinatorService service, ScheduledExecutorService ticker, String host) {
    this.server = server;
    this.service = service;
    this.ticker = ticker;
    this.host = host;
  }

  public static CoordinatorServer start(CoordinatorConfig config) {
    return start(config, TranscriptSink.NONE);
  }

  public static CoordinatorServer start(CoordinatorConfig config, TranscriptSink transcript) {
    return start(config, transcript, Clock.system());
  }

  public static CoordinatorServer start(CoordinatorConfig config, TranscriptSink transcript, Clock clock) {
    return start(config, transcript, clock, io.parley.protocols.crypto.Drbg.strong());
  }

  /** As {@link #start(CoordinatorConfig, TranscriptSink, Clock)}, with session ids drawn from {@code random}. */
  public static CoordinatorServer start(
      CoordinatorConfig config, TranscriptSink transcript, Clock clock, SecureRandom random) {
    return start(config, transcript, clock, random, Session.MAX_PSI_SUM_BYTES);
  }

  /** As above, each PSI session holding at most {@code psiSumBudgetBytes} of PsiSum messages (tests). */
  static CoordinatorServer start(
      CoordinatorConfig config, TranscriptSink transcript, Clock clock, SecureRandom random, long psiSumBudgetBytes) {
    TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder()
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    try {
      tls.keyManager(new ByteArrayInputStream(config.certificatePem()), new ByteArrayInputStream(config.privateKeyPem()));
      tls.trustManager(new ByteArrayInputStream(config.caPem()));
    } catch (IOException | IllegalArgumentException e) {
      throw new ParleyException("cannot use the coordinator's TLS certificate, key or CA: " + e.getMessage(), e);
    }
    CoordinatorService service =
        new CoordinatorService(config.federation(), clock, config.maxTimeout(), random, psiSumBudgetBytes);
    PartyAuthenticator authenticator = new PartyAuthenticator(config.federation(), config.ca(), transcript);
    Server server = NettyServerBuilder
        .forAddress(new InetSocketAddress(config.host(), config.port()), tls.build())
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .addService(ServerInterceptors.intercept(service, authenticator))
        .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new ParleyException("the coordinator cannot listen on " + config.host() + ":" + config.port() + ": "
          + e.getMessage(), e);
    }
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "parley-coordinator-deadlines");
      thread.setDaemon(true);
      return thread;
    });
    ticker.scheduleWithFixedDelay(() -> {
      try {
        service.checkDeadlines();
      } catch (RuntimeException e) {
        LOG.warn("deadline check failed", e);
      }
    }, DEADLINE_TICK_MILLIS, DEADLINE_TICK_MILLIS, TimeUnit.MILLISECONDS);
    CoordinatorServer started = new CoordinatorServer(server, service, ticker, config.host());
    LOG.info("coordinator of federation {} listening on {}", config.federation().name(), started.address());
    return started;
  }

  /** {@code host:port} with the port actually bound. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  public int port() {
    return server.getPort();
  }

  /** Runs the deadline check now (tests with a manual clock). */
  void checkDeadlines() {
    service.checkDeadlines();
  }

  CoordinatorService service() {
    return service;
  }

  /**
   * Stops accepting calls, fails waiting calls and subscriptions with UNAVAILABLE "coordinator
   * shutting down", and waits at most a few seconds for calls in flight. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    ticker.shutdownNow();
    service.shutDown();
    server.shutdown();
    try {
      if (!server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    LOG.info("coordinator stopped");
  }

  /** Waits until the server has stopped (after {@link #close()} from another thread). */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }
}
