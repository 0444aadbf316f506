package io.dataplane.ffi.dpdk;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one EAL of the test JVM (DPDK starts once per process), with the no-hugepage options. In CI
 * (CI=true) DPDK tests must run, so nothing is skipped; elsewhere they skip, saying why, when DPDK
 * is not installed or the user is not root.
 */
public final class TestEal {
    private TestEal() {}

    /** Skips the calling test outside CI when DPDK is not installed or the user is not root. */
    public static void assumeDpdk() {
        if (!"true".equals(System.getenv("CI"))) {
            assumeTrue(DpdkLibrary.isAvailable(), "DPDK shim not built: install '" + DpdkLibrary.PACKAGES
                    + "' and rebuild; these tests always run in CI (CI=true)");
            assumeTrue(isRoot(), "DPDK tests need root; they always run in CI (CI=true)");
        }
    }

    public static Eal eal() {
        assumeDpdk();
        return Eal.current().orElseGet(() -> Eal.start(EalOptions.NO_HUGEPAGES));
    }

    static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
