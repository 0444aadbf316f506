package io.dataplane.perf.vskernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The report's arithmetic and formats, on made-up rounds (no root needed). */
class BenchReportTest {
    private static RoundResult round(int n, String router, long forwarded, long[] perSink) {
        Histogram h = new Histogram(60_000_000_000L, 3);
        h.recordValue(20_000);
        return new RoundResult(n, router, 1.0, forwarded * 2, forwarded, perSink, 0, h, 1, 1, 0, 0, "");
    }

    private static BenchReport report(List<RoundResult> rounds) {
        BenchOptions o = BenchOptions.parse(new String[] {"--cpus", "0,1", "--no-testpmd"});
        return new BenchReport(o, rounds, List.of(), List.of(), List.of(), 5e6, "0.10 0.10 0.10", "0.20 0.10 0.10",
                "kernel", "dataplane", null);
    }

    @Test
    void lastLineHasTheDocumentedFormWithMediansAndTheirRatio() {
        BenchReport r = report(List.of(round(1, "kernel", 1_000_000, new long[] {333_333, 666_667}),
                round(2, "dataplane", 2_000_000, new long[] {666_667, 1_333_333}),
                round(3, "kernel", 3_000_000, new long[] {1_000_000, 2_000_000}),
                round(4, "dataplane", 4_000_000, new long[] {1_333_333, 2_666_667})));
        assertEquals("vs-kernel pps median: kernel 2000000 dataplane 3000000 ratio 1.50", r.lastLine());
    }

    @Test
    void splitDeviationIsMeasuredAgainstTheWeights() {
        RoundResult r = round(1, "kernel", 300, new long[] {110, 190});
        assertEquals(0.1, r.splitDeviation(new long[] {1, 2}), 1e-9); // 110/100 - 1
    }

    @Test
    void markdownAndChartNameEveryRound() {
        BenchReport r = report(List.of(round(1, "kernel", 1_000_000, new long[] {333_333, 666_667}),
                round(2, "dataplane", 2_000_000, new long[] {666_667, 1_333_333})));
        String md = r.markdown();
        assertTrue(md.contains("| 1 | kernel |") && md.contains("| 2 | dataplane |"), md);
        assertTrue(md.contains("What limited each"), md);
        String svg = r.svg();
        assertTrue(svg.startsWith("<svg") && svg.contains("1 kernel") && svg.contains("2 dataplane"), svg);
    }
}
