package io.dataplane.control;

import io.dataplane.control.command.Command.Member;
import io.dataplane.control.rib.NexthopObject;
import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.Route;
import io.dataplane.control.rib.RouteHop;
import io.dataplane.tables.HashConfiguration;
import io.dataplane.tables.HashField;
import io.dataplane.tables.MacAddress;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.control.command.Command;
import io.dataplane.control.command.RouteProtocol;
import io.dataplane.control.command.RouteScope;
import io.dataplane.tables.ResilientGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The RIB written back in the configuration grammar ({@code show running-config}): a file that
 * {@code dataplane run --config} loads into the same state. Each line carries a key naming what
 * it configures (a port, a setting, a neighbour, a nexthop id, a prefix), so two renderings can
 * be compared key by key: that is how a reload finds the difference between two files.
 *
 * <p>Order is load order: port lines, hash settings, static neighbours, gateway nexthops, groups
 * (they name gateways), routes (they name both), then ports set down. Defaults are left out
 * (mpalgo l3, weight 1, the default hash settings), so a line reads as an operator writes it.
 * Neighbours the kernel reported are not configuration and are not written.
 */
public final class RunningConfig {

    /**
     * One configuration line and what it configures. {@code undo} is the command that takes it
     * away again (null: the thing cannot be removed on its own, e.g. {@code dpdk eal}).
     */
    public record Line(String key, String text, String undo) {
    }

    private RunningConfig() {
    }

    /**
     * The whole state, in load order; {@code ports} renders the daemon's own port lines,
     * {@code metrics} is the {@code metrics listen} endpoint (or null).
     */
    public static List<Line> of(Rib rib, ConfigurationLines ports, Command.MetricsListen metrics) {
        List<Line> out = new ArrayList<>(ports.running(rib));
        if (metrics != null) {
            // No command stops the endpoint: a reload that drops this line keeps it serving (undo null).
            out.add(new Line("metrics", "metrics listen " + metrics.endpoint(), null));
        }
        hash(rib.hash(), out);
        for (Rib.Neighbour n : rib.neighbours()) {
            String dev = rib.portName(n.port());
            out.add(new Line("neigh " + n.address() + " dev " + dev,
                    "neigh add " + n.address() + " lladdr " + MacAddress.format(n.mac()) + " dev " + dev,
                    "neigh del " + n.address() + " dev " + dev));
        }
        List<NexthopObject> objects = List.copyOf(rib.objects().values());
        for (NexthopObject o : objects) {
            if (o instanceof NexthopObject.GatewayObject g) {
                out.add(nexthop(g.id(), "via " + g.via() + " dev " + rib.portName(g.port())));
            }
        }
        for (NexthopObject o : objects) {
            if (o instanceof NexthopObject.GroupObject g) {
                List<String> members = new ArrayList<>();
                for (Member m : g.members()) {
                    members.add(m.weight() == 1 ? Integer.toString(m.id()) : m.id() + "," + m.weight());
                }
                out.add(nexthop(g.id(), "group " + String.join("/", members) + resilient(g.resilient()) + mpalgo(g.mpalgo())));
            }
        }
        for (Route r : rib.routesSorted()) {
            if (r.followed()) {
                continue; // the kernel's, FPM's or a port address's: its source gives it again
            }
            // ::/0 or 0.0.0.0/0, not 'default', whose family the first gateway decides (an IPv4 default may
            // have IPv6 gateways, RFC 5549) or IPv4 without one (nhid, types); the two keys must differ too
            String prefix = r.prefix().length() != 0 ? r.prefix().toString() : r.prefix().v6() ? "::/0" : "0.0.0.0/0";
            // routes to one prefix are told apart by their metric
            String metric = r.defaultMetric() ? "" : " metric " + Integer.toUnsignedString(r.metric());
            String route = r.forwardsNothing() ? r.type() + " " + prefix : prefix + " " + target(rib, r);
            out.add(new Line("route " + prefix + metric, "route add " + route + attributes(r) + metric,
                    "route del " + prefix + metric));
        }
        for (Rib.PortEntry p : rib.ports()) {
            if (!p.up()) {
                out.add(new Line("link " + p.name(), "link set dev " + p.name() + " down", "link set dev " + p.name() + " up"));
            }
        }
        return out;
    }

    /** Just the lines' text, as {@code show running-config} prints it. */
    public static List<String> text(Rib rib, ConfigurationLines ports, Command.MetricsListen metrics) {
        return of(rib, ports, metrics).stream().map(Line::text).toList();
    }

    /** The lines by key (a later line with the same key wins, as it would when loaded). */
    public static Map<String, Line> byKey(List<Line> lines) {
        Map<String, Line> m = new LinkedHashMap<>();
        for (Line l : lines) {
            m.put(l.key(), l);
        }
        return m;
    }

    private static Line nexthop(int id, String what) {
        return new Line("nexthop " + id, "nexthop add id " + id + " " + what, "nexthop del id " + id);
    }

    private static String target(Rib rib, Route r) {
        if (r.nhid() > 0) {
            return "nhid " + r.nhid();
        }
        List<RouteHop> hops = r.hops();
        if (hops.size() == 1) {
            return hop(rib, hops.getFirst());
        }
        StringBuilder sb = new StringBuilder();
        for (RouteHop h : hops) {
            sb.append(sb.isEmpty() ? "" : " ").append("nexthop ").append(hop(rib, h));
        }
        return sb + mpalgo(r.mpalgo());
    }

    /** {@code proto} and {@code scope} when they are not the defaults (boot, global). */
    private static String attributes(Route r) {
        return (r.protocol() == RouteProtocol.BOOT ? "" : " proto " + RouteProtocol.name(r.protocol()))
                + (r.scope() == RouteScope.GLOBAL ? "" : " scope " + RouteScope.name(r.scope()));
    }

    private static String hop(Rib rib, RouteHop h) {
        return (h.via() == null ? "" : "via " + h.via() + " ") + "dev " + rib.portName(h.port()) + (h.weight() == 1 ? "" : " weight " + h.weight())
                + (h.onlink() ? " onlink" : "");
    }

    /** The resilient arguments as the grammar takes them (timers in whole seconds, as they were given). */
    private static String resilient(ResilientGroup r) {
        if (r == null) {
            return "";
        }
        return " type resilient buckets " + r.buckets() + " idle_timer " + TimeUnit.NANOSECONDS.toSeconds(r.idleTimer())
                + " unbalanced_timer " + TimeUnit.NANOSECONDS.toSeconds(r.unbalancedTimer());
    }

    private static String mpalgo(MultipathAlgorithm a) {
        return a == null || a == Rib.DEFAULT_MPALGO ? "" : " mpalgo " + a.keyword();
    }

    /** The settings that differ from the defaults; undoing one sets the default back. */
    private static void hash(HashConfiguration h, List<Line> out) {
        HashConfiguration d = HashConfiguration.DEFAULT;
        if (h.seed() != d.seed()) {
            out.add(setting("hash-seed", Integer.toUnsignedString(h.seed()), Integer.toUnsignedString(d.seed())));
        }
        if (h.policy4() != d.policy4()) {
            out.add(setting("hash-policy ipv4", Integer.toString(h.policy4()), Integer.toString(d.policy4())));
        }
        if (h.policy6() != d.policy6()) {
            out.add(setting("hash-policy ipv6", Integer.toString(h.policy6()), Integer.toString(d.policy6())));
        }
        if (h.fields4() != d.fields4() && h.fields4() != 0) {
            out.add(setting("hash-fields ipv4", fields(h.fields4()), fields(d.fields4())));
        }
        if (h.fields6() != d.fields6() && h.fields6() != 0) {
            out.add(setting("hash-fields ipv6", fields(h.fields6()), fields(d.fields6())));
        }
        // After the policies and fields: in kernel mode those apply from the first packet on.
        if (h.kernel() != d.kernel()) {
            out.add(setting("hash-function", h.function(), d.function()));
        }
    }

    private static Line setting(String name, String value, String defaultValue) {
        return new Line("set " + name, "set " + name + " " + value, "set " + name + " " + defaultValue);
    }

    private static String fields(int bits) {
        return String.join(",", HashField.format(bits).split(" "));
    }
}
