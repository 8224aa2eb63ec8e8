package io.parley.protocols.client;

/**
 * An open Subscribe stream: invitations arrive on the consumer given to
 * {@link CoordinatorClient#subscribe}. Closing it cancels the stream (and does not call the
 * end callback).
 */
public final class Subscription implements AutoCloseable {
  private final Runnable cancel;
  private final java.util.concurrent.atomic.AtomicBoolean open;

  Subscription(Runnable cancel, java.util.concurrent.atomic.AtomicBoolean open) {
    this.cancel = cancel;
    this.open = open;
  }

  /** True until the stream ends or is closed. */
  public boolean isOpen() {
    return open.get();
  }

  @Override
  public void close() {
    if (open.getAndSet(false)) {
      cancel.run();
    }
  }
}
