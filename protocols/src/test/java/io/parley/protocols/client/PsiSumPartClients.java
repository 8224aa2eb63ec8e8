package io.parley.protocols.client;

import java.time.Duration;

/** Opens clients that cut PsiSum messages into small parts, so tests send many parts without gigabytes. */
public final class PsiSumPartClients {
  private PsiSumPartClients() {}

  public static CoordinatorClient connect(String hostPort, TlsMaterial tls, Duration callTimeout, int psiSumPartBytes) {
    return CoordinatorClient.connect(hostPort, tls, callTimeout, psiSumPartBytes);
  }
}
