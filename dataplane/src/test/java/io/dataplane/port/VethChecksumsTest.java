package io.dataplane.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.Libc;
import io.dataplane.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** kill -9 runs no cleanup: the ledger file is how the next daemon knows the peer's offload was ours to turn on. */
    @Test
    void aLedgerLeftByAKilledDaemonTurnsItsPeersOnAgain() throws Exception {
        Path dir = Files.createTempDirectory("csum-ledger");
        Path file = dir.resolve("dataplane.veth-offloads");
        try (Netns netns = new Netns("csum")) {
            String here = netns.add("here");
            String there = netns.add("there");
            netns.veth(here, "va", there, "vb");
            netns.veth(here, "vc", here, "vd");
            VethChecksumLedger killed = new VethChecksumLedger(file);
            AutoCloseable undo = netns.call(here, () -> killed.track(VethChecksums.finishAtPeer("va").orElseThrow()));
            netns.call(here, () -> killed.track(VethChecksums.finishAtPeer("vc").orElseThrow()));
            assertFalse(offload(netns, there, "vb"));
            assertFalse(offload(netns, here, "vd"));
            assertEquals(2, Files.readAllLines(file).size(), "both changes are on record");
            undo.close();
            assertTrue(offload(netns, there, "vb"), "closing a tracked change undoes it");
            assertEquals(1, Files.readAllLines(file).size(), "and takes it off the record");
            netns.call(here, () -> killed.track(VethChecksums.finishAtPeer("va").orElseThrow()));
            // The daemon dies here without closing anything. The next one reads what it left.
            assertFalse(offload(netns, there, "vb"));
            assertEquals(2, netns.call(here, () -> new VethChecksumLedger(file).restoreLeftovers()));
            assertTrue(offload(netns, there, "vb"), "the peer in the other namespace is on again");
            assertTrue(offload(netns, here, "vd"), "the peer in our namespace is on again");
            assertFalse(Files.exists(file), "nothing is left on record");
            assertEquals(0, netns.call(here, () -> new VethChecksumLedger(file).restoreLeftovers()));
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** An ifindex whose device was deleted and reused by another is not the peer we changed: leave it alone. */
    @Test
    void aLeftoverWhoseDeviceIsGoneIsSkipped() throws Exception {
        Path dir = Files.createTempDirectory("csum-ledger");
        Path file = dir.resolve("dataplane.veth-offloads");
        try (Netns netns = new Netns("csum")) {
            String here = netns.add("here");
            netns.veth(here, "va", here, "vb");
            int vbIndex = netns.call(here, () -> Libc.ifNameToIndex("vb"));
            Files.writeString(file, "va\tgone\t-\t" + vbIndex + "\nnot a ledger line\n");
            netns.exec(here, "ethtool", "-K", "vb", "tx", "off");
            assertEquals(1, netns.call(here, () -> new VethChecksumLedger(file).restoreLeftovers()));
            assertFalse(offload(netns, here, "vb"), "vb is not the device 'gone' that was changed");
            assertFalse(Files.exists(file));
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
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
