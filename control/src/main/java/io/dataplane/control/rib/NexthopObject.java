package io.dataplane.control.rib;

import io.dataplane.control.command.Command.Member;
import io.dataplane.control.command.IpAddress;
import io.dataplane.tables.MultipathAlgorithm;
import java.util.List;

/** A nexthop object created with {@code nexthop add id ID ...}; it owns its table slot. */
public sealed interface NexthopObject {
    int id();

    /** {@code nexthop add id ID via ADDR dev PORT}: owns nexthop slot {@code slot}. */
    record GatewayObject(int id, IpAddress via, int port, int slot) implements NexthopObject {
    }

    /** {@code nexthop add id ID group ...}: owns group slot {@code slot}. */
    record GroupObject(int id, List<Member> members, MultipathAlgorithm mpalgo, int slot) implements NexthopObject {
    }
}
