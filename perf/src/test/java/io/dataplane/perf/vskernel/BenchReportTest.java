package io.dataplane.perf.vskernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The report's arithmetic and formats, on made-up rounds (no root needed). */
class BenchReportTest {
    /** A round of one-second samples forwarding {@code perSecond[i]} each, half of what was offered. */
    private static RoundResult round(int n, String router, long[] perSink, long... perSecond) {
        return round(n, router, perSink, "", perSecond);
    }

    /** The same round, with these counter notes (what a contender printed at its end). */
    private static RoundResult round(int n, String router, long[] perSink, String notes, long... perSecond) {
        Histogram h = new Histogram(60_000_000_000L, 3);
        h.recordValue(20_000);
        List<SecondSample> s = java.util.Arrays.stream(perSecond)
                .mapToObj(f -> new SecondSample(1.0, 2 * f, f, 0, 1, 0, 0, 0, 0, null)).toList();
        long total = java.util.Arrays.stream(perSecond).sum();
        ThreadScan.Usage u = new ThreadScan.Usage(perSecond.length, 0, 0, "", java.util.Map.of());
        return new RoundResult(Layout.A, n, router, 0, s, 2 * total, total, 0, perSink, 0, h, u, 100, 0, notes);
    }

    private static BenchReport report(List<RoundResult> rounds) {
        BenchOptions o = BenchOptions.parse(new String[] {"--cpus", "0,1", "--no-testpmd"});
        return new BenchReport(o, rounds, List.of(), List.of(), 5e6, "0.10 0.10 0.10", "0.20 0.10 0.10",
                java.util.Map.of("kernel", "kernel", "dataplane", "dataplane"));
    }

    @Test
    void lastLineHasTheDocumentedFormWithMediansOfPerRoundMediansAndTheirRatios() {
        long[] split = {1, 2};
        BenchReport r = report(List.of(round(1, "kernel", split, 1_000_000, 900_000, 5_000_000),
                round(2, "dataplane", split, 2_000_000),
                round(3, "c-forwarder", split, 4_000_000),
                round(4, "kernel", split, 3_000_000, 3_000_000, 100),
                round(5, "dataplane", split, 4_000_000),
                round(6, "c-forwarder", split, 4_000_000)));
        // kernel: round medians 1.0 M and 3.0 M -> 2.0 M; dataplane 3.0 M; c-forwarder 4.0 M.
        assertEquals("vs-kernel pps median: kernel 2000000 dataplane 3000000 ratio 1.50 c-forwarder 4000000 ratio-c 0.75",
                r.lastLine());
    }

    @Test
    void disturbedSecondsAreLeftOutOfTheRoundMedian() {
        Histogram h = new Histogram(60_000_000_000L, 3);
        List<SecondSample> s = List.of(new SecondSample(1, 200, 100, 0, 1, 0, 0, 0, 0, null),
                new SecondSample(1, 200, 110, 0, 1, 0, 0, 0, 0, null),
                new SecondSample(1, 200, 5, 0, 1, 0.5, 0, 0, 0, "other processes on the router core"));
        RoundResult r = new RoundResult(Layout.A, 1, "kernel", 0, s, 600, 215, 0, new long[] {215}, 0, h,
                new ThreadScan.Usage(3, 0, 0.5, "", java.util.Map.of()), 100, 0, "");
        assertEquals(105, r.forwardedPps(), 1e-9);
        assertEquals(1, r.disturbedSeconds());
        assertEquals("other processes on the router core",
                new SecondSample(1, 200, 5, 0, 1, 0.5, 0, 0, 0, null).disturbance(200));
        assertEquals("steal", new SecondSample(1, 200, 5, 0, 1, 0, 0, 0.2, 0, null).disturbance(200));
        assertEquals("the generator stalled", new SecondSample(1, 50, 5, 0, 1, 0, 0, 0, 0, null).disturbance(200));
    }

    @Test
    void splitDeviationIsMeasuredAgainstTheWeights() {
        RoundResult r = round(1, "kernel", new long[] {110, 190}, 300);
        assertEquals(0.1, r.splitDeviation(new long[] {1, 2}), 1e-9); // 110/100 - 1
    }

    @Test
    void markdownAndChartNameEveryRound() {
        BenchReport r = report(List.of(round(1, "kernel", new long[] {333_333, 666_667}, 1_000_000),
                round(2, "dataplane", new long[] {666_667, 1_333_333}, 2_000_000)));
        String md = r.markdown();
        assertTrue(md.contains("| 1 | kernel |") && md.contains("| 2 | dataplane |"), md);
        assertTrue(md.contains("What limited each"), md);
        String svg = r.svg();
        assertTrue(svg.startsWith("<svg") && svg.contains("a1 kernel") && svg.contains("a2 dataplane"), svg);
    }

    @Test
    void afXdpDropsAreReadFromTheCountersValuesNotTheirNames() {
        // The C forwarder prints its counters' names even when they are 0: nothing was dropped at the socket.
        assertEquals("", BenchReport.afXdpDrops(round(1, "c-forwarder", new long[] {1, 2},
                "xsk_fwd: rx 5265343 tx r1 1750989; r0 rx_dropped 0 rx_ring_full 0 rx_fill_ring_empty 0; in flight 0", 1000)));
        // The daemon's -s link show: offered 2000, forwarded 1000, so 250 is a quarter of the loss.
        String d = BenchReport.afXdpDrops(round(1, "dataplane", new long[] {1, 2}, "counters rx_packets 9 tx_ring_full 7"
                + " xdp_rx_dropped 0 xdp_rx_ring_full 250 xdp_rx_fill_ring_empty_descs 3 xdp_tx_ring_empty_descs 5", 1000));
        assertTrue(d.contains("250 frames (25 % of the measured loss") && d.contains("ran empty 3 times"), d);
        assertTrue(!d.contains(" 7 ") && !d.contains(" 5 "), d); // tx_ring_full and the TX ring's empty count are not RX drops
    }
}
