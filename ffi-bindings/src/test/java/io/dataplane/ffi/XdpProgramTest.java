package io.dataplane.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the hand-assembled program in the kernel with BPF_PROG_TEST_RUN. The program is loaded with
 * XDP_TX as the empty-slot action so that "would go to the socket" (3) and "goes to the kernel"
 * (XDP_PASS, 2) are distinguishable without a socket in the map.
 */
class XdpProgramTest {
    private static final int TO_SOCKET = Bpf.XDP_TX;

    @BeforeEach
    void root() {
        Privileges.assumeRoot();
    }

    @Test
    void transitGoesToTheSocketAndEverythingTheKernelNeedsIsPassed() throws Exception {
        try (XdpProgram p = XdpProgram.load("test", 4, TO_SOCKET)) {
            p.addLocalAddress(InetAddress.getByName("10.0.0.1"));
            p.addLocalAddress(InetAddress.getByName("10.0.0.255"));
            p.addLocalAddress(InetAddress.getByName("2001:db8::1"));

            assertEquals(TO_SOCKET, p.testRun(Frames.ipv4("10.0.0.2", "198.51.100.7", 18)), "IPv4 transit");
            assertEquals(TO_SOCKET, p.testRun(Frames.ipv6("2001:db8::2", "fc00::1", 18)), "IPv6 transit");
            assertEquals(TO_SOCKET, p.testRun(Frames.ipv6("2001:db8::2", "fe00::1", 18)), "fe00::/9 is not link-local");
            assertEquals(Bpf.XDP_PASS, p.testRun(Frames.arp()), "ARP");
            assertEquals(Bpf.XDP_PASS, p.testRun(Frames.ipv4("10.0.0.2", "10.0.0.1", 18)), "own IPv4 address");
            assertEquals(Bpf.XDP_PASS, p.testRun(Frames.ipv4("10.0.0.2", "10.0.0.255", 18)), "own subnet broadcast");
            assertEquals(Bpf.XDP_PASS, p.testRun(Frames.ipv4("10.0.0.2", "255.255.255.255", 18)), "broadcast");
            assertEquals(Bpf.XDP_PASS, p.testRun(Frames.ipv4("10.0.0.2", "224.0.0.5", 18)), "IPv4 multicast");
            assertEquals(Bpf.XDP_PASS, p.testRun(Frames.ipv6("2001:db8::2", "2001:db8::1", 18)), "own IPv6 address");
            assertEquals(Bpf.XDP_PASS, p.testRun(Frames.ipv6("fe80::2", "ff02::1:ff00:1", 18)), "ND solicitation");
            assertEquals(Bpf.XDP_PASS, p.testRun(Frames.ipv6("fe80::2", "fe80::1", 18)), "link-local (ND advert)");
            byte[] shortV4 = Arrays.copyOf(Frames.ipv4("10.0.0.2", "198.51.100.7", 18), 30);
            assertEquals(Bpf.XDP_PASS, p.testRun(shortV4), "truncated IPv4 header goes to the kernel");

            p.removeLocalAddress(InetAddress.getByName("10.0.0.1"));
            assertEquals(TO_SOCKET, p.testRun(Frames.ipv4("10.0.0.2", "10.0.0.1", 18)), "removed local address");
        }
    }

    @Test
    void unclaimedQueueFallsBackToTheKernel() {
        try (XdpProgram p = XdpProgram.load("test", 4, Bpf.XDP_PASS)) {
            assertEquals(Bpf.XDP_PASS, p.testRun(Frames.ipv4("10.0.0.2", "198.51.100.7", 18)));
        }
    }

    @Test
    void verifierLogIsInTheException() {
        byte[] noReturnValue = {(byte) 0x95, 0, 0, 0, 0, 0, 0, 0}; // exit without setting r0
        NativeException e = assertThrows(NativeException.class,
                () -> Bpf.progLoad(Bpf.PROG_TYPE_XDP, noReturnValue, "GPL", "bad"));
        assertTrue(e.getMessage().startsWith("bpf(BPF_PROG_LOAD)(bad"), e.getMessage());
        assertTrue(e.getMessage().contains("R0 !read_ok"), e.getMessage());
        assertEquals(Errno.EACCES, e.errno());
    }
}
