package io.parley.jobs.process;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The largest heap this JVM kept right after a garbage collection: what it really held, unlike
 * the resident size or peak heap, which grow with allocation churn until the collector runs. The
 * benchmark uses it to show a party's driver and the coordinator do not hold rows.
 */
public final class LiveHeap {
  private static final AtomicLong PEAK = new AtomicLong();
  private static boolean installed;

  private LiveHeap() {}

  /** Starts watching collections (idempotent). */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    Set<String> heapPools = new HashSet<>();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heapPools.add(pool.getName());
      }
    }
    NotificationListener listener =
        (notification, handback) -> {
          if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
          }
          GarbageCollectionNotificationInfo info =
              GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
          long kept = 0;
          for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
              kept += pool.getValue().getUsed();
            }
          }
          long keptAfterGc = kept;
          PEAK.accumulateAndGet(keptAfterGc, Math::max);
        };
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (collector instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
      }
    }
    installed = true;
  }

  /** The largest heap kept after a collection since {@link #install} or {@link #reset}; 0 if none ran. */
  public static long peakBytes() {
    return PEAK.get();
  }

  public static void reset() {
    PEAK.set(0);
  }
}
