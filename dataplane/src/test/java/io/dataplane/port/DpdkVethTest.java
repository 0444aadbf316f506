package io.dataplane.port;

import io.dataplane.tables.packet.Frames;
import io.dataplane.ffi.Shell;

import io.dataplane.ffi.dpdk.TestEal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.NetNamespace;
import io.dataplane.ffi.dpdk.Dpdk;
import io.dataplane.pipeline.PacketBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DpdkPort on real kernel interfaces: DPDK's net_af_packet and net_af_xdp drivers on both ends of a veth pair in a
 * network namespace this test creates (and always deletes). Frames sent on one port arrive intact
 * on the other; the kernel's own chatter on the link is told apart by an experimental ethertype.
 */
class DpdkVethTest {
    private static final String NS = "dpdk-veth-" + ProcessHandle.current().pid();
    /** IEEE 802 local experimental ethertype: nothing else on the link uses it. */
    private static final int ETHERTYPE = 0x88b5;

    @BeforeEach
    void createVethPair() {
        TestEal.eal();
        run("ip", "netns", "add", NS);
        run("ip", "-n", NS, "link", "add", "dva", "type", "veth", "peer", "name", "dvb");
        // No IPv6 on the pair: router solicitations and MLD reports would be the only other traffic.
        run("ip", "netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        run("ip", "-n", NS, "link", "set", "dva", "up");
        run("ip", "-n", NS, "link", "set", "dvb", "up");
    }

    @AfterEach
    void deleteNamespace() {
        try {
            run("ip", "netns", "del", NS);
        } catch (IllegalStateException ignored) {
            // not created (the test was skipped before setup finished)
        }
    }

    @Test
    void afPacketFramesSentOnOneVethEndArriveIntactOnTheOther() {
        roundTrip("net_af_packet10,iface=dva", "net_af_packet11,iface=dvb");
    }

    @Test
    void afXdpFramesSentOnOneVethEndArriveIntactOnTheOther() {
        roundTrip("net_af_xdp10,iface=dva,start_queue=0,queue_count=1", "net_af_xdp11,iface=dvb,start_queue=0,queue_count=1");
    }

    private static void roundTrip(String specA, String specB) {
        // The sockets are opened in the namespace (by a thread that entered it), and stay there.
        DpdkPort a = NetNamespace.call(NS, () -> DpdkPort.open(0, DpdkPortConfig.vdev("dva", specA)));
        try (a; DpdkPort b = NetNamespace.call(NS, () -> DpdkPort.open(1, DpdkPortConfig.vdev("dvb", specB)))) {
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                byte[] frame = frame(i, 64 + (i * 13) % 1400);
                long mbuf = DpdkFrames.frame(a, frame);
                assertTrue(a.transmit(mbuf, Dpdk.mbufData(mbuf), frame.length));
                sent.add(frame);
                if (i % 16 == 15) {
                    a.flush();
                }
            }
            a.flush();

            List<byte[]> got = new ArrayList<>();
            PacketBatch batch = new PacketBatch(32);
            int idle = 0;
            // Bounded by consecutive empty polls; the kernel delivers veth frames synchronously on send.
            while (got.size() < sent.size() && idle < 100_000) {
                batch.clear();
                a.flush();
                int n = b.receive(batch);
                idle = n == 0 ? idle + 1 : 0;
                for (int i = 0; i < n; i++) {
                    byte[] bytes = DpdkFrames.bytes(b, batch.data[i], batch.length[i]);
                    if (((bytes[12] & 0xff) << 8 | (bytes[13] & 0xff)) == ETHERTYPE) {
                        got.add(bytes);
                    }
                    b.release(batch.handle[i]);
                }
            }
            b.poll();
            int echoed = 0;
            for (int round = 0; round < 1000; round++) {
                batch.clear();
                int n = a.receive(batch);
                for (int i = 0; i < n; i++) {
                    byte[] bytes = DpdkFrames.bytes(a, batch.data[i], batch.length[i]);
                    if (((bytes[12] & 0xff) << 8 | (bytes[13] & 0xff)) == ETHERTYPE) {
                        echoed++;
                    }
                    a.release(batch.handle[i]);
                }
            }
            a.poll();
            assertEquals(0, echoed, "a port must not receive the frames it sent itself (a router would loop them)");
            assertEquals(sent.size(), got.size(), "frames out == frames in");
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
            }
        }
    }

    /** Broadcast destination (so the peer accepts it), a local source MAC, the test ethertype, a sequence pattern. */
    private static byte[] frame(int seq, int length) {
        byte[] f = DpdkFrames.pattern(seq, length);
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        f[6] = 0x02;
        f[12] = (byte) (ETHERTYPE >>> 8);
        f[13] = (byte) ETHERTYPE;
        return f;
    }

    private static void run(String... command) {
        Shell.run(command);
    }
}
