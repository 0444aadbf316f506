package io.dataplane.perf.vskernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.Libc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness end to end in a few seconds (one short round per contender, layout a), so that it
 * cannot rot: the report, the chart and the last line exist, every contender forwarded something
 * and the kernel's frames all passed the sinks' checksum checks. No performance threshold: this
 * machine is shared. Needs root; CI runs it as root, elsewhere it skips saying why.
 */
class VsKernelSmokeTest {
    private static final Pattern LAST_LINE =
            Pattern.compile("vs-kernel pps median: kernel (\\d+) dataplane (\\d+) ratio (\\d+\\.\\d\\d)"
                    + " c-forwarder (\\d+) ratio-c (\\d+\\.\\d\\d)");

    static void assumeRoot() {
        boolean root = Libc.geteuid() == 0;
        if ("true".equalsIgnoreCase(System.getenv("CI")) && !root) {
            throw new AssertionError("CI=true but the tests do not run as root: the vs-kernel smoke test needs it");
        }
        Assumptions.assumeTrue(root, "skipped: vs-kernel needs root for namespaces, bpf(2) and AF_XDP (CI runs it as root)");
    }

    @Test
    void twoShortRoundsWriteTheReportAndBothRoutersForward(@TempDir Path dir) throws Exception {
        assumeRoot();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            rc = VsKernel.execute(out, "--seconds", "1", "--warmup-seconds", "1", "--rounds", "1", "--no-testpmd", "--layouts", "a", "--curve-seconds", "0",
                    "--contenders", "kernel,dataplane,c-forwarder,dataplane-rings", "--dataplane-rings", "1024",
                    "--flows", "256", "--out", dir.toString());
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(0, rc, "exit code");
        String[] lines = text.strip().split("\n");
        Matcher m = LAST_LINE.matcher(lines[lines.length - 1]);
        assertTrue(m.matches(), "last line has the documented form: " + lines[lines.length - 1]);
        assertTrue(Long.parseLong(m.group(1)) > 0, "the kernel forwarded something");
        assertTrue(Long.parseLong(m.group(2)) > 0, "the dataplane forwarded something");
        if (!text.contains("C forwarder left out")) {
            assertTrue(Long.parseLong(m.group(4)) > 0, "the C forwarder forwarded something");
            Matcher c = Pattern.compile("xsk_fwd: rx \\d+ tx r1 (\\d+) r2 (\\d+)").matcher(text);
            assertTrue(c.find() && Long.parseLong(c.group(1)) > 0 && Long.parseLong(c.group(2)) > 0,
                    "the C forwarder sends over both of the route's ports, as the dataplane does: " + text);
        }
        String report = Files.readString(dir.resolve("report.md"));
        assertTrue(report.contains("## Layout a") && report.contains("| 1 | kernel |") && report.contains("| 2 | dataplane |"), report);
        Matcher kernelRow = Pattern.compile("\\| kernel \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ % \\| [0-9.]+ \\| [0-9NaN]+ \\| [0-9.]+, [0-9NaN]+ \\| (\\d+) \\|")
                .matcher(report);
        assertTrue(kernelRow.find(), "the layout's medians table has a kernel row: " + report);
        assertEquals("0", kernelRow.group(1), "every frame the kernel forwarded passed the sinks' IPv4 and UDP checksum checks");
        assertTrue(Files.readString(dir.resolve("chart.svg")).startsWith("<svg"), "chart written");
        assertTrue(report.contains("| dataplane-rings |") && report.contains("'rx-ring 1024 tx-ring 1024' on every port line")
                && report.contains("rx-ring 1024 tx-ring 1024 link/ether"), "the ring-size contender ran with its rings: " + report);
        String leftovers = io.dataplane.perf.vskernel.Shell.run("ip", "netns", "list");
        assertFalse(leftovers.contains("vsk-" + ProcessHandle.current().pid() + "-"), "namespaces removed: " + leftovers);
    }

    @Test
    void perPacketIsRefusedWithTheReason() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(BenchException.class,
                () -> BenchOptions.parse(new String[] {"--mpalgo", "per-packet"}));
        assertTrue(e.getMessage().contains("no kernel counterpart"), e.getMessage());
    }

    @Test
    void weightsMustMatchTheNexthops() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(BenchException.class,
                () -> BenchOptions.parse(new String[] {"--nexthops", "3", "--weights", "1,2"}));
        assertTrue(e.getMessage().contains("one weight per nexthop"), e.getMessage());
    }

    @Test
    void expectedDisruptionMatchesRfc2992ForEqualWeights() {
        for (int n = 2; n <= 8; n++) {
            long[] w = new long[n];
            java.util.Arrays.fill(w, 1);
            for (int k = 0; k < n; k++) {
                assertEquals(RemovalResult.rfc2992(n, k), RemovalResult.expectedMoved(w, k), 1e-9, "N=" + n + " k=" + k);
            }
        }
        assertEquals(1 / 3.0, RemovalResult.expectedMoved(new long[] {1, 2}, 0), 1e-9);
    }
    @Test
    void twoQueuesRunTheMultiQueueLayoutsAndOnlyThem() {
        BenchOptions o = BenchOptions.parse(new String[] {"--queues", "2"});
        assertEquals(java.util.List.of(Layout.Q1, Layout.Q2), o.layouts());
        assertTrue(Layout.Q2.runs("dataplane") && Layout.Q2.runs("kernel") && !Layout.Q2.runs("c-forwarder"),
                "the C forwarder forwards one queue");
        assertEquals(2, Layout.Q2.generators());
        var e = org.junit.jupiter.api.Assertions.assertThrows(BenchException.class,
                () -> BenchOptions.parse(new String[] {"--queues", "2", "--layouts", "a"}));
        assertTrue(e.getMessage().contains("layout a has one queue"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(BenchException.class,
                () -> BenchOptions.parse(new String[] {"--layouts", "q2"}));
        assertTrue(e.getMessage().contains("needs --queues 2"), e.getMessage());
    }

    @Test
    void bothIdleModesOfBothAfXdpForwardersAreContenders() {
        assertEquals(java.util.List.of("kernel", "dataplane", "dataplane-spin", "c-forwarder", "c-forwarder-spin", "testpmd",
                "dataplane-rings"), BenchOptions.parse(new String[0]).contenders());
        assertEquals(0, BenchOptions.parse(new String[0]).dataplaneRings(), "no ring-size contender unless asked for");
        assertEquals(2048, BenchOptions.parse(new String[] {"--dataplane-rings", "2048"}).dataplaneRings());
        var rings = org.junit.jupiter.api.Assertions.assertThrows(BenchException.class,
                () -> BenchOptions.parse(new String[] {"--dataplane-rings", "3000"}));
        assertTrue(rings.getMessage().contains("power of two"), rings.getMessage());
        var e = org.junit.jupiter.api.Assertions.assertThrows(BenchException.class,
                () -> BenchOptions.parse(new String[] {"--contenders", "kernel,dataplane-backoff"}));
        assertTrue(e.getMessage().contains("'dataplane-backoff' is none of them"), e.getMessage());
    }
}
