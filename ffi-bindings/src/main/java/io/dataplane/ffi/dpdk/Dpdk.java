package io.dataplane.ffi.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The downcalls into DPDK and its shim, one static final handle each so the JIT can inline them.
 * Hot-path calls (bursts, bulk alloc/free) are linked {@code critical}: they are short, never block
 * and never call back into Java, and critical calls may take heap arrays, which lets a burst write
 * its descriptors straight into a {@code PacketBatch}'s arrays.
 *
 * <p>Touching this class loads the shim: go through {@link Eal} (which checks
 * {@link DpdkLibrary#lookup()} first and reports a missing install cleanly), not here directly.
 *
 * <p>DPDK's {@code uint16_t} port, queue and descriptor counts are passed as Java {@code short}s.
 */
public final class Dpdk {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = DpdkLibrary.lookup();
    private static final Linker.Option CRITICAL = Linker.Option.critical(true);

    private Dpdk() {}

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIB.find(name).orElseThrow(() -> new DpdkException(
                "symbol " + name + " not found in the DPDK shim or the DPDK libraries it links; the installed DPDK ("
                        + "expected 22.11) does not match the shim: reinstall '" + DpdkLibrary.PACKAGES
                        + "' and rebuild (mvn package)"));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    // ---- EAL, errors, threads (exported by DPDK) ----
    private static final MethodHandle EAL_INIT = fn("rte_eal_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle STRERROR = fn("rte_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle VDEV_INIT = fn("rte_vdev_init", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle VDEV_UNINIT = fn("rte_vdev_uninit", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle DEV_PROBE = fn("rte_dev_probe", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    // ---- ethdev (exported by DPDK) ----
    private static final MethodHandle PORT_BY_NAME = fn("rte_eth_dev_get_port_by_name",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle DEV_CONFIGURE = fn("rte_eth_dev_configure",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle RX_QUEUE_SETUP = fn("rte_eth_rx_queue_setup",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle TX_QUEUE_SETUP = fn("rte_eth_tx_queue_setup",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_INT, ADDRESS));
    private static final MethodHandle DEV_START = fn("rte_eth_dev_start", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    private static final MethodHandle DEV_STOP = fn("rte_eth_dev_stop", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    private static final MethodHandle DEV_CLOSE = fn("rte_eth_dev_close", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    private static final MethodHandle GET_MTU = fn("rte_eth_dev_get_mtu", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle PROMISCUOUS_ENABLE = fn("rte_eth_promiscuous_enable",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    private static final MethodHandle DEV_SOCKET_ID = fn("rte_eth_dev_socket_id", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));

    // ---- mempool (exported by DPDK) ----
    private static final MethodHandle PKTMBUF_POOL_CREATE = fn("rte_pktmbuf_pool_create",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_INT));
    private static final MethodHandle MEMPOOL_FREE = fn("rte_mempool_free", FunctionDescriptor.ofVoid(ADDRESS));

    // ---- shim: identity, layout, errno, threads ----
    private static final MethodHandle VERSION = fn("dpshim_version", FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle PMD_PATH = fn("dpshim_pmd_path", FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle ERRNO = fn("dpshim_errno", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle THREAD_REGISTER = fn("dpshim_thread_register", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle THREAD_UNREGISTER = fn("dpshim_thread_unregister", FunctionDescriptor.ofVoid());
    private static final MethodHandle LCORE_ID = fn("dpshim_lcore_id", FunctionDescriptor.of(JAVA_INT), CRITICAL);

    // ---- shim: hot path ----
    private static final MethodHandle RX_BURST_DESC = fn("dpshim_rx_burst_desc",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS),
            CRITICAL);
    private static final MethodHandle TX_BURST_DESC = fn("dpshim_tx_burst_desc",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), CRITICAL);
    private static final MethodHandle RX_BURST = fn("dpshim_rx_burst",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CRITICAL);
    private static final MethodHandle TX_BURST = fn("dpshim_tx_burst",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CRITICAL);
    private static final MethodHandle MBUF_ALLOC_BULK = fn("dpshim_mbuf_alloc_bulk",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), CRITICAL);
    private static final MethodHandle MBUF_FREE_BULK = fn("dpshim_mbuf_free_bulk",
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT), CRITICAL);
    private static final MethodHandle MBUF_FREE = fn("dpshim_mbuf_free", FunctionDescriptor.ofVoid(JAVA_LONG), CRITICAL);

    // ---- shim: single mbuf (control path, tests) ----
    private static final MethodHandle MBUF_DATA = fn("dpshim_mbuf_data", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MBUF_DATA_LEN = fn("dpshim_mbuf_data_len", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MBUF_PKT_LEN = fn("dpshim_mbuf_pkt_len", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MBUF_APPEND = fn("dpshim_mbuf_append", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MEMPOOL_AVAIL = fn("dpshim_mempool_avail", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /** Layout getters are called once, at class initialisation of {@link MbufLayout}. */
    static long layoutValue(String getter) {
        try {
            return (long) fn(getter, FunctionDescriptor.of(JAVA_LONG)).invokeExact();
        } catch (Throwable t) {
            throw fail(getter, t);
        }
    }

    private static RuntimeException fail(String what, Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(what + " failed", t);
    }

    // ---------------------------------------------------------------------------------------------
    // Control path

    public static int ealInit(int argc, MemorySegment argv) {
        try {
            return (int) EAL_INIT.invokeExact(argc, argv);
        } catch (Throwable t) {
            throw fail("rte_eal_init", t);
        }
    }

    /** DPDK's text for an error number (rte_errno values include DPDK-specific ones). */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw fail("rte_strerror", t);
        }
    }

    /** The calling thread's rte_errno, meaningful right after a DPDK call that failed. */
    public static int errno() {
        try {
            return (int) ERRNO.invokeExact();
        } catch (Throwable t) {
            throw fail("rte_errno", t);
        }
    }

    public static int vdevInit(MemorySegment name, MemorySegment args) {
        try {
            return (int) VDEV_INIT.invokeExact(name, args);
        } catch (Throwable t) {
            throw fail("rte_vdev_init", t);
        }
    }

    public static int vdevUninit(MemorySegment name) {
        try {
            return (int) VDEV_UNINIT.invokeExact(name);
        } catch (Throwable t) {
            throw fail("rte_vdev_uninit", t);
        }
    }

    public static int devProbe(MemorySegment devargs) {
        try {
            return (int) DEV_PROBE.invokeExact(devargs);
        } catch (Throwable t) {
            throw fail("rte_dev_probe", t);
        }
    }

    /** Writes the ethdev port id of {@code name} to the u16 at {@code portId}; 0 or a negative errno. */
    public static int portByName(MemorySegment name, MemorySegment portId) {
        try {
            return (int) PORT_BY_NAME.invokeExact(name, portId);
        } catch (Throwable t) {
            throw fail("rte_eth_dev_get_port_by_name", t);
        }
    }

    public static int devConfigure(short port, short rxQueues, short txQueues, MemorySegment ethConf) {
        try {
            return (int) DEV_CONFIGURE.invokeExact(port, rxQueues, txQueues, ethConf);
        } catch (Throwable t) {
            throw fail("rte_eth_dev_configure", t);
        }
    }

    public static int rxQueueSetup(short port, short queue, short descriptors, int socket, MemorySegment pool) {
        try {
            return (int) RX_QUEUE_SETUP.invokeExact(port, queue, descriptors, socket, MemorySegment.NULL, pool);
        } catch (Throwable t) {
            throw fail("rte_eth_rx_queue_setup", t);
        }
    }

    public static int txQueueSetup(short port, short queue, short descriptors, int socket) {
        try {
            return (int) TX_QUEUE_SETUP.invokeExact(port, queue, descriptors, socket, MemorySegment.NULL);
        } catch (Throwable t) {
            throw fail("rte_eth_tx_queue_setup", t);
        }
    }

    public static int devStart(short port) {
        try {
            return (int) DEV_START.invokeExact(port);
        } catch (Throwable t) {
            throw fail("rte_eth_dev_start", t);
        }
    }

    public static int devStop(short port) {
        try {
            return (int) DEV_STOP.invokeExact(port);
        } catch (Throwable t) {
            throw fail("rte_eth_dev_stop", t);
        }
    }

    public static int devClose(short port) {
        try {
            return (int) DEV_CLOSE.invokeExact(port);
        } catch (Throwable t) {
            throw fail("rte_eth_dev_close", t);
        }
    }

    /** Writes the port's MTU to the u16 at {@code mtu}; 0 or a negative errno. */
    public static int getMtu(short port, MemorySegment mtu) {
        try {
            return (int) GET_MTU.invokeExact(port, mtu);
        } catch (Throwable t) {
            throw fail("rte_eth_dev_get_mtu", t);
        }
    }

    public static int promiscuousEnable(short port) {
        try {
            return (int) PROMISCUOUS_ENABLE.invokeExact(port);
        } catch (Throwable t) {
            throw fail("rte_eth_promiscuous_enable", t);
        }
    }

    public static int devSocketId(short port) {
        try {
            return (int) DEV_SOCKET_ID.invokeExact(port);
        } catch (Throwable t) {
            throw fail("rte_eth_dev_socket_id", t);
        }
    }

    /** A pktmbuf pool, or NULL with rte_errno set. */
    public static MemorySegment pktmbufPoolCreate(MemorySegment name, int mbufs, int cache, short privSize,
                                                  short dataRoom, int socket) {
        try {
            return (MemorySegment) PKTMBUF_POOL_CREATE.invokeExact(name, mbufs, cache, privSize, dataRoom, socket);
        } catch (Throwable t) {
            throw fail("rte_pktmbuf_pool_create", t);
        }
    }

    public static void mempoolFree(MemorySegment pool) {
        try {
            MEMPOOL_FREE.invokeExact(pool);
        } catch (Throwable t) {
            throw fail("rte_mempool_free", t);
        }
    }

    public static int mempoolAvailable(MemorySegment pool) {
        try {
            return (int) MEMPOOL_AVAIL.invokeExact(pool);
        } catch (Throwable t) {
            throw fail("rte_mempool_avail_count", t);
        }
    }

    public static String version() {
        try {
            return ((MemorySegment) VERSION.invokeExact()).reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw fail("rte_version", t);
        }
    }

    /** The directory EAL loads drivers (PMDs) from. */
    public static String pmdPath() {
        try {
            return ((MemorySegment) PMD_PATH.invokeExact()).reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw fail("RTE_EAL_PMD_PATH", t);
        }
    }

    /** Gives the calling thread an lcore id (idempotent); returns it, or a negative rte_errno. */
    public static int threadRegister() {
        try {
            return (int) THREAD_REGISTER.invokeExact();
        } catch (Throwable t) {
            throw fail("rte_thread_register", t);
        }
    }

    public static void threadUnregister() {
        try {
            THREAD_UNREGISTER.invokeExact();
        } catch (Throwable t) {
            throw fail("rte_thread_unregister", t);
        }
    }

    /** The calling thread's lcore id, or -1 when it has none. */
    public static int lcoreId() {
        try {
            return (int) LCORE_ID.invokeExact();
        } catch (Throwable t) {
            throw fail("rte_lcore_id", t);
        }
    }

    public static long mbufData(long mbuf) {
        try {
            return (long) MBUF_DATA.invokeExact(mbuf);
        } catch (Throwable t) {
            throw fail("rte_pktmbuf_mtod", t);
        }
    }

    public static int mbufDataLength(long mbuf) {
        try {
            return (int) MBUF_DATA_LEN.invokeExact(mbuf);
        } catch (Throwable t) {
            throw fail("rte_pktmbuf_data_len", t);
        }
    }

    public static int mbufPacketLength(long mbuf) {
        try {
            return (int) MBUF_PKT_LEN.invokeExact(mbuf);
        } catch (Throwable t) {
            throw fail("rte_pktmbuf_pkt_len", t);
        }
    }

    /** Grows the frame by {@code length} bytes at its end; returns their address, or 0 when it has no room. */
    public static long mbufAppend(long mbuf, int length) {
        try {
            return (long) MBUF_APPEND.invokeExact(mbuf, length);
        } catch (Throwable t) {
            throw fail("rte_pktmbuf_append", t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Hot path: no allocation, no exceptions in practice (the catch only guards against a broken link).

    /**
     * Receives up to {@code n} frames into parallel arrays from index {@code start}: mbuf pointers
     * into {@code handle}, absolute data addresses into {@code data}, lengths into {@code length}.
     * Chained frames are freed and counted in the u64 at {@code dropped}. Returns frames written.
     */
    public static int rxBurstDescriptors(int port, int queue, MemorySegment handle, MemorySegment data,
                                         MemorySegment length, int start, int n, MemorySegment dropped) {
        try {
            return (int) RX_BURST_DESC.invokeExact(port, queue, handle, data, length, start, n, dropped);
        } catch (Throwable t) {
            throw fail("rx burst", t);
        }
    }

    /**
     * Sets each mbuf's data start and length from the descriptors, then transmits; returns how many
     * the device took (the first ones; the rest stay the caller's).
     */
    public static int txBurstDescriptors(int port, int queue, MemorySegment handle, MemorySegment data,
                                         MemorySegment length, int n) {
        try {
            return (int) TX_BURST_DESC.invokeExact(port, queue, handle, data, length, n);
        } catch (Throwable t) {
            throw fail("tx burst", t);
        }
    }

    public static int rxBurst(int port, int queue, MemorySegment mbufs, int n) {
        try {
            return (int) RX_BURST.invokeExact(port, queue, mbufs, n);
        } catch (Throwable t) {
            throw fail("rte_eth_rx_burst", t);
        }
    }

    public static int txBurst(int port, int queue, MemorySegment mbufs, int n) {
        try {
            return (int) TX_BURST.invokeExact(port, queue, mbufs, n);
        } catch (Throwable t) {
            throw fail("rte_eth_tx_burst", t);
        }
    }

    /** Allocates {@code n} reset mbufs into the pointer array; 0, or a negative errno when the pool is short. */
    public static int mbufAllocBulk(MemorySegment pool, MemorySegment mbufs, int n) {
        try {
            return (int) MBUF_ALLOC_BULK.invokeExact(pool, mbufs, n);
        } catch (Throwable t) {
            throw fail("rte_pktmbuf_alloc_bulk", t);
        }
    }

    public static void mbufFreeBulk(MemorySegment mbufs, int n) {
        try {
            MBUF_FREE_BULK.invokeExact(mbufs, n);
        } catch (Throwable t) {
            throw fail("rte_pktmbuf_free_bulk", t);
        }
    }

    public static void mbufFree(long mbuf) {
        try {
            MBUF_FREE.invokeExact(mbuf);
        } catch (Throwable t) {
            throw fail("rte_pktmbuf_free", t);
        }
    }
}
