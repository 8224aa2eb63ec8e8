package io.parley.jobs.process;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Peak memory figures for the benchmark: a process's resident high-water mark, this JVM's peak heap. */
public final class PeakMemory {
  private PeakMemory() {}

  /** {@code VmHWM} of process {@code pid} from {@code /proc/<pid>/status} (Linux), in bytes. */
  public static OptionalLong residentHighWaterMark(long pid) {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          String[] parts = line.substring("VmHWM:".length()).trim().split("\\s+");
          return OptionalLong.of(Long.parseLong(parts[0]) * 1024L);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone: no figure
    }
    return OptionalLong.empty();
  }

  /** Sum of the peak usage of this JVM's heap pools since start (or the last reset). */
  public static long peakHeapBytes() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  /** Live heap after the most recent collection of each heap pool: what the JVM really kept. */
  public static long heapAfterLastCollectionBytes() {
    long kept = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
        kept += pool.getCollectionUsage().getUsed();
      }
    }
    return kept;
  }

  public static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
  }

  /** Bytes as mebibytes, one decimal. */
  public static String mebibytes(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}
