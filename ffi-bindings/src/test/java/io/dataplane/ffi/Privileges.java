package io.dataplane.ffi;

import org.junit.jupiter.api.Assumptions;

/** Tests that need root (BPF, AF_XDP, namespaces) run in CI always, and skip elsewhere saying why. */
public final class Privileges {
    private Privileges() {
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    public static void assumeRoot() {
        boolean root = Libc.geteuid() == 0;
        if (inCi() && !root) {
            throw new AssertionError("CI=true but the tests do not run as root: BPF, AF_XDP and netns tests need it");
        }
        Assumptions.assumeTrue(root, "skipped: needs root for bpf(2), AF_XDP and network namespaces (CI runs it as root)");
    }
}
