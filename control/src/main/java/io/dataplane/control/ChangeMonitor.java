package io.dataplane.control;

import io.dataplane.control.command.Command.Monitor;
import io.dataplane.control.command.Command.NeighShow;
import io.dataplane.control.command.RouteSelector;
import io.dataplane.control.rib.NexthopObject;
import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.Route;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * {@code monitor}: tells the sessions that asked of every change to routes, nexthop objects,
 * neighbours and links, as {@code ip monitor} prints them: the record as {@code ip ... show} prints
 * it when it is new or changed, {@code Deleted} and the record as it was when it is gone;
 * {@code [ROUTE]}-style banners for {@code monitor all}.
 *
 * <p>After every published change it tells the difference. Routes: the RIB remembers, for each
 * prefix a change touches, the routes it had before ({@link Rib#takeChangedRoutes}), so a change
 * costs what it touched and nothing of the table is copied; nexthop objects, neighbours and links
 * are few: their records as last told are kept and compared whole. Counters are left out: they are
 * not changes. Nothing is kept while nobody monitors.
 */
final class ChangeMonitor {
    private final Rib rib;
    private final Map<Object, Monitor> sessions = new LinkedHashMap<>();
    private BiConsumer<Object, List<String>> sink;
    private Map<String, List<String>> nexthops = Map.of();
    private Map<String, List<String>> neighbours = Map.of();
    private Map<String, List<String>> links = Map.of();

    ChangeMonitor(Rib rib) {
        this.rib = rib;
    }

    /** Where the events go: the command server writes {@code lines} to {@code session} as one reply. */
    void sink(BiConsumer<Object, List<String>> sink) {
        this.sink = sink;
    }

    boolean canStream() {
        return sink != null;
    }

    boolean watching(Object session) {
        return sessions.containsKey(session);
    }

    void subscribe(Object session, Monitor m) {
        if (sessions.isEmpty()) {
            rib.watchRoutes(true);
            ShowOutput out = new ShowOutput(rib, null);
            nexthops = nexthops(out);
            neighbours = neighbours(out);
            links = links(out);
        }
        sessions.put(session, m);
    }

    void unsubscribe(Object session) {
        if (sessions.remove(session) != null && sessions.isEmpty()) {
            rib.watchRoutes(false);
            nexthops = Map.of();
            neighbours = Map.of();
            links = Map.of();
        }
    }

    /** After a published change: tells every monitoring session what changed in what it watches. */
    void published() {
        if (sessions.isEmpty()) {
            return;
        }
        ShowOutput out = new ShowOutput(rib, null);
        Map<String, List<String>> nh = nexthops(out);
        List<List<String>> nexthopAdded = new ArrayList<>();
        List<List<String>> nexthopDeleted = new ArrayList<>();
        difference(nexthops, nh, nexthopAdded, nexthopDeleted);
        nexthops = nh;
        List<List<String>> route = new ArrayList<>();
        rib.takeChangedRoutes().forEach((p, was) -> difference(byMetric(out, was), byMetric(out, rib.routesTo(p)), route, route));
        List<List<String>> neigh = new ArrayList<>();
        Map<String, List<String>> n = neighbours(out);
        difference(neighbours, n, neigh, neigh);
        neighbours = n;
        List<List<String>> link = new ArrayList<>();
        Map<String, List<String>> l = links(out);
        difference(links, l, link, link);
        links = l;
        sessions.forEach((session, m) -> {
            List<String> lines = new ArrayList<>();
            add(lines, m, "nexthop", "[NEXTHOP]", nexthopAdded);
            add(lines, m, "route", "[ROUTE]", route);
            add(lines, m, "nexthop", "[NEXTHOP]", nexthopDeleted);
            add(lines, m, "neigh", "[NEIGH]", neigh);
            add(lines, m, "link", "[LINK]", link);
            if (!lines.isEmpty()) {
                sink.accept(session, lines);
            }
        });
    }

    /** Each route's record, by its metric (what tells routes to one prefix apart). */
    private static Map<Integer, List<String>> byMetric(ShowOutput out, List<Route> routes) {
        Map<Integer, List<String>> m = new LinkedHashMap<>();
        for (Route r : routes) {
            m.put(r.metric(), out.routesText(List.of(r), RouteSelector.ALL));
        }
        return m;
    }

    private static void add(List<String> lines, Monitor m, String object, String banner, List<List<String>> records) {
        if (!m.objects().contains(object)) {
            return;
        }
        for (List<String> r : records) {
            lines.add((m.banners() ? banner : "") + r.get(0));
            lines.addAll(r.subList(1, r.size()));
        }
    }

    /** New or changed records of {@code now} into {@code changed}; those gone, with {@code Deleted}, into {@code deleted}. */
    private static <K> void difference(Map<K, List<String>> before, Map<K, List<String>> now, List<List<String>> changed,
                                       List<List<String>> deleted) {
        before.forEach((k, lines) -> {
            if (!now.containsKey(k)) {
                List<String> d = new ArrayList<>(lines);
                d.set(0, "Deleted " + d.get(0));
                deleted.add(d);
            }
        });
        now.forEach((k, lines) -> {
            if (!Objects.equals(before.get(k), lines)) {
                changed.add(lines);
            }
        });
    }

    /** Each object's record as {@code nexthop show} prints it, without our member lines. */
    private Map<String, List<String>> nexthops(ShowOutput out) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (NexthopObject o : rib.objects().values()) {
            m.put("id " + o.id(), out.nexthopsText(List.of(o)).subList(0, 1));
        }
        return m;
    }

    private Map<String, List<String>> neighbours(ShowOutput out) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String line : out.neighboursText(new NeighShow(null))) {
            m.put(line.substring(0, line.indexOf(" lladdr ")), List.of(line));
        }
        return m;
    }

    private Map<String, List<String>> links(ShowOutput out) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Rib.PortEntry p : rib.ports()) {
            m.put(p.name(), out.linksText(List.of(p), 0, false));
        }
        return m;
    }
}
