package io.dataplane.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The configuration surface alone: no DPDK needed. */
class DpdkPortConfigTest {
    @Test
    void printsTheLineThatGivesIt() {
        assertEquals("port add dev eth1 type dpdk vdev net_af_xdp0,iface=eth1",
                DpdkPortConfig.vdev("eth1", "net_af_xdp0,iface=eth1").toString());
        assertEquals("port add dev p0 type dpdk pci 0000:03:00.0 burst 64",
                DpdkPortConfig.pci("p0", "03:00.0").withBurst(64).toString());
    }

    @Test
    void rejectsBadValuesSayingWhatIsExpected() {
        assertMessage("[DDDD:]BB:DD.F", () -> DpdkPortConfig.pci("p0", "3:0.0"));
        assertMessage("DRIVERn[,key=value...]", () -> DpdkPortConfig.vdev("p0", "net ring0"));
        assertMessage("power of two", () -> DpdkPortConfig.vdev("p0", "net_ring0").withRings(1000, 1024));
        assertMessage("burst must be 1..256", () -> DpdkPortConfig.vdev("p0", "net_ring0").withBurst(0));
        assertMessage("use at least", () -> DpdkPortConfig.vdev("p0", "net_ring0").withMbufs(1024));
        assertMessage("1-15 letters", () -> DpdkPortConfig.vdev("a-name-far-too-long", "net_ring0"));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
