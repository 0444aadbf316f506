package io.dataplane.control;

import io.dataplane.control.rib.NexthopObject;
import io.dataplane.control.rib.NexthopObject.GroupObject;
import io.dataplane.tables.ResilientGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How resilient groups print, in {@code ip nexthop}'s words: the arguments {@code nexthop show}
 * adds ({@code type resilient buckets ... unbalanced_time ...}, JSON {@code resilient_args}) and
 * {@code nexthop bucket show}, one line (JSON object) per bucket in index order.
 */
final class ResilientOutput {
    private ResilientOutput() {
    }

    /** {@code type resilient buckets B idle_timer I unbalanced_timer U unbalanced_time T}, for the text line. */
    static String argumentsText(ResilientGroup g, long now) {
        return "type resilient buckets " + g.buckets() + " idle_timer " + Seconds.ofNanos(g.idleTimer())
                + " unbalanced_timer " + Seconds.ofNanos(g.unbalancedTimer())
                + " unbalanced_time " + Seconds.ofNanos(g.unbalancedTime(now));
    }

    /** {@code "resilient_args"} of {@code ip -j nexthop show}. */
    static Map<String, Object> argumentsJson(ResilientGroup g, long now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("buckets", g.buckets());
        m.put("idle_timer", Seconds.ofNanos(g.idleTimer()));
        m.put("unbalanced_timer", Seconds.ofNanos(g.unbalancedTimer()));
        m.put("unbalanced_time", Seconds.ofNanos(g.unbalancedTime(now)));
        return m;
    }

    /** One bucket as {@code ip nexthop bucket show} lists it. */
    record Bucket(int group, int index, Seconds idleTime, int nhid) {
    }

    /** The buckets of every resilient group (or group {@code id}), of member {@code nhid} only when given. */
    static List<Bucket> buckets(List<NexthopObject> objects, Integer nhid, long now) {
        List<Bucket> out = new ArrayList<>();
        for (NexthopObject o : objects) {
            if (o instanceof GroupObject g && g.resilient() != null) {
                ResilientGroup r = g.resilient();
                for (int b = 0; b < r.buckets(); b++) {
                    if (nhid == null || r.nexthop(b) == nhid) {
                        out.add(new Bucket(g.id(), b, Seconds.ofNanos(r.idleTime(b, now)), r.nexthop(b)));
                    }
                }
            }
        }
        return out;
    }

    static List<String> bucketsText(List<Bucket> buckets) {
        List<String> out = new ArrayList<>(buckets.size());
        for (Bucket b : buckets) {
            out.add("id " + b.group() + " index " + b.index() + " idle_time " + b.idleTime() + " nhid " + b.nhid());
        }
        return out;
    }

    static List<Object> bucketsJson(List<Bucket> buckets) {
        List<Object> out = new ArrayList<>(buckets.size());
        for (Bucket b : buckets) {
            Map<String, Object> bucket = new LinkedHashMap<>();
            bucket.put("index", b.index());
            bucket.put("idle_time", b.idleTime());
            bucket.put("nhid", b.nhid());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", b.group());
            m.put("bucket", bucket);
            m.put("flags", List.of());
            out.add(m);
        }
        return out;
    }
}
