package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import io.dataplane.testing.RouterTopology;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fragmentation by the daemon on AF_XDP: the link to server1 has an MTU of 1000 (the router's r1
 * and the server's s1), the client's 1500 and its sockets never set DF ({@code ip_no_pmtu_disc=1}
 * in its namespace). UDP datagrams of 1400 and 2800 bytes must reach a socket on server1 whole:
 * its kernel reassembles the daemon's fragments and checks the UDP checksum over the whole
 * datagram, so a misplaced byte or an unfinished checksum loses the datagram.
 */
class DaemonFragmentationTest {
    private static final int PORT = 7007;
    private static RouterTopology topo;
    private static DaemonProcess daemon;

    @BeforeAll
    static void start() throws Exception {
        Netns.assumeRoot();
        topo = new RouterTopology("frag");
        topo.netns.ip(topo.router, "link", "set", "r1", "mtu", "1000");
        topo.netns.ip(topo.server1, "link", "set", "s1", "mtu", "1000");
        topo.netns.exec(topo.client, "sysctl", "-qw", "net.ipv4.ip_no_pmtu_disc=1");
        daemon = new DaemonProcess(topo.router, List.of(
                "port add dev r0 mode copy",
                "port add dev r1 mode copy",
                "route add 10.0.1.0/24 via " + RouterTopology.CLIENT4 + " dev r0",
                "route add " + RouterTopology.ANYCAST4 + "/32 via " + RouterTopology.SERVER1_4 + " dev r1"));
        daemon.awaitServing();
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (topo != null) {
            topo.close();
        }
    }

    @Test
    void udpDatagramsLargerThanTheEgressMtuArriveWhole() throws Exception {
        try (DatagramSocket sink = topo.netns.call(topo.server1, () -> new DatagramSocket(
                new InetSocketAddress(InetAddress.getByName(RouterTopology.ANYCAST4), PORT)));
             DatagramSocket client = topo.netns.call(topo.client, DatagramSocket::new)) {
            sink.setSoTimeout(200);
            InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(RouterTopology.ANYCAST4), PORT);
            byte[] buf = new byte[65536];
            // Until the daemon has resolved server1 (the kernel does it on its request), small datagrams are lost.
            long deadline = System.nanoTime() + 30_000_000_000L;
            boolean through = false;
            while (!through && System.nanoTime() < deadline) {
                client.send(new DatagramPacket(new byte[] {1}, 1, server));
                through = receive(sink, buf) == 1;
            }
            assertTrue(through, "no small datagram went through in 30 s\n" + daemon.output());
            while (receive(sink, buf) >= 0) {
                // the other small datagrams still on their way
            }
            for (int size : new int[] {1400, 2800, 1400 - 8}) {
                byte[] datagram = new byte[size];
                for (int i = 0; i < size; i++) {
                    datagram[i] = (byte) (i * 31 + size);
                }
                client.send(new DatagramPacket(datagram, size, server));
                int n = receive(sink, buf);
                int wait = 0;
                while (n < 0 && wait++ < 10) {
                    n = receive(sink, buf);
                }
                assertEquals(size, n, "datagram of " + size + " bytes\n" + daemon.output());
                assertArrayEquals(datagram, Arrays.copyOf(buf, n), "datagram of " + size + " bytes");
            }
        }
        assertEquals(0, topo.nstat(topo.server1, "UdpInCsumErrors"), "server1 dropped datagrams with bad checksums");
        assertTrue(topo.nstat(topo.server1, "IpReasmOKs") >= 3, "server1 reassembled the datagrams");
    }

    /** One datagram's length, or -1 when none arrived within the socket's timeout. */
    private static int receive(DatagramSocket s, byte[] buf) throws java.io.IOException {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            s.receive(p);
            return p.getLength();
        } catch (SocketTimeoutException e) {
            return -1;
        }
    }
}
