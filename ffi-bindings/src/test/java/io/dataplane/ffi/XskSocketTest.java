package io.dataplane.ffi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AF_XDP sockets over a veth pair in a private namespace: copy mode, shared UMEM, RX and TX. */
class XskSocketTest {
    private static final String NS = "dpt-xsk-" + ProcessHandle.current().pid();
    private static final int CHUNK = 4096;
    private static final int FRAMES = 64;

    @BeforeAll
    static void namespace() {
        Privileges.assumeRoot();
        Shell.run("ip", "netns", "add", NS);
        Shell.run("ip", "-n", NS, "link", "add", "va", "type", "veth", "peer", "name", "vb");
        Shell.run("ip", "-n", NS, "link", "set", "va", "up");
        Shell.run("ip", "-n", NS, "link", "set", "vb", "up");
    }

    @AfterAll
    static void removeNamespace() {
        Shell.quiet("ip", "netns", "del", NS);
    }

    @Test
    void zeroCopyOnVethIsRefusedWithAnActionableMessage() {
        NetNamespace.call(NS, () -> {
            MemorySegment umem = Libc.mmap((long) CHUNK * FRAMES, Libc.PROT_READ | Libc.PROT_WRITE,
                    Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0, "test umem");
            try {
                NativeException e = assertThrows(NativeException.class, () -> XskSocket.open("va",
                        Libc.ifNameToIndex("va"), 0, umem, CHUNK, 0, null, 64, XskSocket.Mode.ZEROCOPY));
                assertEquals(Errno.EOPNOTSUPP, e.errno());
                assertTrue(e.getMessage().contains("use mode copy or auto"), e.getMessage());
            } finally {
                Libc.munmap(umem);
            }
            return null;
        });
    }

    @Test
    void frameSentFromOneSocketArrivesAtTheOtherThroughTheXdpProgram() {
        NetNamespace.call(NS, () -> {
            MemorySegment umem = Libc.mmap((long) CHUNK * FRAMES, Libc.PROT_READ | Libc.PROT_WRITE,
                    Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0, "test umem");
            try (XdpProgram prog = XdpProgram.load("va", 1, Bpf.XDP_PASS);
                 XskSocket a = XskSocket.open("va", Libc.ifNameToIndex("va"), 0, umem, CHUNK, 0, null, 64,
                         XskSocket.Mode.AUTO);
                 XskSocket b = XskSocket.open("vb", Libc.ifNameToIndex("vb"), 0, umem, CHUNK, 0, a, 64,
                         XskSocket.Mode.AUTO)) {
                assertFalse(a.zeroCopy(), "veth has no zero-copy; AUTO must fall back to copy");
                prog.attach(Libc.ifNameToIndex("va"), 0);
                prog.setSocket(0, a.fd());

                XskRing fill = a.fill();
                assertEquals(16, fill.free(16));
                for (int i = 0; i < 16; i++) {
                    fill.putAddress(i, (long) i * CHUNK);
                }
                fill.submit(16);

                byte[] frame = Frames.ipv4("10.1.0.2", "198.51.100.9", 100);
                long txAddr = 32L * CHUNK;
                MemorySegment.copy(frame, 0, umem, ValueLayout.JAVA_BYTE, txAddr, frame.length);
                XskRing tx = b.tx();
                assertEquals(1, tx.free(1));
                tx.putDescriptor(0, txAddr, frame.length);
                tx.submit(1);
                assertTrue(tx.needsWakeup(), "the kernel asks for the first TX kick");
                int rc = b.kickTx();
                assertTrue(rc == 0 || rc == -Errno.EAGAIN, "kick rc " + rc);

                XskRing rx = a.rx();
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (rx.available(1) == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertEquals(1, rx.available(8));
                long addr = rx.address(0);
                int len = rx.descriptorLength(0);
                assertEquals(frame.length, len);
                assertTrue(addr / CHUNK < 16, "received into a chunk we put on the fill ring, addr " + addr);
                byte[] got = new byte[len];
                MemorySegment.copy(umem, ValueLayout.JAVA_BYTE, addr, got, 0, len);
                assertArrayEquals(frame, got);
                rx.release(1);

                XskRing comp = b.completion();
                deadline = System.nanoTime() + 1_000_000_000L;
                while (comp.available(1) == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertEquals(1, comp.available(8));
                assertEquals(txAddr, comp.address(0), "completion returns exactly the TX address");
                comp.release(1);

                long[] stats = new long[XskSocket.STATISTICS_COUNT];
                assertEquals(XskSocket.STATISTICS_COUNT, a.statistics(stats));
                assertEquals(0, stats[0], "rx_dropped");
            } finally {
                Libc.munmap(umem);
            }
            return null;
        });
    }
}
