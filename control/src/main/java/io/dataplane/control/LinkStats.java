package io.dataplane.control;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A port's counters in the shape of {@code ip -s link}'s {@code stats64}: {@code rx} and
 * {@code tx} with ip's six keys each. What the dataplane does not count on a port (errors,
 * per-port drops, multicast, carrier, collisions) is 0, as on a device that has none; the
 * dataplane's own counters stay under their own key.
 */
final class LinkStats {
    private LinkStats() {
    }

    static Map<String, Map<String, Long>> stats64(Map<String, Long> counters) {
        Map<String, Long> rx = new LinkedHashMap<>();
        rx.put("bytes", counters.getOrDefault("rx_bytes", 0L));
        rx.put("packets", counters.getOrDefault("rx_packets", 0L));
        rx.put("errors", 0L);
        rx.put("dropped", 0L);
        rx.put("over_errors", 0L);
        rx.put("multicast", 0L);
        Map<String, Long> tx = new LinkedHashMap<>();
        tx.put("bytes", counters.getOrDefault("tx_bytes", 0L));
        tx.put("packets", counters.getOrDefault("tx_packets", 0L));
        tx.put("errors", 0L);
        tx.put("dropped", 0L);
        tx.put("carrier_errors", 0L);
        tx.put("collisions", 0L);
        Map<String, Map<String, Long>> m = new LinkedHashMap<>();
        m.put("rx", rx);
        m.put("tx", tx);
        return m;
    }

    /** One row of ip's table: each value right-aligned under its heading, as ip pads them. */
    static String row(Collection<Long> values) {
        int[] widths = {10, 7, 6, 7, 7, 7};
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (long v : values) {
            sb.append(i == 0 ? "" : " ").append(String.format("%" + widths[i] + "d", v));
            i++;
        }
        return sb.toString();
    }
}
