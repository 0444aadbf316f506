package io.dataplane.e2e;

import io.dataplane.control.daemon.KernelAddresses;
import io.dataplane.ffi.Rtnetlink;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/** What a KernelFollower heard from the kernel, for tests that wire the tables by hand: usable neighbours and link changes. */
final class HeardNeighbours implements Rtnetlink.Listener {
    private record Key(int ifindex, InetAddress address) {
    }

    private final Map<Key, Long> macs = new ConcurrentHashMap<>();
    /** Told {@code (ifindex, up)} for every link the kernel reports; set before following starts or from the test. */
    volatile BiConsumer<Integer, Boolean> onLink = (ifindex, up) -> { };

    /** The MAC of {@code address} on {@code ifindex}, or -1 while the kernel has no usable entry. */
    long lookup(int ifindex, InetAddress address) {
        return macs.getOrDefault(new Key(ifindex, address), -1L);
    }

    @Override
    public void onNeighbour(Rtnetlink.Neighbour n, boolean deleted) {
        Key k = new Key(n.ifindex(), n.address());
        if (deleted || !n.usable()) {
            macs.remove(k);
        } else {
            macs.put(k, KernelAddresses.mac(n.mac()));
        }
    }

    @Override
    public void onLink(Rtnetlink.Link link, boolean deleted) {
        onLink.accept(link.index(), !deleted && link.up());
    }
}
