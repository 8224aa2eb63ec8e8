package io.parley.jobs;

import static io.parley.jobs.CliTest.assertUsageError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code parley psi} and {@code parley bench psi}: help and usage errors, without Spark or a coordinator. */
class PsiCommandTest {
  private static final List<String> BASE =
      List.of("psi", "--conf", "x.conf", "--table", "customers=/data/c.parquet", "--with", "beta:orders", "--on", "id");

  private static CliRun psi(String... more) {
    List<String> args = new java.util.ArrayList<>(BASE);
    args.addAll(List.of(more));
    return CliRun.parley(args.toArray(new String[0]));
  }

  @Test
  void helpListsTheFlags() {
    CliRun help = CliRun.parley("psi", "--help");
    assertEquals(0, help.exitCode(), help::toString);
    for (String flag : List.of("--with=PARTY:TABLE", "--on=COLUMN[=COLUMN]", "--variant=V", "--sum-column=C",
        "--where=SQL", "--their-where=SQL", "--normalize=STEPS", "--output=PATH", "--format=F", "--reveal-to-both")) {
      assertTrue(help.out().contains(flag), () -> flag + " missing from\n" + help.out());
    }
    CliRun bench = CliRun.parley("bench", "psi", "--help");
    assertEquals(0, bench.exitCode(), bench::toString);
    assertTrue(bench.out().startsWith("Usage: parley bench psi"), bench::toString);
    assertTrue(bench.out().contains("--overlap=F"), bench::toString);
    assertTrue(bench.out().contains("--x25519=IMPL"), bench::toString);
    CliRun own = CliRun.of(new PsiCommand(), "--help");
    assertTrue(own.out().startsWith("Usage: psi"), own::toString);
  }

  @Test
  void usageErrorsNameWhatIsWrong() {
    assertUsageError(psi("--variant", "intersection"), "--output PATH");
    assertUsageError(psi("--variant", "sum"), "--variant sum needs --sum-column");
    assertUsageError(psi("--sum-column", "amount"), "--sum-column belongs to --variant sum");
    assertUsageError(psi("--reveal-to-both"), "--reveal-to-both belongs to --variant intersection");
    assertUsageError(psi("--variant", "everything"), "everything");
    assertUsageError(psi("--format", "xlsx"), "xlsx");
    assertUsageError(CliRun.parley("psi", "--conf", "x.conf", "--with", "beta", "--on", "id"), "--with 'beta' is not PARTY:TABLE");
    assertUsageError(CliRun.parley("psi", "--conf", "x.conf", "--with", "beta:t", "--on", "a=b=c"), "--on 'a=b=c'");
    assertUsageError(CliRun.parley("psi", "--conf", "x.conf", "--with", "beta:t", "--on", "id"), "give --from TABLE");
    assertUsageError(CliRun.parley("psi", "--conf", "x.conf", "--on", "id"), "--with");
    assertUsageError(CliRun.parley("bench", "psi", "--overlap", "2"), "--overlap within 0..1");
    assertUsageError(CliRun.parley("bench", "psi", "--x25519", "openssl"),
        "--x25519 is 'openssl'; expected auto, libsodium or bouncycastle");
  }
}
