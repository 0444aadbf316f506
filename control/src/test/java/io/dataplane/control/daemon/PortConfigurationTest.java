package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.Reply;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.rib.Rib;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The port grammar in a configuration file: read in the file's one batch, registered in the RIB, refused on the socket. */
class PortConfigurationTest {
    /** The grammar's whole CPU range, so these tests do not depend on the machine's CPU count. */
    private final PortConfiguration config = new PortConfiguration(new UsableCpus(allCpus()));
    private final ControlPlane plane = new ControlPlane(new Rib(64, 16), null, config);

    @Test
    void portSpecKeepsAfXdpAndDpdkOptionsForOtherPortTypes() {
        plane.loadConfiguration(List.of(
                "port add dev eth0 queues 4 mode zerocopy cpu 2",
                "port add dev dp0 type dpdk vdev net_tap0,iface=dtap0 cpu 3 rx-ring 512 burst 64",
                "port add dev dp1 type dpdk pci 0000:03:00.0",
                "dpdk eal --no-huge -m 512"), "ports.conf");
        var ports = plane.rib().ports();
        assertEquals(PortSpec.Type.AFXDP, config.spec(ports.get(0)).type());
        assertEquals(4, config.spec(ports.get(0)).queues());
        assertEquals(io.dataplane.ffi.XskSocket.Mode.ZEROCOPY, config.spec(ports.get(0)).mode());
        assertEquals(2, config.spec(ports.get(0)).cpu());
        assertEquals("port add dev dp0 type dpdk vdev net_tap0,iface=dtap0 rx-ring 512 burst 64", config.spec(ports.get(1)).dpdk().toString());
        assertEquals(io.dataplane.port.DpdkPortConfig.Device.PCI, config.spec(ports.get(2)).dpdk().device());
        assertEquals("0000:03:00.0", config.spec(ports.get(2)).dpdk().spec());
        assertEquals(List.of("--no-huge", "-m", "512"), config.dpdkEal().args());
    }

    @Test
    void theRibGetsTheNeutralPortAndWhatLinkShowTellsAboutIt() {
        plane.loadConfiguration(List.of(
                "port add dev p0 type memory",
                "port add dev p1 type memory mtu 9000 address 02:aa:00:00:00:02",
                "port add dev eth0 mode copy cpu 1"), "ports.conf");
        var ports = plane.rib().ports();
        assertEquals(new Rib.PortEntry(0, "p0", 0x02_00_00_00_00_01L, 1500, true, Map.of("type", "memory", "queues", 1)), ports.get(0));
        assertEquals(0x02_aa_00_00_00_02L, ports.get(1).mac());
        assertEquals(9000, ports.get(1).mtu());
        assertEquals(List.of("type", "mode", "queues", "cpu"), List.copyOf(ports.get(2).details().keySet()), "link show's order");
        assertEquals("copy", ports.get(2).details().get("mode"));
    }

    @Test
    void portsAndRoutesMayMixInOneFile() {
        plane.loadConfiguration(List.of(
                "port add dev p0 type memory",
                "route add 10.0.0.0/8 via 192.0.2.1 dev p0",
                "port add dev p1 type memory",
                "route add 10.1.0.0/16 via 192.0.2.2 dev p1"), "mixed.conf");
        assertEquals(2, plane.rib().ports().size());
        assertEquals(2, plane.rib().routeCount());
    }

    @Test
    void configurationWithABadPortLineNamesTheLineAndLoadsNothing() {
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev p0 type memory",
                "route add 10.0.0.0/8 via 192.0.2.1 dev p0",
                "port add dev p1 type memory queues 2"), "bad.conf"));
        assertTrue(ex.getMessage().startsWith("bad.conf:3: option 'queues' does not apply to port p1 (type memory)"), ex.getMessage());
        assertTrue(plane.rib().ports().isEmpty(), "the port of line 1 was rolled back with the batch");
        assertEquals(0, plane.rib().routeCount());
    }

    @Test
    void aPortIsDeclaredOnce() {
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev p0 type memory", "port add dev p0 type memory"), "twice.conf"));
        assertTrue(ex.getMessage().startsWith("twice.conf:2: port p0 is already declared"), ex.getMessage());
    }

    @Test
    void dpdkEalIsGivenOnce() {
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "dpdk eal --no-huge", "dpdk eal -m 512"), "eal.conf"));
        assertTrue(ex.getMessage().startsWith("eal.conf:2: 'dpdk eal' is given twice"), ex.getMessage());
    }

    @Test
    void dpdkPortOptionsAreValidatedByTheDpdkPortConfigAtConfigurationTime() {
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev dp0 type dpdk vdev net_null0 rx-ring 100"), "d.conf"));
        assertTrue(ex.getMessage().startsWith("d.conf:1: port dp0: rx-ring must be a power of two"), ex.getMessage());
    }

    @Test
    void afXdpRingsAreSizedPerPortAndWrittenBackToTheLine() {
        plane.loadConfiguration(List.of(
                "port add dev eth0 rx-ring 16384",
                "port add dev eth1 tx-ring 1024 rx-ring 8192",
                "port add dev eth2"), "rings.conf");
        var ports = plane.rib().ports();
        assertEquals(16384, config.spec(ports.get(0)).rxRing());
        assertEquals(io.dataplane.port.AfXdpPort.DEFAULT_RING_SIZE, config.spec(ports.get(0)).txRing(), "tx-ring left at its default");
        assertEquals("port add dev eth0 rx-ring 16384", PortLine.of(config.spec(ports.get(0))));
        assertEquals("port add dev eth1 rx-ring 8192 tx-ring 1024", PortLine.of(config.spec(ports.get(1))));
        assertEquals("port add dev eth2", PortLine.of(config.spec(ports.get(2))), "default rings are not written");
        assertEquals(16384, ports.get(0).details().get("rx-ring"), "link show tells non-default rings");
        assertFalse(ports.get(2).details().containsKey("rx-ring"));
    }

    @Test
    void afXdpRingSizesThatTheKernelOrTheMemoryCannotTakeAreRefusedWithTheirLine() {
        for (String bad : List.of("rx-ring 5000", "tx-ring 32", "rx-ring 65536")) {
            var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                    "port add dev eth0 " + bad), "r.conf"));
            assertEquals("r.conf:1: port eth0 (type afxdp): '" + bad + "' must be a power of two 64..32768 (the kernel's AF_XDP"
                    + " rings are powers of two)", ex.getMessage());
            assertTrue(plane.rib().ports().isEmpty(), "nothing declared");
        }
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev p0 type memory rx-ring 1024"), "m.conf"));
        assertTrue(ex.getMessage().startsWith("m.conf:1: option 'rx-ring' does not apply to port p0 (type memory)"), ex.getMessage());
    }

    @Test
    void dpdkPortNeedsExactlyOneOfVdevAndPci() {
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev dp0 type dpdk"), "d.conf"));
        assertTrue(ex.getMessage().contains("exactly one of 'vdev SPEC' or 'pci ADDR'"), ex.getMessage());
    }

    @Test
    void badTokensAreNamedLikeTheRoutingGrammarNamesThem() {
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev eth0 mode fast"), "t.conf"));
        assertEquals("t.conf:1: unexpected 'fast' (token 6 of 'port add dev eth0 mode fast'): expected an AF_XDP mode: auto, copy or zerocopy",
                ex.getMessage());
        ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of("port add dev eth0 queues 0"), "t.conf"));
        assertEquals("t.conf:1: bad queues '0' (token 6): expected a queue count 1..256 (0 is out of range)", ex.getMessage());
    }

    @Test
    void onAControlPlaneWithoutADaemonPortLinesAreRefusedSayingWhy() {
        Reply r = plane.execute(new Object(), "port add dev p3 type memory");
        assertEquals("'port add' runs on a started daemon only (this control plane has no dataplane yet): put the line in the"
                + " --config file", r.error());
        r = plane.execute(new Object(), "dpdk eal --no-huge");
        assertTrue(r.error().startsWith("'dpdk eal' is read when the daemon starts only"), r.error());
        r = plane.execute(new Object(), "port del dev");
        assertTrue(r.error().contains("expected a port name"), r.error());
    }

    private static java.util.BitSet allCpus() {
        java.util.BitSet all = new java.util.BitSet();
        all.set(0, 4096);
        return all;
    }

    @Test
    void aCpuTheMachineDoesNotHaveIsRefusedWithItsLineAndNothingIsDeclared() {
        java.util.BitSet two = new java.util.BitSet();
        two.set(0, 2);
        PortConfiguration twoCpus = new PortConfiguration(new UsableCpus(two));
        ControlPlane p = new ControlPlane(new Rib(64, 16), null, twoCpus);
        CommandException e = assertThrows(CommandException.class, () -> p.loadConfiguration(List.of(
                "port add dev p0 type memory", "port add dev eth0 mode copy cpu 7"), "two.conf"));
        assertEquals("two.conf:2: port eth0: CPU 7 does not exist or is not usable by this process (usable: 0-1)", e.getMessage());
        assertTrue(p.rib().ports().isEmpty(), "a refused file declares no port");
        e = assertThrows(CommandException.class, () -> p.loadConfiguration(List.of("port add dev eth0 queues 2 cpu 1"), "q.conf"));
        assertEquals("q.conf:1: port eth0: 2 queues need CPUs 1-2, and CPU 2 does not exist or is not usable by this process (usable: 0-1)",
                e.getMessage());
        p.loadConfiguration(List.of("port add dev eth0 queues 2 cpu 0"), "ok.conf");
        assertEquals(1, p.rib().ports().size());
    }
    @Test
    void idleModeAndSchedulingAreReadFromThePortLinesWithTheirDefaults() {
        plane.loadConfiguration(List.of("port add dev eth0 cpu 1 idle busy-spin sched other", "port add dev eth1"), "spin.conf");
        var ports = plane.rib().ports();
        WorkerSpec w = config.workers(plane.rib());
        assertEquals(io.dataplane.worker.Workers.Idle.BUSY_SPIN, w.idleOrDefault());
        assertEquals(io.dataplane.worker.WorkerScheduling.OTHER, w.schedulingOrDefault());
        assertEquals("busy-spin", ports.get(0).details().get("idle"), "link show tells the idle mode");
        assertEquals("other", ports.get(0).details().get("sched"));
        assertFalse(ports.get(1).details().containsKey("idle"), "a line that says nothing shows nothing");
    }

    @Test
    void withoutIdleOrSchedAfXdpWorkersPollAtFifoOneIfPermitted() {
        plane.loadConfiguration(List.of("port add dev eth0 cpu 1"), "plain.conf");
        WorkerSpec w = config.workers(plane.rib());
        assertEquals(io.dataplane.worker.Workers.Idle.POLL, w.idleOrDefault());
        assertEquals(io.dataplane.worker.WorkerScheduling.fifo(1, false), w.schedulingOrDefault(),
                "the default FIFO is not required: without the privilege the worker stays SCHED_OTHER");
    }

    @Test
    void anExplicitFifoIsRequiredAndMayComeFromAnyLine() {
        plane.loadConfiguration(List.of("port add dev eth0 cpu 1 idle poll", "port add dev eth1 sched fifo 5"), "fifo.conf");
        WorkerSpec w = config.workers(plane.rib());
        assertEquals(io.dataplane.worker.Workers.Idle.POLL, w.idleOrDefault());
        assertEquals(io.dataplane.worker.WorkerScheduling.fifo(5, true), w.schedulingOrDefault());
    }

    @Test
    void linesThatDisagreeOnIdleOrSchedAreRefusedWithTheLine() {
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev eth0 idle poll", "port add dev eth1 idle busy-spin"), "mixed.conf"));
        assertTrue(ex.getMessage().startsWith("mixed.conf:2: port eth1: 'idle busy-spin' differs from 'idle poll'"), ex.getMessage());
        assertTrue(plane.rib().ports().isEmpty(), "nothing loaded");
        assertEquals(WorkerSpec.UNSAID, config.workers(plane.rib()), "and nothing kept from the failed batch");
        ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev eth0 sched fifo 2", "port add dev eth1 sched fifo 3"), "prio.conf"));
        assertTrue(ex.getMessage().startsWith("prio.conf:2: port eth1: 'sched fifo 3' differs from 'sched fifo 2'"), ex.getMessage());
    }

    @Test
    void aSpinningFifoWorkerAndBadValuesAreRefused() {
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev eth0 idle busy-spin sched fifo 1"), "spinfifo.conf"));
        assertTrue(ex.getMessage().contains("would never give the worker's CPU back"), ex.getMessage());
        ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of("port add dev eth0 idle sleepy"), "bad.conf"));
        assertTrue(ex.getMessage().contains("an idle mode: poll or busy-spin"), ex.getMessage());
        ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of("port add dev eth0 sched fifo 100"), "bad.conf"));
        assertTrue(ex.getMessage().contains("a SCHED_FIFO priority 1..99"), ex.getMessage());
        ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of("port add dev m0 type memory idle poll"), "bad.conf"));
        assertTrue(ex.getMessage().contains("option 'idle' does not apply to port m0 (type memory)"), ex.getMessage());
    }
}
