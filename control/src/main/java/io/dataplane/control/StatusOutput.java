package io.dataplane.control;

import io.dataplane.control.rib.Rib;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code status}: the process's part (daemon, configuration, workers; from the daemon) and the
 * tables' part (version, sizes; from the RIB and the forwarding plane), as one map for {@code -j}
 * and as text, one line per section and one per worker.
 */
final class StatusOutput {
    private StatusOutput() {
    }

    static Map<String, Object> of(Map<String, Object> process, Rib rib, ForwardingPlane forwarding) {
        Map<String, Object> m = new LinkedHashMap<>();
        process.forEach((k, v) -> {
            if (!k.equals("workers")) {
                m.put(k, v);
            }
        });
        Map<String, Object> tables = new LinkedHashMap<>();
        tables.put("version", forwarding == null ? 0L : forwarding.version());
        tables.put("routes", rib.routeCount());
        tables.put("nexthop_objects", rib.objects().size());
        tables.put("ports", rib.ports().size());
        m.put("tables", tables);
        m.put("workers", process.getOrDefault("workers", List.of()));
        return m;
    }

    /**
     * {@code daemon pid 4711 version 0.1 uptime 93 s ...}: each section's entries as "key value"
     * pairs on one line (lists joined with commas); each worker on a line of its own.
     */
    static List<String> text(Map<String, Object> status) {
        List<String> out = new ArrayList<>();
        status.forEach((section, v) -> {
            if (v instanceof Map<?, ?> map) {
                out.add(section + " " + pairs(map));
            } else if (v instanceof List<?> list) {
                for (Object o : list) {
                    if (o instanceof Map<?, ?> map) {
                        out.add(pairs(map));
                    }
                }
            }
        });
        return out;
    }

    private static String pairs(Map<?, ?> map) {
        StringBuilder sb = new StringBuilder();
        map.forEach((k, val) -> {
            String value = val instanceof List<?> l ? String.join(", ", l.stream().map(String::valueOf).toList()) : String.valueOf(val);
            sb.append(sb.isEmpty() ? "" : " ").append(String.valueOf(k).replace('_', '-')).append(' ').append(value);
        });
        return sb.toString();
    }
}
