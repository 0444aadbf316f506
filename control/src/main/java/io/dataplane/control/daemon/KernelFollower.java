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
 * Follows the kernel's links and neighbours: subscribes to their notifications first, then dumps
 * both tables (so nothing falls between the dump and the subscription), then hands every entry and
 * notification to a {@link Rtnetlink.Listener} as it comes, on its own thread. It keeps no table:
 * the listener relays (see {@link KernelRelay}). It also sends the resolution requests that
 * forwarding asks for when a nexthop's MAC is unknown, at most one per neighbour per second, like
 * the kernel's own probing.
 */
public final class KernelFollower implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KernelFollower.class.getName());
    private static final long RESOLVE_INTERVAL_NANOS = 1_000_000_000L;
    private static final int POLL_MS = 100;

    private record Request(int ifindex, InetAddress address) {
    }

    private final Rtnetlink.Listener listener;
    private final String namespace;
    private final Queue<Request> requests = new ConcurrentLinkedQueue<>();
    private final Map<Request, Long> lastRequest = new ConcurrentHashMap<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    /** Starts following; {@code namespace} is the network namespace to follow, or null for the current one. */
    public KernelFollower(Rtnetlink.Listener listener, String namespace) {
        this.listener = listener;
        this.namespace = namespace;
        this.thread = Thread.ofPlatform().daemon().name("neighbours" + (namespace == null ? "" : "-" + namespace))
                .start(this::run);
    }

    /** Waits until the initial dump went to the listener; throws what went wrong if following failed. */
    public void awaitLoaded(long timeout, TimeUnit unit) throws InterruptedException {
        if (!loaded.await(timeout, unit)) {
            throw new IllegalStateException("neighbour dump not loaded within " + timeout + " " + unit);
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
        lastRequest.put(r, now);
        requests.add(r);
    }

    private void run() {
        try {
            if (namespace != null) {
                NetNamespace.enter(namespace);
            }
            try (Rtnetlink events = Rtnetlink.subscribe(Rtnetlink.GROUP_LINK | Rtnetlink.GROUP_NEIGH);
                 Rtnetlink requestSocket = Rtnetlink.open()) {
                load(requestSocket);
                loaded.countDown();
                while (running) {
                    try {
                        events.readNotifications(POLL_MS, listener);
                    } catch (NativeException e) {
                        if (e.errno() != Errno.ENOBUFS) {
                            throw e;
                        }
                        // Notifications were lost (socket buffer overrun): the dump is the truth again.
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

    /** The kernel's links, then its neighbours (so a listener sees carrier before the neighbours behind it). */
    private void load(Rtnetlink socket) {
        for (Rtnetlink.Link l : socket.links()) {
            listener.onLink(l, false);
        }
        for (Rtnetlink.Neighbour n : socket.neighbours()) {
            listener.onNeighbour(n, false);
        }
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
