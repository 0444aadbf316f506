package io.dataplane.control.daemon;

import io.dataplane.ffi.Errno;
import io.dataplane.ffi.NativeException;
import io.dataplane.ffi.NetNamespace;
import io.dataplane.ffi.Rtnetlink;
import java.net.InetAddress;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Follows the kernel's links, neighbours and addresses, or its routes and nexthop objects ({@link Tables}):
 * subscribes to their notifications first, then dumps the tables (so nothing falls between the
 * dump and the subscription), then hands every entry and notification to a {@link Listener} as
 * it comes, on its own thread; when the kernel dropped notifications ({@code ENOBUFS}) it dumps
 * again, as {@code ip monitor} users do. It keeps no table: the listener relays (see
 * {@link KernelRelay}, {@link KernelRouteRelay}). It also sends the resolution requests that
 * forwarding asks for when a nexthop's MAC is unknown, at most one per neighbour per second, like
 * the kernel's own probing.
 */
public final class KernelFollower implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KernelFollower.class.getName());
    private static final long RESOLVE_INTERVAL_NANOS = 1_000_000_000L;
    private static final int POLL_MS = 100;
    /** Requests remembered for the once-a-second limit (and so at most sent per second). */
    private static final int REMEMBERED_REQUESTS = 1024;

    private record Request(int ifindex, InetAddress address) {
    }

    /** Which of the kernel's tables a follower follows. */
    public enum Tables {
        /** Links (carrier), neighbours and the links' addresses (an address removed while notifications were lost is not seen). */
        NEIGHBOURS,
        /** IPv4 and IPv6 routes and nexthop objects. */
        ROUTES
    }

    /** Receives what the follower reads, on its thread. */
    public interface Listener extends Rtnetlink.Listener {
        /** A dump begins: what comes until {@link #dumpEnded} is the whole table, which replaces what came before. */
        default void dumpBegins() {
        }

        default void dumpEnded() {
        }

        /** Every notification queued on the socket was delivered: a moment to pass on what was gathered. */
        default void drained() {
        }
    }

    /** The receive buffer of a route follower unless told otherwise: a full table arrives as one burst. */
    static final int ROUTE_RECEIVE_BUFFER = 64 << 20;

    private final Listener listener;
    private final Tables tables;
    private final int receiveBuffer;
    private final String namespace;
    private final Queue<Request> requests = new ConcurrentLinkedQueue<>();
    private final Map<Request, Long> lastRequest = new ConcurrentHashMap<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;
    private volatile long dumps;

    /** Starts following; {@code namespace} is the network namespace to follow, or null for the current one. */
    public KernelFollower(Rtnetlink.Listener listener, String namespace) {
        this(listener instanceof Listener l ? l : new Listener() {
            @Override
            public void onLink(Rtnetlink.Link link, boolean deleted) {
                listener.onLink(link, deleted);
            }

            @Override
            public void onNeighbour(Rtnetlink.Neighbour neighbour, boolean deleted) {
                listener.onNeighbour(neighbour, deleted);
            }

            @Override
            public void onAddress(Rtnetlink.Address address, boolean deleted) {
                listener.onAddress(address, deleted);
            }
        }, namespace, Tables.NEIGHBOURS, 0);
    }

    /**
     * Starts following {@code tables} in {@code namespace} (null: the current one); {@code
     * receiveBuffer} is the notification socket's buffer in bytes (0: the default for the tables).
     */
    public KernelFollower(Listener listener, String namespace, Tables tables, int receiveBuffer) {
        this.listener = listener;
        this.namespace = namespace;
        this.tables = tables;
        this.receiveBuffer = receiveBuffer > 0 ? receiveBuffer : tables == Tables.ROUTES ? ROUTE_RECEIVE_BUFFER : 0;
        this.thread = Thread.ofPlatform().daemon()
                .name((tables == Tables.ROUTES ? "routes" : "neighbours") + (namespace == null ? "" : "-" + namespace))
                .start(this::run);
    }

    /** Dumps (full resynchronisations) so far, the first one included. */
    public long dumps() {
        return dumps;
    }

    /** Waits until the initial dump went to the listener; throws what went wrong if following failed. */
    public void awaitLoaded(long timeout, TimeUnit unit) throws InterruptedException {
        if (!loaded.await(timeout, unit)) {
            throw new IllegalStateException((tables == Tables.ROUTES ? "route" : "neighbour") + " dump not loaded within "
                    + timeout + " " + unit);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Asks the kernel to resolve a neighbour (ARP/ND); cheap to call often, sends at most once a second per neighbour. */
    public void resolve(int ifindex, InetAddress address) {
        Request r = new Request(ifindex, address);
        long now = System.nanoTime();
        Long last = lastRequest.get(r);
        if (last != null && now - last < RESOLVE_INTERVAL_NANOS) {
            return;
        }
        if (lastRequest.size() >= REMEMBERED_REQUESTS) {
            // Hosts of a connected subnet come from traffic, so there may be many: forget the ones
            // whose second has passed rather than keep every address ever asked for.
            lastRequest.values().removeIf(t -> now - t >= RESOLVE_INTERVAL_NANOS);
            if (lastRequest.size() >= REMEMBERED_REQUESTS) {
                return; // that many asked for within a second: the kernel's own neighbour table is the limit
            }
        }
        lastRequest.put(r, now);
        requests.add(r);
    }

    private void run() {
        try {
            if (namespace != null) {
                NetNamespace.enter(namespace);
            }
            try (Rtnetlink events = Rtnetlink.subscribe(tables == Tables.ROUTES
                    ? Rtnetlink.GROUP_IPV4_ROUTE | Rtnetlink.GROUP_IPV6_ROUTE
                    : Rtnetlink.GROUP_LINK | Rtnetlink.GROUP_NEIGH | Rtnetlink.GROUP_IPV4_IFADDR | Rtnetlink.GROUP_IPV6_IFADDR);
                 Rtnetlink requestSocket = Rtnetlink.open()) {
                if (tables == Tables.ROUTES) {
                    events.join(Rtnetlink.RTNLGRP_NEXTHOP);
                }
                if (receiveBuffer > 0) {
                    events.receiveBuffer(receiveBuffer);
                }
                load(requestSocket);
                loaded.countDown();
                while (running) {
                    try {
                        if (events.readNotifications(POLL_MS, listener) > 0) {
                            listener.drained();
                            if (tables == Tables.ROUTES) {
                                pause();
                            }
                        }
                    } catch (NativeException e) {
                        if (e.errno() != Errno.ENOBUFS) {
                            throw e;
                        }
                        // Notifications were lost (socket buffer overrun): the dump is the truth again.
                        events.discardNotifications();
                        load(requestSocket);
                    }
                    for (Request r; (r = requests.poll()) != null; ) {
                        try {
                            requestSocket.resolve(r.ifindex(), r.address());
                        } catch (RuntimeException e) {
                            LOG.log(System.Logger.Level.WARNING, "neighbour resolution request failed: {0}", e.getMessage());
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            failure = e;
            LOG.log(System.Logger.Level.ERROR, "neighbour following stopped: " + e.getMessage(), e);
        } finally {
            loaded.countDown();
        }
    }

    /**
     * After a burst was read, lets the next one gather in the socket buffer for {@link
     * #ROUTE_PAUSE_NANOS} before waiting for it. A reader that waits again as soon as it drained
     * is woken once per message while {@code ip -batch} or a routing daemon installs a full table,
     * and each wakeup is work the kernel does in the installer's context and a CPU taken from it
     * (2 vCPUs here). The first message after a quiet spell still wakes the reader at once; the
     * receive buffer ({@link #ROUTE_RECEIVE_BUFFER}) holds far more than a pause's worth.
     */
    private static void pause() {
        java.util.concurrent.locks.LockSupport.parkNanos(ROUTE_PAUSE_NANOS);
    }

    /** How long a route follower lets notifications gather after a burst (see {@link #pause}). */
    static final long ROUTE_PAUSE_NANOS = 2_000_000;

    /**
     * The kernel's links, then its neighbours (so a listener sees carrier before the neighbours
     * behind it), then the links' addresses; or its nexthop objects, then its routes (which name them).
     */
    private void load(Rtnetlink socket) {
        dumps++;
        listener.dumpBegins();
        if (tables == Tables.ROUTES) {
            socket.dumpNexthops(listener);
            socket.dumpRoutes(listener);
        } else {
            for (Rtnetlink.Link l : socket.links()) {
                listener.onLink(l, false);
            }
            for (Rtnetlink.Neighbour n : socket.neighbours()) {
                listener.onNeighbour(n, false);
            }
            // what was added while no notification could tell it (before the subscription, or lost)
            for (Rtnetlink.Address a : socket.addresses()) {
                listener.onAddress(a, false);
            }
        }
        listener.dumpEnded();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
