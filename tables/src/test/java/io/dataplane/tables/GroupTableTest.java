package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Selection from the flat group table: kernel parity, weighted split, disruption, per-packet exactness. */
class GroupTableTest {
    private static NexthopTable nexthops(int n, int... dead) {
        Map<Integer, Nexthop> m = new HashMap<>();
        for (int i = 0; i < n; i++) {
            final int slot = i;
            boolean alive = Arrays.stream(dead).noneMatch(d -> d == slot);
            m.put(i, new Nexthop(i % 4, 0x020000000000L + i, 0x020000000100L, 1500, alive, true));
        }
        return NexthopTable.empty().with(m);
    }

    private static GroupTable table(GroupSpec spec, NexthopTable nh) {
        return GroupTable.empty().with(Map.of(0, spec), nh);
    }

    private static GroupSpec spec(MultipathAlgorithm alg, int... weights) {
        int[] members = new int[weights.length];
        Arrays.setAll(members, i -> i);
        return new GroupSpec(members, weights, alg);
    }

    @Test
    void groupsOutsideTheTableHaveNoBlock() {
        // The fast path reads the table at absolute addresses (AddressSpace): this bound is the only one.
        GroupTable t = table(spec(MultipathAlgorithm.L3, 1, 2), nexthops(2));
        assertEquals(1, t.size());
        for (int group : new int[] {-1, Integer.MIN_VALUE, 1, 2, Integer.MAX_VALUE}) {
            assertEquals(-1, t.block(group), "block of group " + group);
        }
        assertTrue(t.block(0) >= 0, "the group in use has a block");
        assertEquals(-1, GroupTable.empty().block(0), "the empty table has none");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 8, 13, 64, 256})
    void flatSearchPicksExactlyTheKernelsNexthop(int members) {
        SplittableRandom r = new SplittableRandom(members);
        int[] w = new int[members];
        Arrays.setAll(w, i -> 1 + r.nextInt(300));
        boolean[] alive = new boolean[members];
        int[] dead = r.ints(members / 3, 0, members).toArray();
        Arrays.fill(alive, true);
        for (int d : dead) {
            alive[d] = false;
        }
        GroupTable t = table(spec(MultipathAlgorithm.L3, w), nexthops(members, dead));
        int[] kernel = UpperBounds.compute(w, alive);
        int block = t.block(0);
        for (int i = 0; i < 200_000; i++) {
            int h = r.nextInt() >>> 1;
            assertEquals(UpperBounds.select(kernel, h), t.selectByHash(block, h), "hash " + h);
        }
        for (int b : kernel) {
            if (b >= 0) {
                assertEquals(UpperBounds.select(kernel, b), t.selectByHash(block, b));
                if (b < Integer.MAX_VALUE) {
                    assertEquals(UpperBounds.select(kernel, b + 1), t.selectByHash(block, b + 1));
                }
            }
        }
    }

    @Test
    void allMembersDeadSelectsNothing() {
        GroupTable t = table(spec(MultipathAlgorithm.L3, 1, 1), nexthops(2, 0, 1));
        assertEquals(-1, t.selectByHash(t.block(0), 12345));
        assertEquals(0, t.totalWeight(t.block(0)));
    }

    @ParameterizedTest(name = "weights {0}")
    @ValueSource(strings = {"1,1", "1,2", "11,45", "1,2,3"})
    void randomFlowsSplitWithinTwoPercentOfTheWeights(String weights) {
        int[] w = Arrays.stream(weights.split(",")).mapToInt(Integer::parseInt).toArray();
        GroupTable t = table(spec(MultipathAlgorithm.L4, w), nexthops(w.length));
        int block = t.block(0);
        long[] hits = new long[w.length];
        SplittableRandom r = new SplittableRandom(42);
        int flows = 100_000;
        IpPackets p = IpPackets.ipv4("10.0.0.1", "198.51.100.1", 17, 0, 0, 0x4000);
        for (int i = 0; i < flows; i++) {
            p.m.set(IpPackets.BE32, 12, r.nextInt());
            p.m.set(IpPackets.BE16, 20, (short) r.nextInt(65536));
            p.m.set(IpPackets.BE16, 22, (short) r.nextInt(65536));
            hits[t.selectByHash(block, p.hash4(FlowHash.L4, 0))]++;
        }
        int total = Arrays.stream(w).sum();
        for (int i = 0; i < w.length; i++) {
            double share = (double) hits[i] / flows;
            double want = (double) w[i] / total;
            assertTrue(Math.abs(share - want) <= 0.02, "nexthop " + i + " got " + share + ", weights ask " + want);
        }
    }

    /** RFC 2992: removing the k-th of N equal nexthops moves 1/2 - k(N-1-k)/(N(N-1)) of the flows. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 8})
    void removingOneOfNEqualNexthopsMovesTheRfc2992Fraction(int n) {
        int[] w = new int[n];
        Arrays.fill(w, 1);
        GroupTable all = table(spec(MultipathAlgorithm.L3, w), nexthops(n));
        SplittableRandom r = new SplittableRandom(n);
        int flows = 200_000;
        int[] hashes = r.ints(flows).map(h -> h >>> 1).toArray();
        for (int k = 0; k < n; k++) {
            GroupTable without = table(spec(MultipathAlgorithm.L3, w), nexthops(n, k));
            int moved = 0;
            for (int h : hashes) {
                if (all.selectByHash(all.block(0), h) != without.selectByHash(without.block(0), h)) {
                    moved++;
                }
            }
            double expected = 0.5 - (double) k * (n - 1 - k) / ((double) n * (n - 1));
            double observed = (double) moved / flows;
            assertEquals(expected, observed, 0.01, "removing nexthop " + k + " of " + n);
        }
    }

    @ParameterizedTest(name = "weights {0}")
    @ValueSource(strings = {"1", "1,1", "1,2", "11,45", "1,2,3", "3,0dead,5", "7,1,1,1,1,1,1,1,1,1,1,1"})
    void perPacketGivesEveryMemberExactlyItsWeightInEveryWindow(String weights) {
        String[] parts = weights.split(",");
        int[] w = new int[parts.length];
        int deadSlot = -1;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].endsWith("dead")) {
                deadSlot = i;
                w[i] = 4;
            } else {
                w[i] = Integer.parseInt(parts[i]);
            }
        }
        GroupTable t = table(spec(MultipathAlgorithm.PER_PACKET, w), deadSlot < 0 ? nexthops(w.length) : nexthops(w.length, deadSlot));
        int block = t.block(0);
        int total = t.totalWeight(block);
        int step = t.step(block);
        int packets = total * 50;
        int[] sequence = new int[packets];
        int position = 0;
        for (int i = 0; i < packets; i++) {
            sequence[i] = t.selectByPosition(block, position);
            position += step;
            if (position >= total) {
                position -= total;
            }
        }
        for (int start = 0; start + total <= packets; start += 7) {
            int[] counts = new int[w.length];
            for (int i = start; i < start + total; i++) {
                counts[sequence[i]]++;
            }
            for (int m = 0; m < w.length; m++) {
                assertEquals(m == deadSlot ? 0 : w[m], counts[m], "member " + m + " in window at " + start);
            }
        }
    }

    @Test
    void perPacketStepIsCoprimeWithTheTotal() {
        for (int total = 2; total < 5000; total++) {
            int step = GroupTable.perPacketStep(total);
            assertEquals(1, java.math.BigInteger.valueOf(step).gcd(java.math.BigInteger.valueOf(total)).intValue(), "total " + total);
        }
    }
}
