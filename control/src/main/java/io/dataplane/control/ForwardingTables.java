package io.dataplane.control;

import io.dataplane.control.command.Command.RouteGet;
import io.dataplane.control.command.Prefix;
import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.TableDelta;
import io.dataplane.tables.Change;
import io.dataplane.tables.Forwarding;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The forwarding tables seen from the control thread: turns each {@link TableDelta} into exactly
 * one {@link Change}, so workers see a whole command or batch or none of it. Without a running
 * pipeline it has no counters and cannot trace packets; DataplaneForwarding will add those once the pipeline is wired.
 */
public class ForwardingTables implements ForwardingPlane {
    protected final Forwarding forwarding;

    public ForwardingTables(Forwarding forwarding) {
        this.forwarding = forwarding;
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

    static Nexthop toNexthop(Rib.SlotNexthop s) {
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
    public RouteTrace trace(RouteGet query) {
        throw new IllegalStateException("no pipeline is running, so packets cannot be traced");
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
