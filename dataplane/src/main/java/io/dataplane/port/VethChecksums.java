package io.dataplane.port;

import io.dataplane.ffi.Ethtool;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.NetNamespace;
import io.dataplane.ffi.Rtnetlink;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Makes the far end of a veth that carries an AF_XDP port put finished TCP/UDP checksums on the
 * wire, by turning its TX checksum offload off ({@code ethtool -K PEER tx off}).
 *
 * <p>Why: a veth offloads checksums by default, so its sender (or a kernel router forwarding
 * through it) hands over frames whose L4 checksum field holds only the pseudo-header sum
 * (CHECKSUM_PARTIAL), to be finished by "hardware" that veth does not have. The kernel finishes it
 * when the skb leaves through a real NIC; XDP hands AF_XDP the bytes without that note (there is
 * no checksum metadata kfunc), so we would forward an unfinished checksum and the receiver drops
 * the segment. With offload off at the peer the kernel finishes the checksum before the frame
 * enters the veth. Physical NICs are left alone: they receive finished checksums from the wire.
 */
public final class VethChecksums {
    private static final System.Logger LOG = System.getLogger(VethChecksums.class.getName());

    private VethChecksums() {
    }

    /**
     * A peer whose offload was turned off; closing turns it on again (best effort, logged), so the
     * peer gets its offloads back when the port goes away.
     */
    public record Change(String port, String peer, Path namespace, int peerIfindex) implements AutoCloseable {
        @Override
        public void close() {
            try {
                inPeerNamespace(namespace, () -> {
                    Ethtool.setTxChecksumming(peerName(peerIfindex), true);
                    return null;
                });
                LOG.log(System.Logger.Level.INFO, "port " + port + ": TX checksum offload of its veth peer " + peer
                        + where(namespace) + " turned on again");
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "port " + port + ": could not turn TX checksum offload of its veth peer "
                        + peer + where(namespace) + " on again: " + e.getMessage());
            }
        }
    }

    /**
     * If {@code ifname} (in the calling thread's namespace) is a veth whose peer offloads TX
     * checksums, turns that off and logs it; returns the change to undo on close. Empty for any
     * other device, or a peer that already computes its checksums.
     *
     * @throws IllegalStateException when the peer cannot be reached or changed; the message says what to run
     */
    public static Optional<Change> finishAtPeer(String ifname) {
        int ifindex = Libc.ifNameToIndex(ifname);
        Rtnetlink.LinkPeer link;
        try (Rtnetlink nl = Rtnetlink.open()) {
            link = nl.linkPeer(ifindex);
        }
        if (!"veth".equals(link.kind()) || link.peerIfindex() == 0) {
            return Optional.empty();
        }
        Path namespace = null;
        if (link.peerNetnsid() != Rtnetlink.NSID_NONE) {
            namespace = NetNamespace.locate(link.peerNetnsid()).orElseThrow(() -> new IllegalStateException("port " + ifname
                    + " is a veth whose peer (ifindex " + link.peerIfindex() + ") lives in the network namespace with id "
                    + link.peerNetnsid() + " ('link-netnsid' in 'ip -d link show dev " + ifname + "'), which is neither under"
                    + " /run/netns, nor mounted, nor the namespace of a process, so the dataplane cannot check whether that peer"
                    + " finishes its TCP/UDP checksums (AF_XDP forwards the bytes, and veth offloads checksums by default):"
                    + " give that namespace a name (ip netns attach NAME PID) and start again, after or instead of running"
                    + " 'ethtool -K PEER tx off' inside it"));
        }
        Path ns = namespace;
        String[] peer = new String[1];
        boolean changed;
        try {
            changed = inPeerNamespace(ns, () -> {
                peer[0] = peerName(link.peerIfindex());
                if (!Ethtool.txChecksumming(peer[0])) {
                    return false;
                }
                Ethtool.setTxChecksumming(peer[0], false);
                if (Ethtool.txChecksumming(peer[0])) {
                    throw new IllegalStateException("the kernel kept it on");
                }
                return true;
            });
        } catch (RuntimeException e) {
            String name = peer[0] != null ? peer[0] : "PEER";
            throw new IllegalStateException("port " + ifname + ": cannot turn TX checksum offload off on its veth peer " + name
                    + where(ns) + " (" + e.getMessage() + "); with it on, the peer's TCP/UDP frames would be forwarded with"
                    + " unfinished checksums; run '" + ethtoolCommand(ns, name) + "'"
                    + " and start again", e);
        }
        if (!changed) {
            return Optional.empty();
        }
        LOG.log(System.Logger.Level.INFO, "port " + ifname + ": turned TX checksum offload off on its veth peer " + peer[0]
                + where(ns) + " (" + ethtoolCommand(ns, peer[0]) + "), so that it sends finished TCP/UDP checksums:"
                + " AF_XDP forwards a frame's bytes without the kernel's note that its checksum is unfinished");
        return Optional.of(new Change(ifname, peer[0], ns, link.peerIfindex()));
    }

    /**
     * Turns the offload of a peer that an earlier daemon turned off, and never turned on again, on
     * again; only if the device at that index still has that name (else it is another device now,
     * and is left alone). Logs what it did; never throws.
     */
    static void restoreLeftover(Change left) {
        try {
            boolean restored = inPeerNamespace(left.namespace(), () -> {
                if (!left.peer().equals(peerName(left.peerIfindex())) || Ethtool.txChecksumming(left.peer())) {
                    return false;
                }
                Ethtool.setTxChecksumming(left.peer(), true);
                return true;
            });
            if (restored) {
                LOG.log(System.Logger.Level.INFO, "port " + left.port() + ": TX checksum offload of its veth peer " + left.peer()
                        + where(left.namespace()) + " turned on again: a daemon that stopped without cleaning up (kill -9?)"
                        + " had left it off");
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "port " + left.port() + ": the veth peer " + left.peer() + where(left.namespace())
                    + " whose TX checksum offload an earlier daemon turned off is gone (" + e.getMessage() + "); nothing to undo");
        }
    }

    private static String peerName(int ifindex) {
        try (Rtnetlink nl = Rtnetlink.open()) {
            return nl.link(ifindex).name();
        }
    }

    /** Runs {@code body} in the peer's namespace ({@code null}: ours, on this thread). */
    private static <T> T inPeerNamespace(Path namespace, Callable<T> body) {
        if (namespace == null) {
            try {
                return body.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return NetNamespace.call(namespace, body);
    }

    /** The command an operator runs to do it by hand. */
    private static String ethtoolCommand(Path namespace, String peer) {
        String ethtool = "ethtool -K " + peer + " tx off";
        if (namespace == null) {
            return ethtool;
        }
        if (namespace.getParent() != null && namespace.getParent().endsWith("netns")) {
            return "ip netns exec " + namespace.getFileName() + " " + ethtool;
        }
        return "nsenter --net=" + namespace + " " + ethtool;
    }

    private static String where(Path namespace) {
        return namespace == null ? "" : " in network namespace " + namespace;
    }
}
