package io.dataplane.ffi.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Two DPDK ethdev ports joined back to back by a pair of rings, like a cable: what one end
 * transmits the other receives. Built with the net_ring driver's {@code rte_eth_from_rings}, so
 * both ends are ordinary ethdevs that a {@code DpdkPort} (type dpdk ethdev NAME) or a test can
 * open by name. Used to run the transport-agnostic forwarding tests over DPDK, with the test
 * playing the far end.
 */
public final class RingCable implements AutoCloseable {
    private static final int RING_F_SP_ENQ = 1;
    private static final int RING_F_SC_DEQ = 2;

    private final String endA;
    private final String endB;
    private final MemorySegment ringAtoB;
    private final MemorySegment ringBtoA;
    private boolean closed;

    private RingCable(String endA, String endB, MemorySegment ringAtoB, MemorySegment ringBtoA) {
        this.endA = endA;
        this.endB = endB;
        this.ringAtoB = ringAtoB;
        this.ringBtoA = ringBtoA;
    }

    /**
     * Creates ethdevs {@code net_ring_<endA>} and {@code net_ring_<endB>} (see {@link #endA()}) joined by two single-producer single-consumer
     * rings of {@code size} slots (a power of two; one thread per end).
     */
    public static RingCable create(String endA, String endB, int size) {
        Eal.require();
        if (size < 64 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring cable size must be a power of two >= 64, was " + size);
        }
        MemorySegment ab = ring(endA + "_tx", size);
        MemorySegment ba = ring(endB + "_tx", size);
        fromRings(endA, ba, ab);
        fromRings(endB, ab, ba);
        // rte_eth_from_rings names the device after the driver, so net_ring's vdev matching finds it.
        return new RingCable("net_ring_" + endA, "net_ring_" + endB, ab, ba);
    }

    private static MemorySegment ring(String name, int size) {
        MemorySegment r;
        try (Arena arena = Arena.ofConfined()) {
            r = (MemorySegment) Handles.RING_CREATE.invokeExact(arena.allocateFrom(name), size, -1,
                    RING_F_SP_ENQ | RING_F_SC_DEQ);
        } catch (Throwable t) {
            throw new DpdkException("rte_ring_create failed", t);
        }
        if (r.equals(MemorySegment.NULL)) {
            throw new DpdkException("cannot create ring " + name + ": " + Dpdk.strerror(Dpdk.errno())
                    + " (a ring of that name exists, or DPDK memory is short: raise -m)");
        }
        return r;
    }

    private static void fromRings(String name, MemorySegment rx, MemorySegment tx) {
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rxs = arena.allocate(ADDRESS);
            rxs.set(ADDRESS, 0, rx);
            MemorySegment txs = arena.allocate(ADDRESS);
            txs.set(ADDRESS, 0, tx);
            rc = (int) Handles.ETH_FROM_RINGS.invokeExact(arena.allocateFrom(name), rxs, 1, txs, 1, 0);
        } catch (Throwable t) {
            throw new DpdkException("rte_eth_from_rings failed", t);
        }
        if (rc < 0) {
            throw new DpdkException("cannot create ring ethdev " + name + ": " + Dpdk.strerror(Dpdk.errno())
                    + " (the name may be in use)");
        }
    }

    /** The DPDK name of one end's ethdev. */
    public String endA() {
        return endA;
    }

    /** The DPDK name of the other end's ethdev. */
    public String endB() {
        return endB;
    }

    /** Removes both ethdevs (their users must have closed them) and frees the rings. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena arena = Arena.ofConfined()) {
            Dpdk.vdevUninit(arena.allocateFrom(endA));
            Dpdk.vdevUninit(arena.allocateFrom(endB));
        }
        try {
            Handles.RING_FREE.invokeExact(ringAtoB);
            Handles.RING_FREE.invokeExact(ringBtoA);
        } catch (Throwable t) {
            throw new DpdkException("rte_ring_free failed", t);
        }
    }

    /** Resolved on first use: rte_eth_from_rings lives in the net_ring driver, which EAL loaded as a plugin. */
    private static final class Handles {
        private static final Linker LINKER = Linker.nativeLinker();
        // dlopen of the plugin EAL already loaded returns that same instance (no second driver registration).
        private static final SymbolLookup NET_RING = SymbolLookup.libraryLookup(
                Path.of(Dpdk.pmdPath(), "librte_net_ring.so.23"), Arena.global());
        static final MethodHandle ETH_FROM_RINGS = LINKER.downcallHandle(
                NET_RING.find("rte_eth_from_rings").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle RING_CREATE = LINKER.downcallHandle(
                DpdkLibrary.lookup().find("rte_ring_create").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle RING_FREE = LINKER.downcallHandle(
                DpdkLibrary.lookup().find("rte_ring_free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
    }
}
