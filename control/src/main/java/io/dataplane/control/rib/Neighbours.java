package io.dataplane.control.rib;

import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.IpAddress;
import io.dataplane.tables.MacAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Link-layer addresses of gateways, per port: static entries ({@code neigh add}) and the ones the
 * kernel resolved (ARP/ND) on the ports' devices. A static entry wins over a learned one, as in
 * the kernel, where a PERMANENT entry is never replaced by resolution.
 */
final class Neighbours {
    private record Key(IpAddress address, int port) {
    }

    /** What the kernel reported: the MAC and its NUD state (REACHABLE, STALE...). */
    private record Learned(long mac, int state) {
    }

    private final Journal journal;
    private final Map<Key, Long> statics = new HashMap<>();
    private final Map<Key, Learned> learned = new HashMap<>();

    Neighbours(Journal journal) {
        this.journal = journal;
    }

    /** The MAC to send to {@code address} on {@code port}, or null while it is unknown. */
    Long mac(IpAddress address, int port) {
        Key k = new Key(address, port);
        Long mac = statics.get(k);
        if (mac != null) {
            return mac;
        }
        Learned l = learned.get(k);
        return l == null ? null : l.mac();
    }

    void addStatic(IpAddress address, int port, long mac) {
        if (mac == 0 || (mac & 0x0100_0000_0000L) != 0) {
            throw new CommandException("lladdr " + MacAddress.format(mac) + " for neighbour " + address
                    + " is " + (mac == 0 ? "all zeros" : "a multicast address") + "; give the neighbour's unicast MAC");
        }
        journal.put(statics, new Key(address, port), mac);
    }

    /** The static entry's MAC for {@code address} on {@code port}, or null. */
    Long staticMac(IpAddress address, int port) {
        return statics.get(new Key(address, port));
    }

    /** Removes a static entry; {@code dev} names the port in the message when there is none. */
    void removeStatic(IpAddress address, int port, String dev) {
        Key k = new Key(address, port);
        if (!statics.containsKey(k)) {
            throw new CommandException("no neighbour " + address + " on " + dev + " to delete; 'neigh show' lists them");
        }
        journal.put(statics, k, null);
    }

    /**
     * The kernel resolved ({@code mac >= 0}, in NUD {@code state}) or lost ({@code mac < 0}) a
     * neighbour; false if its MAC did not change (a new state alone changes no table).
     */
    boolean learn(IpAddress address, int port, long mac, int state) {
        Key k = new Key(address, port);
        Learned before = learned.get(k);
        Learned now = mac < 0 ? null : new Learned(mac, state);
        if (Objects.equals(before, now)) {
            return false;
        }
        journal.put(learned, k, now);
        return before == null || now == null || before.mac() != now.mac();
    }

    /** Static entries and, where there is none, the ones the kernel resolved, sorted by port, then address. */
    List<Rib.Neighbour> all() {
        List<Rib.Neighbour> out = statics();
        learned.forEach((k, l) -> {
            if (!statics.containsKey(k)) {
                out.add(new Rib.Neighbour(k.address(), k.port(), l.mac(), l.state()));
            }
        });
        out.sort(Neighbours::byPortThenAddress);
        return out;
    }

    private static int byPortThenAddress(Rib.Neighbour a, Rib.Neighbour b) {
        int c = Integer.compare(a.port(), b.port());
        return c != 0 ? c : a.address().compareTo(b.address());
    }

    /** Forgets what the kernel taught about neighbours on {@code port} (the port is removed), journalled. */
    void forgetLearned(int port) {
        for (Key k : List.copyOf(learned.keySet())) {
            if (k.port() == port) {
                journal.put(learned, k, null);
            }
        }
    }

    /** Static entries sorted by port, then address. */
    List<Rib.Neighbour> statics() {
        List<Rib.Neighbour> out = new ArrayList<>();
        statics.forEach((k, mac) -> out.add(new Rib.Neighbour(k.address(), k.port(), mac)));
        out.sort(Neighbours::byPortThenAddress);
        return out;
    }
}
