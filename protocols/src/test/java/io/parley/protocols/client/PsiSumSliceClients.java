package io.parley.protocols.client;

import java.time.Duration;

/** Opens clients that cut PsiSum messages into small slices, so tests send many slices without gigabytes. */
public final class PsiSumSliceClients {
  private PsiSumSliceClients() {}

  public static CoordinatorClient connect(String hostPort, TlsMaterial tls, Duration callTimeout, int sliceBytes) {
    return CoordinatorClient.connect(hostPort, tls, callTimeout, sliceBytes);
  }
}
