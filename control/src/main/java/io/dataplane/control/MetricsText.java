package io.dataplane.control;

import io.dataplane.control.command.Command.Member;
import io.dataplane.control.rib.NexthopObject;
import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.SlotNexthop;
import io.dataplane.counters.CounterSums;
import io.dataplane.counters.CounterType;
import io.dataplane.pipeline.Verdict;
import io.dataplane.tables.RouteTarget;
import io.dataplane.worker.PortCounter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's metrics in the Prometheus text format: per port, per AF_XDP socket (the kernel's
 * XDP_STATISTICS), per drop reason, per nexthop, per worker, the table version and the commands.
 * Counters come from the counter file through {@link CounterSums}, the way {@code dpctl stats}
 * reads them (acquire loads, no worker stops); names and labels come from the RIB, so it runs on
 * the control thread.
 */
final class MetricsText {
    private static final String P = "dataplane_";
    /** Counters only some port types keep, with their help text. */
    private static final Map<CounterType, String> PORT_OWN = Map.of(
            CounterType.AFXDP_TX_RING_FULL, "Frames not sent because the port's AF_XDP TX ring was full.",
            CounterType.AFXDP_KICK_ERRORS, "AF_XDP wakeup system calls that failed with an error other than try-again.",
            CounterType.DPDK_MULTI_SEGMENT_DROPS, "Frames dropped because they spanned several DPDK mbufs.");
    private static final CounterType[] PORT_OWN_ORDER = {CounterType.AFXDP_TX_RING_FULL, CounterType.AFXDP_KICK_ERRORS,
        CounterType.DPDK_MULTI_SEGMENT_DROPS};
    /** struct xdp_statistics, in its order, with what each field counts. */
    private static final String[] XDP_HELP = {
        "Frames the kernel dropped for other reasons (XDP_STATISTICS rx_dropped).",
        "Invalid descriptors on the RX side (XDP_STATISTICS rx_invalid_descs).",
        "Invalid descriptors on the TX side (XDP_STATISTICS tx_invalid_descs).",
        "Frames dropped because the RX ring was full (XDP_STATISTICS rx_ring_full).",
        "Times the kernel found the fill ring empty (XDP_STATISTICS rx_fill_ring_empty_descs).",
        "Times the kernel found the TX ring empty (XDP_STATISTICS tx_ring_empty_descs)."};

    private final Rib rib;
    private final ForwardingPlane forwarding;
    private final CommandStatistics commands;
    private final ExpositionWriter w = new ExpositionWriter();

    MetricsText(Rib rib, ForwardingPlane forwarding, CommandStatistics commands) {
        this.rib = rib;
        this.forwarding = forwarding;
        this.commands = commands;
    }

    String render() {
        CounterSums c = forwarding == null ? null : forwarding.counters();
        if (c != null) {
            forwarding.refreshKernelStatistics(); // the kernel's counters as of now, not of the last periodic copy
            ports(c);
            xdp(c);
            drops(c);
            nexthops(c);
            workers(c);
        }
        groups();
        w.family(P + "table_version", "gauge", "Version number of the published forwarding tables; it changes with every applied change.");
        w.sample(P + "table_version", forwarding == null ? 0 : forwarding.version());
        commandMetrics();
        return w.text();
    }

    private void ports(CounterSums c) {
        String[] help = {"Frames received on the port.", "Bytes received on the port (whole frames).",
            "Frames sent on the port.", "Bytes sent on the port (whole frames)."};
        for (PortCounter pc : PortCounter.values()) {
            String name = P + "port_" + pc.type.label + "_total";
            w.family(name, "counter", help[pc.ordinal()]);
            for (Rib.PortEntry p : rib.ports()) {
                w.sample(name, c.port(p.index(), pc.type), "port", p.name());
            }
        }
        for (CounterType t : PORT_OWN_ORDER) {
            List<Rib.PortEntry> having = rib.ports().stream().filter(p -> c.has(t, p.index())).toList();
            if (!having.isEmpty()) {
                String name = P + "port_" + t.label + "_total";
                w.family(name, "counter", PORT_OWN.get(t));
                for (Rib.PortEntry p : having) {
                    w.sample(name, c.port(p.index(), t), "port", p.name());
                }
            }
        }
    }

    private void xdp(CounterSums c) {
        for (int i = 0; i < CounterType.xdpStatistics(); i++) {
            CounterType t = CounterType.xdpStatistic(i);
            List<int[]> sockets = c.keys(t);
            if (sockets.isEmpty()) {
                continue;
            }
            String name = P + "afxdp_" + t.label.substring("xdp_".length()) + "_total";
            w.family(name, "counter", XDP_HELP[i]);
            for (int[] k : sockets) {
                w.sample(name, c.sum(t, k[1], k[2]), "port", rib.portName(k[1]), "queue", Integer.toString(k[2]));
            }
        }
    }

    private void drops(CounterSums c) {
        String name = P + "drops_total";
        w.family(name, "counter", "Frames not forwarded, by reason (not_routed: handed to the kernel or not for forwarding).");
        for (Verdict v : Verdict.values()) {
            w.sample(name, c.drops(v.code), "reason", v.label());
        }
    }

    private void nexthops(CounterSums c) {
        Map<Integer, Integer> ids = new HashMap<>();
        for (NexthopObject o : rib.objects().values()) {
            if (o instanceof NexthopObject.GatewayObject g) {
                ids.put(g.slot(), g.id());
            }
        }
        String packets = P + "nexthop_packets_total";
        String bytes = P + "nexthop_bytes_total";
        List<Integer> slots = new ArrayList<>();
        for (int slot = 0, seen = 0; seen < rib.nexthopSlotsInUse() && slot <= RouteTarget.MAX_INDEX; slot++) {
            if (rib.nexthopSlot(slot) != null) {
                seen++;
                slots.add(slot);
            }
        }
        w.family(packets, "counter", "Frames forwarded through a nexthop (gateway and port); nexthop is the "
                + "'nexthop add id' of the gateway, empty for a route's own gateways.");
        for (int slot : slots) {
            w.sample(packets, c.nexthopPackets(slot), nexthopLabels(slot, ids));
        }
        w.family(bytes, "counter", "Bytes forwarded through a nexthop (gateway and port).");
        for (int slot : slots) {
            w.sample(bytes, c.nexthopBytes(slot), nexthopLabels(slot, ids));
        }
    }

    private String[] nexthopLabels(int slot, Map<Integer, Integer> ids) {
        SlotNexthop s = rib.nexthopSlot(slot);
        Integer id = ids.get(slot);
        return new String[] {"slot", Integer.toString(slot), "nexthop", id == null ? "" : id.toString(),
            "gateway", s.via().toString(), "dev", rib.portName(s.port())};
    }

    /** Group membership, so that a query can sum a group's nexthops: the member's weight. */
    private void groups() {
        String name = P + "nexthop_group_member_weight";
        boolean any = false;
        for (NexthopObject o : rib.objects().values()) {
            if (o instanceof NexthopObject.GroupObject g) {
                if (!any) {
                    w.family(name, "gauge", "Weight of a nexthop in a nexthop group ('nexthop add id GROUP group NEXTHOP,WEIGHT/...').");
                    any = true;
                }
                for (Member m : g.members()) {
                    w.sample(name, m.weight(), "group", Integer.toString(g.id()), "nexthop", Integer.toString(m.id()));
                }
            }
        }
    }

    private void workers(CounterSums c) {
        List<int[]> workers = c.keys(CounterType.WORKER_BURSTS);
        String[][] families = {
            {"worker_packets_total", "Frames a worker received, over all its ports."},
            {"worker_bursts_total", "Receive bursts of at least one frame a worker handled."},
            {"worker_icmp_errors_sent_total", "ICMP errors a worker generated (time exceeded, fragmentation needed, ...)."},
            {"worker_errors_total", "Exceptions in a worker's duty cycle (the worker keeps running; see dpctl stats workers)."}};
        CounterType[] types = {CounterType.PORT_RX_PACKETS, CounterType.WORKER_BURSTS, CounterType.WORKER_ICMP_ERRORS_SENT,
            CounterType.WORKER_ERRORS};
        for (int f = 0; f < families.length; f++) {
            w.family(P + families[f][0], "counter", families[f][1]);
            for (int[] k : workers) {
                w.sample(P + families[f][0], c.worker(k[0], types[f]), "worker", Integer.toString(k[0]));
            }
        }
    }

    private void commandMetrics() {
        String total = P + "commands_total";
        w.family(total, "counter", "Commands the control plane ran (socket and configuration file), by kind and result.");
        commands.kinds().forEach((kind, k) -> {
            w.sample(total, k.ok, "command", kind, "result", "ok");
            w.sample(total, k.failed, "command", kind, "result", "error");
        });
        String h = P + "command_duration_seconds";
        w.family(h, "histogram", "Time the control plane took to run a command, from its line to its reply.");
        commands.kinds().forEach((kind, k) -> {
            for (int i = 0; i < CommandStatistics.BUCKETS.length; i++) {
                w.sample(h + "_bucket", k.buckets[i], "command", kind, "le", ExpositionWriter.decimal(CommandStatistics.BUCKETS[i]));
            }
            w.sample(h + "_bucket", k.ok + k.failed, "command", kind, "le", "+Inf");
            w.sample(h + "_sum", k.seconds, "command", kind);
            w.sample(h + "_count", k.ok + k.failed, "command", kind);
        });
    }
}
