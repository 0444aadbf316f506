package io.dataplane.perf.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.perf.vskernel.FlowSink;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The accounting's rules on made-up sink readings: frames at the predicted sink pass, a frame at
 * any other sink is a misroute, the dead-port state is allowed only in a window that overlaps a
 * flap, and the per-flow sent count follows the generator's {@code c % flows}.
 */
class AccountingTest {
    private static final int FLOWS = 64, SINKS = 3;
    private static final int[][] WEIGHTS = {{1, 1, 1}, {2, 1, 1}};
    private final SinkPrediction prediction = new SinkPrediction(FLOWS, 64);

    private static FlowSink.Counts[] counts(long[][] perFlow) {
        FlowSink.Counts[] c = new FlowSink.Counts[perFlow.length];
        for (int s = 0; s < perFlow.length; s++) {
            c[s] = new FlowSink.Counts(0, 0, perFlow[s], 0, new long[0]);
        }
        return c;
    }

    @Test
    void framesAtThePredictedSinkPassAndAnywhereElseAreMisroutes() {
        Accounting a = new Accounting(prediction, WEIGHTS, SINKS, SINKS - 1, List.of());
        long[][] zero = new long[SINKS][FLOWS];
        a.start(counts(zero), 1_000_000_000L);
        int[] sink = prediction.sinks(WEIGHTS[0], new boolean[] {true, true, true});
        int[] sinkB = prediction.sinks(WEIGHTS[1], new boolean[] {true, true, true});
        long[][] now = new long[SINKS][FLOWS];
        for (int f = 0; f < FLOWS; f++) {
            now[sink[f]][f] += 10;
            now[sinkB[f]][f] += 5;
        }
        a.check(counts(now), 2_000_000_000L);
        assertEquals(0, a.misrouted(), "every frame where one of the weight sets sends it");
        int flow = -1;
        for (int f = 0; f < FLOWS && flow < 0; f++) {
            if (sink[f] == sinkB[f]) {
                flow = f;
            }
        }
        long[][] later = new long[SINKS][];
        for (int s = 0; s < SINKS; s++) {
            later[s] = now[s].clone();
        }
        later[(sink[flow] + 1) % SINKS][flow] += 1;
        a.check(counts(later), 3_000_000_000L);
        assertEquals(1, a.misrouted(), "one frame at a sink no version sends flow " + flow + " to");
        assertEquals(flow, a.misroutes().getFirst().flow());
    }

    @Test
    void theDeadStateIsAllowedOnlyInAWindowThatOverlapsAFlap() {
        ChurnDriver.Flap flap = new ChurnDriver.Flap();
        flap.down = 10_000_000_000L;
        flap.dead = 10_100_000_000L;
        flap.up = 12_000_000_000L;
        flap.alive = 12_100_000_000L;
        boolean[] dead = {true, true, false};
        int[] sinkDead = prediction.sinks(WEIGHTS[0], dead);
        int[] sinkAlive = prediction.sinks(WEIGHTS[0], new boolean[] {true, true, true});
        int[] sinkAliveB = prediction.sinks(WEIGHTS[1], new boolean[] {true, true, true});
        int flow = -1;
        for (int f = 0; f < FLOWS && flow < 0; f++) {
            if (sinkAlive[f] == SINKS - 1 && sinkAliveB[f] == SINKS - 1) {
                flow = f;
            }
        }
        assertTrue(flow >= 0, "some flow is the flapped sink's under both weight sets");
        Accounting a = new Accounting(prediction, WEIGHTS, SINKS, SINKS - 1, List.of(flap));
        long[][] c = new long[SINKS][FLOWS];
        a.start(counts(c), 5_000_000_000L);
        c[sinkDead[flow]][flow] += 1;
        a.check(counts(c), 6_000_000_000L);
        assertEquals(1, a.misrouted(), "before the flap the flow's frames belong on the flapped sink only");
        c[sinkDead[flow]][flow] += 1;
        a.check(counts(c), 11_000_000_000L);
        assertEquals(1, a.misrouted(), "during the flap they may go where the dead state sends them");
        c[SINKS - 1][flow] += 1;
        a.check(counts(c), 11_500_000_000L);
        assertEquals(2, a.misrouted(), "a window wholly between 'seen dead' and 'link up' cannot reach the dead sink");
    }

    @Test
    void sentPerFlowFollowsTheGeneratorsCounter() {
        long total = 0;
        for (int f = 0; f < 10; f++) {
            total += Accounting.sent(7, 53, 10, f);
        }
        assertEquals(46, total);
        assertEquals(5, Accounting.sent(7, 53, 10, 7), "frames 7, 17, 27, 37, 47");
        assertEquals(4, Accounting.sent(7, 53, 10, 3), "frames 13, 23, 33, 43");
    }
}
