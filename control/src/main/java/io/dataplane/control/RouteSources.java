package io.dataplane.control;

import io.dataplane.control.command.Command;

/**
 * The routing sources the daemon runs for {@code rib follow kernel} and {@code fpm listen}: the
 * kernel's FIB over rtnetlink, FRR zebra's FPM connection. The routing model does not talk to
 * the kernel itself; it asks for a source to start and then receives its updates on the control
 * thread (into {@link io.dataplane.control.rib.FollowedRoutes}).
 */
public interface RouteSources {
    /**
     * Starts the source {@code request} asks for ({@link Command.RibFollow} or
     * {@link Command.FpmListen}); throws a {@link io.dataplane.control.command.CommandException}
     * saying why when it cannot. Control thread.
     */
    void start(Command request);
}
