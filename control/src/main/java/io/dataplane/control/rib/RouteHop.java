package io.dataplane.control.rib;

import io.dataplane.control.command.IpAddress;

/** A gateway of a route, resolved to a port index, with its weight. */
public record RouteHop(IpAddress via, int port, int weight) {
}
