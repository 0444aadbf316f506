package io.dataplane.ffi.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EalTest {
    @Test
    void startsOnceAndRefusesASecondStartSayingWhatToDo() {
        Eal eal = TestEal.eal();
        DpdkException e = assertThrows(DpdkException.class, () -> Eal.start(EalOptions.NO_HUGEPAGES));
        assertTrue(e.getMessage().contains("already started"), e.getMessage());
        assertTrue(e.getMessage().contains("restart the dataplane"), e.getMessage());
        assertSame(eal, Eal.current().orElseThrow(), "the running EAL is untouched by the refused start");
        assertTrue(eal.version().startsWith("DPDK"), eal.version());
    }

    @Test
    void mapsLcoreZeroToAllowedCpusWhenOptionsChooseNone() {
        Eal eal = TestEal.eal();
        assertTrue(eal.argv().stream().anyMatch(a -> a.startsWith("--lcores=0@(")), eal.argv().toString());
    }

    @Test
    void registersAWorkerThreadOnceWithItsOwnLcore() throws Exception {
        Eal eal = TestEal.eal();
        AtomicInteger first = new AtomicInteger(-2);
        AtomicInteger second = new AtomicInteger(-2);
        AtomicInteger afterUnregister = new AtomicInteger(-2);
        Thread t = Thread.ofPlatform().start(() -> {
            first.set(eal.registerCurrentThread());
            second.set(eal.registerCurrentThread());
            eal.unregisterCurrentThread();
            afterUnregister.set(Dpdk.lcoreId());
        });
        t.join();
        assertTrue(first.get() > 0 && first.get() < MbufLayout.MAX_LCORE, "lcore " + first.get());
        assertEquals(first.get(), second.get(), "registering twice keeps the lcore");
        assertEquals(-1, afterUnregister.get());
    }

    @Test
    void unknownVdevDriverNamesTheInstalledDrivers() {
        TestEal.eal();
        DpdkException e = assertThrows(DpdkException.class, () -> EthDev.probeVdev("net_nosuchdriver0"));
        assertTrue(e.getMessage().contains("no DPDK driver matches 'net_nosuchdriver0'"), e.getMessage());
        assertTrue(e.getMessage().contains("net_ring"), e.getMessage());
    }

    @Test
    void vdevDriverFailureSaysToCheckItsArguments() {
        TestEal.eal();
        DpdkException e = assertThrows(DpdkException.class,
                () -> EthDev.probeVdev("net_af_packet9,iface=no-such-if0"));
        assertTrue(e.getMessage().contains("check its arguments") || e.getMessage().contains("Check its arguments"),
                e.getMessage());
    }

    @Test
    void malformedVdevNameIsRejectedBeforeDpdkSeesIt() {
        TestEal.eal();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EthDev.probeVdev("net ring0"));
        assertTrue(e.getMessage().contains("driver name"), e.getMessage());
    }

    @Test
    void badPciAddressesAreRejectedWithTheExpectedForm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EthDev.normalisePci("03:00"));
        assertTrue(e.getMessage().contains("[DDDD:]BB:DD.F"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EthDev.normalisePci("0000:03:00.8"));
        assertThrows(IllegalArgumentException.class, () -> EthDev.normalisePci("zz:00.0"));
        assertEquals("0000:03:00.1", EthDev.normalisePci("03:00.1"));
        assertEquals("0001:af:1f.7", EthDev.normalisePci("0001:AF:1f.7"));
    }

    @Test
    void pciPortWhileStartedWithNoPciSaysToRemoveTheOption() {
        TestEal.eal();
        DpdkException e = assertThrows(DpdkException.class, () -> EthDev.probePci("0000:00:1f.7"));
        assertTrue(e.getMessage().contains("--no-pci"), e.getMessage());
    }

    @Test
    void missingShimNamesTheDebianPackages() {
        DpdkException e = assertThrows(DpdkException.class,
                () -> DpdkLibrary.load(Path.of("/nonexistent/libdataplane_dpdk_shim.so")));
        assertTrue(e.getMessage().contains("apt-get install dpdk libdpdk-dev"), e.getMessage());
    }

    @Test
    void ealOptionsRejectWhatDpdkWouldMisreport() {
        IllegalArgumentException inMemory = assertThrows(IllegalArgumentException.class,
                () -> EalOptions.parse("--no-huge --in-memory"));
        assertTrue(inMemory.getMessage().contains("--no-shconf"), inMemory.getMessage());
        IllegalArgumentException vdev = assertThrows(IllegalArgumentException.class,
                () -> EalOptions.parse("--no-huge --vdev net_null0"));
        assertTrue(vdev.getMessage().contains("port add dev NAME type dpdk vdev SPEC"), vdev.getMessage());
        assertEquals("dpdk eal --no-huge -m 256", EalOptions.parse("  --no-huge   -m 256 ").toString());
        assertTrue(EalOptions.parse("-l 1").choosesLcores());
        assertTrue(EalOptions.parse("--lcores=0@1").choosesLcores());
        assertTrue(!EalOptions.NO_HUGEPAGES.choosesLcores());
    }

    @Test
    void layoutComesFromTheShim() {
        TestEal.eal();
        assertTrue(MbufLayout.SIZE >= 128, "rte_mbuf is two cache lines, was " + MbufLayout.SIZE);
        assertEquals(0, MbufLayout.BUF_ADDR);
        assertTrue(MbufLayout.DATA_LEN > MbufLayout.DATA_OFF);
        assertEquals(128, MbufLayout.HEADROOM);
    }
}
