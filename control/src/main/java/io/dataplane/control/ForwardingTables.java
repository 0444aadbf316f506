package io.dataplane.control;

import io.dataplane.control.command.Command.RouteGet;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.Prefix;
import io.dataplane.control.rib.SlotNexthop;
import io.dataplane.control.rib.TableDelta;
import io.dataplane.pipeline.Frames;
import io.dataplane.pipeline.Pipeline;
import io.dataplane.tables.Change;
import io.dataplane.tables.Forwarding;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The forwarding tables seen from the control thread: turns each {@link TableDelta} into exactly
 * one {@link Change}, so workers see a whole command or batch or none of it, and traces packets
 * for {@code route get} through the pipeline's own decision code. Without running workers there
 * are no counters; {@link DataplaneForwarding} adds them.
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
    public void publish(TableDelta d) {
        Change c = forwarding.change();
        d.nexthops().forEach((slot, s) -> c.nexthop(slot, toNexthop(s)));
        d.removedNexthops().forEach(c::removeNexthop);
        d.groups().forEach(c::group);
        d.removedGroups().forEach(c::removeGroup);
        if (d.hashSeed() != null) {
            c.hashSeed(d.hashSeed());
        }
        d.routes().forEach((p, target) -> route(c, p, target));
        c.commit();
    }

    static Nexthop toNexthop(SlotNexthop s) {
        return new Nexthop(s.port(), s.dstMac(), s.srcMac(), s.mtu(), s.alive(), s.resolved());
    }

    private static void route(Change c, Prefix p, int target) {
        var a = p.address();
        if (target == RouteTarget.NONE) {
            if (a.v6()) {
                c.removeRoute6(a.hi(), a.lo(), p.length());
            } else {
                c.removeRoute4(a.v4Value(), p.length());
            }
        } else if (a.v6()) {
            c.route6(a.hi(), a.lo(), p.length(), target);
        } else {
            c.route4(a.v4Value(), p.length(), target);
        }
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
