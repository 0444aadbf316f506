package io.dataplane.control.daemon;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.RouteSources;
import io.dataplane.control.command.Command;
import io.dataplane.control.command.Command.FpmListen;
import io.dataplane.control.command.Command.RibFollow;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.rib.Rib;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's routing sources: {@code rib follow kernel} starts a {@link KernelFollower} of the
 * kernel's routes and nexthop objects, {@code fpm listen} an {@link FpmServer}; both hand their
 * messages to a {@link RouteRelay}, the one way routes from outside reach the RIB.
 */
final class RoutingSources implements RouteSources, AutoCloseable {
    private static final long LOAD_TIMEOUT_SECONDS = 120;

    private final ControlPlane plane;
    private final Executor controlThread;
    private final List<AutoCloseable> running = new ArrayList<>();

    RoutingSources(ControlPlane plane, Executor controlThread) {
        this.plane = plane;
        this.controlThread = controlThread;
    }

    @Override
    public void start(Command request) {
        switch (request) {
            case RibFollow f -> kernel(f);
            case FpmListen f -> fpm(f);
            default -> throw new IllegalArgumentException(request + " is not a routing source");
        }
    }

    private void kernel(RibFollow f) {
        String table = Integer.toUnsignedString(f.table());
        refuseTwice("kernel");
        RouteRelay relay = new RouteRelay(plane, controlThread, "kernel", f.table(), ports());
        KernelFollower follower = new KernelFollower(relay, null, KernelFollower.Tables.ROUTES, f.receiveBuffer());
        try {
            follower.awaitLoaded(LOAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            follower.close();
            throw new CommandException("interrupted while dumping the kernel's routes");
        } catch (RuntimeException e) {
            follower.close();
            throw new CommandException("cannot follow the kernel's routes: " + e.getMessage());
        }
        // registered once the dump is in: the relay's first update runs on this thread, after us
        plane.rib().follow("kernel", "the kernel's table " + table, f.table(), f.protocols());
        running.add(follower);
    }

    private void fpm(FpmListen f) {
        refuseTwice("fpm");
        RouteRelay relay = new RouteRelay(plane, controlThread, "fpm", FpmServer.MAIN_TABLE, ports());
        FpmServer server = FpmServer.open(f.address(), f.port(), relay);
        plane.rib().follow("fpm", "FPM (zebra) on " + f.address() + " port " + f.port(), FpmServer.MAIN_TABLE, java.util.Set.of());
        running.add(server);
    }

    private void refuseTwice(String name) {
        for (var f : plane.rib().followedSources()) {
            if (f.name().equals(name)) {
                throw new CommandException("routes from " + f.description() + " are already followed; 'rib follow show' shows them");
            }
        }
    }

    private List<String> portNames() {
        return plane.rib().ports().stream().map(Rib.PortEntry::name).toList();
    }

    private java.util.Map<Integer, String> ports() {
        return RouteRelay.portsByIfindex(portNames());
    }

    @Override
    public void close() {
        for (AutoCloseable c : running) {
            try {
                c.close();
            } catch (Exception e) {
                // closing on the way out: nothing more to do with it
            }
        }
        running.clear();
    }
}
