package io.dataplane.control.rib;

import io.dataplane.control.command.IpAddress;

/** A gateway of a route, resolved to a port index, with its weight; {@code onlink} as given ({@code ip}'s RTNH_F_ONLINK). */
public record RouteHop(IpAddress via, int port, int weight, boolean onlink) {
    public RouteHop(IpAddress via, int port, int weight) {
        this(via, port, weight, false);
    }
}
