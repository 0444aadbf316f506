package io.dataplane.control.command;

import io.dataplane.tables.MultipathAlgorithm;
import java.util.List;

/**
 * One parsed command of the control grammar (iproute2 style). Records only: a command carries
 * what the operator typed, already checked for syntax and ranges; checks against the RIB (does
 * the device exist, is the nexthop id in use) happen when it is applied.
 */
public sealed interface Command {

    /** Whether a command may change forwarding state (and so takes part in batches). */
    default boolean changesState() {
        return false;
    }

    enum Op { ADD, REPLACE }

    /** One gateway of a route or nexthop object: {@code via ADDR dev PORT [weight W] [onlink]}. */
    record Hop(IpAddress via, String dev, int weight, boolean onlink) {
        public Hop(IpAddress via, String dev, int weight) {
            this(via, dev, weight, false);
        }
    }

    /** A member of a nexthop group: {@code ID[,WEIGHT]}. */
    record Member(int id, int weight) {
    }

    /** What a route points at. */
    sealed interface RouteSpec {
    }

    /** Inline gateways: one ({@code via ...}) or several ({@code nexthop via ... nexthop via ...}). */
    record Gateways(List<Hop> hops, MultipathAlgorithm mpalgo) implements RouteSpec {
    }

    /** A nexthop object by id ({@code nhid ID}). */
    record NexthopRef(int id) implements RouteSpec {
    }

    /** A route type that forwards nothing: {@code blackhole}, {@code unreachable}, {@code prohibit} or {@code throw}. */
    record RouteType(String type) implements RouteSpec {
        /** The types, as ip names them. */
        public static final java.util.List<String> NAMES = java.util.List.of("blackhole", "unreachable", "prohibit", "throw");
    }

    /**
     * {@code route add|replace|change PREFIX SPEC [proto P] [metric M] [scope S]}: {@code mustExist}
     * for change, which fails when there is no such route; {@code protocol} is rtm_protocol
     * ({@link RouteProtocol}); {@code metric} (unsigned 32 bits) tells routes to the same prefix
     * apart, the lowest forwards; {@code scope} is rtm_scope ({@link RouteScope}).
     */
    record RouteSet(Op op, Prefix prefix, RouteSpec spec, boolean mustExist, int protocol, int metric, int scope) implements Command {
        /** With the default protocol, {@code boot}, as {@code ip route add} without {@code proto}. */
        public RouteSet(Op op, Prefix prefix, RouteSpec spec) {
            this(op, prefix, spec, false, RouteProtocol.BOOT);
        }

        public RouteSet(Op op, Prefix prefix, RouteSpec spec, boolean mustExist) {
            this(op, prefix, spec, mustExist, RouteProtocol.BOOT);
        }

        public RouteSet(Op op, Prefix prefix, RouteSpec spec, int protocol) {
            this(op, prefix, spec, false, protocol);
        }

        /** With the family's default metric (0 for IPv4, 1024 for IPv6, as the kernel) and scope global. */
        public RouteSet(Op op, Prefix prefix, RouteSpec spec, boolean mustExist, int protocol) {
            this(op, prefix, spec, mustExist, protocol, defaultMetric(prefix), RouteScope.GLOBAL);
        }

        /** The kernel's metric for a route added without one: 0 for IPv4, 1024 (IP6_RT_PRIO_USER) for IPv6. */
        public static int defaultMetric(Prefix p) {
            return p.v6() ? 1024 : 0;
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    /**
     * {@code route del PREFIX [spec] [metric M]}: when a spec is given it must match the route;
     * without a metric ({@link #ANY_METRIC}) the lowest-metric route that matches goes, as in the kernel.
     */
    record RouteDel(Prefix prefix, RouteSpec spec, long metric) implements Command {
        /** Any metric. */
        public static final long ANY_METRIC = -1;

        public RouteDel(Prefix prefix, RouteSpec spec) {
            this(prefix, spec, ANY_METRIC);
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code route show [SELECTORS]}. */
    record RouteShow(RouteSelector selector) implements Command {
    }

    /** {@code route flush SELECTORS}: deletes every route the selector picks, as one change. */
    record RouteFlush(RouteSelector selector) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /**
     * {@code route get}: a packet description; -1 means "not given" for the numeric fields;
     * {@code iif} is the port it arrives on, or null (one table: it does not change the route).
     */
    record RouteGet(IpAddress dst, IpAddress src, int ipproto, int sport, int dport, int flowlabel, String iif) implements Command {
        public RouteGet(IpAddress dst, IpAddress src, int ipproto, int sport, int dport, int flowlabel) {
            this(dst, src, ipproto, sport, dport, flowlabel, null);
        }
    }

    /**
     * {@code nexthop add|replace id ID via ...} (hop set) or {@code ... group ...} (members set);
     * {@code resilient} is non-null for {@code group ... type resilient ...}.
     */
    record NexthopSet(Op op, int id, Hop hop, List<Member> members, MultipathAlgorithm mpalgo, ResilientArgs resilient)
            implements Command {
        public NexthopSet(Op op, int id, Hop hop, List<Member> members, MultipathAlgorithm mpalgo) {
            this(op, id, hop, members, mpalgo, null);
        }

        @Override
        public boolean changesState() {
            return true;
        }

        public boolean isGroup() {
            return members != null;
        }
    }

    record NexthopDel(int id) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code nexthop show [id ID | group | dev PORT]}. */
    record NexthopShow(Integer id, boolean groups, String dev) implements Command {
        public NexthopShow(Integer id) {
            this(id, false, null);
        }
    }

    /** {@code nexthop bucket show [id ID] [nhid ID]}: null when not given. */
    record NexthopBucketShow(Integer id, Integer nhid) implements Command {
    }

    /**
     * {@code neigh add} (fails over an existing entry, as ip's NLM_F_EXCL) or, with {@code replace},
     * {@code neigh replace|change}; {@code mustExist} for change, which fails when there is no such
     * entry (as ip's NLM_F_REPLACE without NLM_F_CREATE).
     */
    record NeighAdd(IpAddress address, long mac, String dev, boolean replace, boolean mustExist) implements Command {
        public NeighAdd(IpAddress address, long mac, String dev) {
            this(address, mac, dev, false, false);
        }

        public NeighAdd(IpAddress address, long mac, String dev, boolean replace) {
            this(address, mac, dev, replace, false);
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    record NeighDel(IpAddress address, String dev) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /**
     * {@code neigh flush [[to] PREFIX] [dev PORT] [nud STATE]}: as ip, static (PERMANENT) entries
     * go only with {@code nud permanent} or {@code nud all} ({@code permanent}); {@code to} null
     * for any address, {@code family} 0, 4 or 6.
     */
    record NeighFlush(String dev, Prefix to, boolean permanent, int family) implements Command {
        /** Whether the entry for {@code address} on port {@code port} is one this flush selects. */
        public boolean picks(IpAddress address, String port) {
            return (dev == null || dev.equals(port)) && (to == null || to.v6() == address.v6() && to.contains(address))
                    && (family == 0 || (family == 6) == address.v6());
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code neigh show [[to] ADDR] [dev PORT]}, under -4/-6 one family ({@code family} 0, 4 or 6). */
    record NeighShow(String dev, IpAddress address, int family) implements Command {
        public NeighShow(String dev) {
            this(dev, null, 0);
        }
    }

    record LinkShow(String dev) implements Command {
    }

    record LinkSet(String dev, boolean up) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    record SetHashSeed(int seed) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code set hash-function jenkins|kernel}. */
    record SetHashFunction(boolean kernel) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code set hash-policy ipv4|ipv6 0..3}: the family's {@code fib_multipath_hash_policy}. */
    record SetHashPolicy(boolean ipv6, int policy) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code set hash-fields ipv4|ipv6 FIELD[,FIELD...]}: the family's {@code fib_multipath_hash_fields}. */
    record SetHashFields(boolean ipv6, int fields) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code show hash}: the whole hash configuration. */
    record ShowHash() implements Command {
    }

    /** {@code status}: the daemon, its workers and its tables at a glance. */
    record Status() implements Command {
    }

    /** {@code show running-config}: the whole state in the configuration grammar. */
    record ShowRunningConfig() implements Command {
    }

    /** {@code stats [ports|drops|nexthops]}; {@code what} is null for all of them. */
    record Stats(String what) implements Command {
    }

    /**
     * {@code rib follow kernel [table N] [proto P[,P...]] [rcvbuf BYTES]}: keep the RIB equal to
     * the kernel's routing table {@code table} (main, 254, by default), only the routes of {@code
     * protocols} when that is not empty; {@code receiveBuffer} is the notification socket's buffer
     * (0: the daemon's default, like zebra's {@code --nl-bufsize}). Handled by the daemon
     * ({@link io.dataplane.control.RouteSources}).
     */
    record RibFollow(int table, java.util.Set<Integer> protocols, int receiveBuffer) implements Command {
    }

    /** {@code rib follow show}: what each followed source gave, and what was not followed and why. */
    record RibFollowShow() implements Command {
    }

    /** {@code fpm listen [ADDRESS] [PORT]}: accept FRR zebra's FPM connection ({@code dplane_fpm_nl}). */
    record FpmListen(String address, int port) implements Command {
    }

    /**
     * {@code monitor [all | route|nexthop|neigh|link...]}: the session is told of every change to
     * those objects from now on, as {@code ip monitor} prints them; {@code banners} for {@code all},
     * which prefixes each record with its object ({@code [ROUTE]}), as ip does.
     */
    record Monitor(java.util.Set<String> objects, boolean banners) implements Command {
        /** What dpctl can monitor, ip monitor's names. */
        public static final List<String> OBJECTS = List.of("route", "nexthop", "neigh", "link");
    }

    record BatchBegin() implements Command {
    }

    record BatchCommit() implements Command {
    }

    record BatchAbort() implements Command {
    }

    /**
     * {@code metrics listen ADDRESS:PORT}: serve the Prometheus metrics there (one endpoint; a new
     * one replaces the previous).
     */
    record MetricsListen(IpAddress address, int port) implements Command {
        /** As written in the command: {@code 127.0.0.1:9100}, {@code [::1]:9100}. */
        public String endpoint() {
            return (address.v6() ? "[" + address + "]" : address.toString()) + ":" + port;
        }
    }
}
