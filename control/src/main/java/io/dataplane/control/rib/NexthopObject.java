package io.dataplane.control.rib;

import io.dataplane.control.command.Command.Member;
import io.dataplane.control.command.IpAddress;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.ResilientGroup;
import java.util.List;

/** A nexthop object created with {@code nexthop add id ID ...}; it owns its table slot. */
public sealed interface NexthopObject {
    int id();

    /** {@code nexthop add id ID via ADDR dev PORT}: owns nexthop slot {@code slot}. */
    record GatewayObject(int id, IpAddress via, int port, int slot) implements NexthopObject {
    }

    /**
     * {@code nexthop add id ID group ...}: owns group slot {@code slot}. {@code resilient} is the
     * bucket state of a {@code type resilient} group (null for mpath); a change replaces the object
     * with one holding a changed copy, so a rollback restores the state exactly.
     */
    record GroupObject(int id, List<Member> members, MultipathAlgorithm mpalgo, int slot, ResilientGroup resilient)
            implements NexthopObject {
        public GroupObject(int id, List<Member> members, MultipathAlgorithm mpalgo, int slot) {
            this(id, members, mpalgo, slot, null);
        }
    }
}
