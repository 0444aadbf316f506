package io.dataplane.control;

import io.dataplane.control.command.Command.RouteGet;
import io.dataplane.control.command.IpAddress;
import io.dataplane.pipeline.Pipeline;
import io.dataplane.tables.Change;
import io.dataplane.tables.Fib;
import io.dataplane.tables.Snapshot;
import io.dataplane.tables.packet.Ethernet;
import io.dataplane.tables.packet.Icmp;
import io.dataplane.tables.packet.IpProtocol;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.tables.packet.Ipv6;
import io.dataplane.tables.packet.NetworkOrder;
import io.dataplane.tables.packet.Tcp;
import io.dataplane.tables.packet.Udp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The forwarding plane made of the FIB alone, as the control thread uses it: hands out the {@link Change} each command
 * or batch is written into (one per transaction, so workers see all of it or none of it), and
 * traces packets for {@code route get} through the pipeline's own decision code. Without running
 * workers there are no counters; {@link WorkerPlane} adds them.
 */
public class FibPlane implements ForwardingPlane {
    protected final Fib forwarding;
    // The control thread's own pipeline instance: trace() uses the workers' code on a synthetic frame.
    private final Pipeline tracer;

    public FibPlane(Fib forwarding) {
        this.forwarding = forwarding;
        this.tracer = new Pipeline(forwarding.limits().groups());
    }

    public Fib fib() {
        return forwarding;
    }

    @Override
    public Change change() {
        return forwarding.change();
    }

    @Override
    public long version() {
        return forwarding.snapshot().version();
    }

    @Override
    public RouteTrace trace(RouteGet q) {
        MemorySegment frame = probe(q);
        Snapshot s = forwarding.snapshot();
        Pipeline.Trace t = tracer.trace(s, frame, 0, (int) frame.byteSize());
        return new RouteTrace(t.verdict(), t.routeTarget(), t.algorithm() == null ? null : t.algorithm().keyword(),
                t.hash(), t.nexthop(), t.egressPort(), s.kernelHash, q.dst().v6() ? s.policy6 : s.policy4);
    }

    /**
     * The frame {@code route get} describes, as it would arrive: unspecified addresses are the
     * unspecified address, unspecified ports 0 (what the kernel's route get hashes), protocol UDP
     * unless given; ICMP is an echo request. IPv4 carries DF, as TCP stacks send. Control path.
     */
    static MemorySegment probe(RouteGet q) {
        IpAddress dst = q.dst();
        boolean v6 = dst.v6();
        IpAddress src = q.src() != null ? q.src() : v6 ? new IpAddress(true, 0, 0) : IpAddress.v4(0);
        int proto = q.ipproto() < 0 ? IpProtocol.UDP : q.ipproto();
        boolean icmp = proto == (v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP);
        int l4Length = proto == IpProtocol.TCP ? Tcp.HEADER : Udp.HEADER; // ICMP's header is 8 bytes too
        int ipHeader = v6 ? Ipv6.HEADER : Ipv4.HEADER;
        MemorySegment m = Arena.ofAuto().allocate(Ethernet.HEADER + ipHeader + l4Length);
        long ip = Ethernet.write(m, 0, 0, 0, -1, v6 ? Ethernet.TYPE_IPV6 : Ethernet.TYPE_IPV4);
        if (v6) {
            Ipv6.write(m, ip, l4Length, proto, 64, Math.max(0, q.flowlabel()), src.hi(), src.lo(), dst.hi(), dst.lo());
        } else {
            Ipv4.write(m, ip, 0, ipHeader + l4Length, 0, Ipv4.DF, 64, proto, src.v4Value(), dst.v4Value());
        }
        long l4 = ip + ipHeader;
        int sport = Math.max(0, q.sport());
        int dport = Math.max(0, q.dport());
        if (icmp) {
            Icmp.write(m, l4, v6 ? Icmp.V6_ECHO_REQUEST : Icmp.V4_ECHO_REQUEST, 0, 0);
        } else if (proto == IpProtocol.TCP) {
            Tcp.write(m, l4, sport, dport);
        } else if (proto == IpProtocol.UDP) {
            Udp.write(m, l4, sport, dport, l4Length);
        } else { // any other protocol: its first 4 bytes stand for ports, the rest stays 0
            m.set(NetworkOrder.U16, l4 + Udp.SOURCE_PORT, (short) sport);
            m.set(NetworkOrder.U16, l4 + Udp.DESTINATION_PORT, (short) dport);
        }
        return m;
    }

    @Override
    public Map<String, Long> portCounters(int port) {
        return new LinkedHashMap<>();
    }

    @Override
    public Map<String, Long> dropCounters() {
        return new LinkedHashMap<>();
    }

    @Override
    public long[] nexthopCounters(int slot) {
        return new long[2];
    }

    @Override
    public void setPortState(int port, boolean up) {
        // no ports without a running dataplane; the nexthops' alive flags already say it
    }

    @Override
    public String verdictLabel(int verdict) {
        return io.dataplane.pipeline.Verdict.of(verdict).label();
    }

    @Override
    public io.dataplane.tables.BucketActivity bucketActivity(int groupSlot) {
        return fib().snapshot().groups.activity(groupSlot);
    }
}
