package io.dataplane.neighbour;

import io.dataplane.ffi.Rtnetlink;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Link-layer addresses of nexthops: the kernel's neighbour table as rtnetlink reports it (a dump,
 * then RTM_NEWNEIGH/DELNEIGH notifications applied by {@link NeighbourFollower}), overridden by
 * static entries from the configuration, plus the up/down state of links. Control side: the
 * builder of forwarding tables reads it and registers a {@link Listener} to rebuild nexthops when
 * an address resolves, changes, fails, or a link goes down. Thread safe.
 */
public final class NeighbourTable implements Rtnetlink.Listener {
    /** {@link #lookup} result for an address with no usable link-layer address. */
    public static final long UNRESOLVED = -1;

    /** Told about changes of the effective entries (static over kernel). */
    public interface Listener {
        /** {@code mac} is the 48-bit address, or {@link #UNRESOLVED}. */
        void onNeighbour(int ifindex, InetAddress address, long mac);

        void onLink(int ifindex, boolean up);
    }

    private record Key(int ifindex, InetAddress address) {
    }

    private final Map<Key, Long> learned = new ConcurrentHashMap<>();
    private final Map<Key, Long> configured = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> links = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** The MAC to send to {@code address} on {@code ifindex}, or {@link #UNRESOLVED}. */
    public long lookup(int ifindex, InetAddress address) {
        Key k = new Key(ifindex, address);
        Long mac = configured.get(k);
        if (mac == null) {
            mac = learned.get(k);
        }
        return mac == null ? UNRESOLVED : mac;
    }

    /** Whether the link is up; links never reported are assumed up. */
    public boolean linkUp(int ifindex) {
        return links.getOrDefault(ifindex, Boolean.TRUE);
    }

    /** A static entry ({@code ip neigh add ... lladdr ... permanent} in the configuration); it wins over the kernel's. */
    public void addStatic(int ifindex, InetAddress address, long mac) {
        if (mac < 0 || mac > 0xffffffffffffL) {
            throw new IllegalArgumentException("MAC must be 48 bits, was " + Long.toHexString(mac));
        }
        Key k = new Key(ifindex, address);
        long before = lookup(ifindex, address);
        configured.put(k, mac);
        changed(k, before);
    }

    public boolean removeStatic(int ifindex, InetAddress address) {
        Key k = new Key(ifindex, address);
        long before = lookup(ifindex, address);
        boolean removed = configured.remove(k) != null;
        changed(k, before);
        return removed;
    }

    /** Replaces the learned state with a dump (links first, so that listeners see a consistent picture). */
    public void load(List<Rtnetlink.Link> linkDump, List<Rtnetlink.Neighbour> neighbourDump) {
        for (Rtnetlink.Link l : linkDump) {
            onLink(l, false);
        }
        for (Rtnetlink.Neighbour n : neighbourDump) {
            onNeighbour(n, false);
        }
    }

    @Override
    public void onNeighbour(Rtnetlink.Neighbour n, boolean deleted) {
        Key k = new Key(n.ifindex(), n.address());
        long before = lookup(k.ifindex(), k.address());
        if (deleted || !n.usable()) {
            // FAILED, INCOMPLETE, or gone: sending to the old MAC could black-hole traffic.
            learned.remove(k);
        } else {
            learned.put(k, macOf(n.mac()));
        }
        changed(k, before);
    }

    @Override
    public void onLink(Rtnetlink.Link link, boolean deleted) {
        boolean up = !deleted && link.up();
        Boolean before = links.put(link.index(), up);
        if (before == null || before != up) {
            for (Listener l : listeners) {
                l.onLink(link.index(), up);
            }
        }
    }

    private void changed(Key k, long before) {
        long after = lookup(k.ifindex(), k.address());
        if (after != before) {
            for (Listener l : listeners) {
                l.onNeighbour(k.ifindex(), k.address(), after);
            }
        }
    }

    /** A 6-byte MAC as the 48-bit long the nexthop table stores. */
    public static long macOf(byte[] mac) {
        if (mac == null || mac.length != 6) {
            return UNRESOLVED;
        }
        long v = 0;
        for (byte b : mac) {
            v = v << 8 | (b & 0xff);
        }
        return v;
    }
}
