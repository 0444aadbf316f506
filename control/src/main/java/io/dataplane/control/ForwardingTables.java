package io.dataplane.control;

import io.dataplane.control.command.Command.RouteGet;
import io.dataplane.control.command.IpAddress;
import io.dataplane.pipeline.Frames;
import io.dataplane.pipeline.Pipeline;
import io.dataplane.tables.Change;
import io.dataplane.tables.Forwarding;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The forwarding tables seen from the control thread: hands out the {@link Change} each command
 * or batch is written into (one per transaction, so workers see all of it or none of it), and
 * traces packets for {@code route get} through the pipeline's own decision code. Without running
 * workers there are no counters; {@link DataplaneForwarding} adds them.
 */
public class ForwardingTables implements ForwardingPlane {
    protected final Forwarding forwarding;
    // The control thread's own pipeline instance: trace() uses the workers' code on a synthetic frame.
    private final Pipeline tracer;

    public ForwardingTables(Forwarding forwarding) {
        this.forwarding = forwarding;
        this.tracer = new Pipeline(forwarding.limits().groups());
    }

    public Forwarding forwarding() {
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
        MemorySegment frame = frame(q).toSegment();
        Pipeline.Trace t = tracer.trace(forwarding.snapshot(), frame, 0, (int) frame.byteSize());
        return new RouteTrace(t.verdict(), t.routeTarget(), t.algorithm() == null ? null : t.algorithm().keyword(),
                t.hash(), t.nexthop(), t.egressPort());
    }

    /**
     * The packet {@code route get} describes, as it would arrive: unspecified addresses are the
     * unspecified address, unspecified ports 0 (what the kernel's route get hashes), protocol UDP
     * unless given; ICMP is an echo request.
     */
    static Frames frame(RouteGet q) {
        IpAddress dst = q.dst();
        IpAddress src = q.src() != null ? q.src() : dst.v6() ? new IpAddress(true, 0, 0) : IpAddress.v4(0);
        Frames f = dst.v6() ? Frames.ipv6(src.hi(), src.lo(), dst.hi(), dst.lo()) : Frames.ipv4(src.v4Value(), dst.v4Value());
        int proto = q.ipproto() < 0 ? Frames.PROTO_UDP : q.ipproto();
        int sport = Math.max(0, q.sport());
        int dport = Math.max(0, q.dport());
        if (proto == Frames.PROTO_UDP) {
            f.udp(sport, dport);
        } else if (proto == Frames.PROTO_TCP) {
            f.tcp(sport, dport);
        } else if (proto == Frames.PROTO_ICMP && !dst.v6() || proto == Frames.PROTO_ICMPV6 && dst.v6()) {
            f.icmp(dst.v6() ? 128 : 8, 0, null);
        } else {
            f.protocol(proto, sport, dport);
        }
        if (q.flowlabel() >= 0) {
            f.flowLabel(q.flowlabel());
        }
        return f;
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
}
