package io.dataplane.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.Libc;
import io.dataplane.testing.Netns;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which devices get their peer's TX checksum offload turned off, and what the operator is told when it cannot be. */
class VethChecksumsTest {
    private static boolean offload(Netns netns, String ns, String dev) {
        return netns.exec(ns, "ethtool", "-k", dev).contains("tx-checksumming: on");
    }

    @Test
    void aPeerInAnotherNamespaceIsTurnedOffAndBackOnWhenTheChangeCloses() {
        try (Netns netns = new Netns("csum")) {
            String here = netns.add("here");
            String there = netns.add("there");
            netns.veth(here, "va", there, "vb");
            Optional<VethChecksums.Change> change = netns.call(here, () -> VethChecksums.finishAtPeer("va"));
            assertTrue(change.isPresent());
            assertEquals("vb", change.get().peer());
            assertFalse(offload(netns, there, "vb"), "the peer still offloads");
            assertTrue(offload(netns, here, "va"), "our own end is not the one that sends to us");
            // Already off: nothing to change, nothing to undo.
            assertEquals(Optional.empty(), netns.call(here, () -> VethChecksums.finishAtPeer("va")));
            change.get().close();
            assertTrue(offload(netns, there, "vb"), "closing the change turns the peer's offload on again");
        }
    }

    @Test
    void aPeerInTheSameNamespaceAndNonVethDevices() {
        try (Netns netns = new Netns("csum")) {
            String here = netns.add("here");
            netns.veth(here, "va", here, "vb");
            Optional<VethChecksums.Change> change = netns.call(here, () -> VethChecksums.finishAtPeer("va"));
            assertEquals("vb", change.orElseThrow().peer());
            assertFalse(offload(netns, here, "vb"));
            assertEquals(Optional.empty(), netns.call(here, () -> VethChecksums.finishAtPeer("lo")), "lo is no veth");
        }
    }

    /** A namespace kept alive only by an open descriptor has no file anyone can find it by. */
    @Test
    void anUnreachablePeerNamespaceIsRefusedWithWhatToRun() {
        try (Netns netns = new Netns("csum")) {
            String here = netns.add("here");
            String gone = netns.add("gone");
            netns.veth(here, "va", gone, "vb");
            int fd = Libc.open("/run/netns/" + gone, Libc.O_RDONLY | Libc.O_CLOEXEC);
            try {
                Netns.run("ip", "netns", "delete", gone);
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> netns.call(here, () -> VethChecksums.finishAtPeer("va")));
                assertTrue(e.getMessage().contains("port va is a veth whose peer") && e.getMessage().contains("ip netns attach")
                        && e.getMessage().contains("ethtool -K"), e.getMessage());
            } finally {
                Libc.close(fd);
            }
        }
    }
}
