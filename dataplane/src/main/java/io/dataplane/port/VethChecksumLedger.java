package io.dataplane.port;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The veth peers whose TX checksum offload this daemon turned off ({@link VethChecksums}), written
 * to a file beside the command socket while they are off.
 *
 * <p>Why: a daemon killed with {@code kill -9} runs no cleanup, so its peers keep their offload
 * off, and the next daemon finds them off and does not count them as its change: they would stay
 * off for good. The next daemon reads the file first and turns those peers on again
 * ({@link #restoreLeftovers}), then changes what its own ports need. Control thread only.
 */
public final class VethChecksumLedger {
    private static final System.Logger LOG = System.getLogger(VethChecksumLedger.class.getName());

    private final Path file;
    private final Set<VethChecksums.Change> off = new LinkedHashSet<>();

    /** Keeps the ledger in {@code file}; {@code null} keeps it in memory only (nothing survives the process). */
    public VethChecksumLedger(Path file) {
        this.file = file;
    }

    /**
     * Turns on again every peer an earlier daemon left in the file (when the device is still the
     * one it changed), then empties the file. Returns how many entries it found.
     */
    public int restoreLeftovers() {
        if (file == null || !Files.exists(file)) {
            return 0;
        }
        List<VethChecksums.Change> left = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split("\t");
                if (f.length == 4) {
                    left.add(new VethChecksums.Change(f[0], f[1], f[2].equals("-") ? null : Path.of(f[2]), Integer.parseInt(f[3])));
                } else if (!line.isBlank()) {
                    LOG.log(System.Logger.Level.WARNING, file + ": ignoring a line that is not 'port, peer, namespace, ifindex': " + line);
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read " + file + " (" + e.getMessage() + "): veth peers an earlier daemon"
                    + " left with TX checksum offload off stay so; 'ethtool -K PEER tx on' turns one on again");
        }
        left.forEach(VethChecksums::restoreLeftover);
        write();
        return left.size();
    }

    /** Records {@code change}; closing the result undoes it and forgets it. */
    public AutoCloseable track(VethChecksums.Change change) {
        off.add(change);
        try {
            write();
        } catch (UncheckedIOException e) {
            off.remove(change);
            change.close();
            throw e;
        }
        return () -> {
            change.close();
            off.remove(change);
            write();
        };
    }

    private void write() {
        if (file == null) {
            return;
        }
        try {
            if (off.isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            StringBuilder text = new StringBuilder();
            for (VethChecksums.Change c : off) {
                text.append(c.port()).append('\t').append(c.peer()).append('\t')
                        .append(c.namespace() == null ? "-" : c.namespace().toString()).append('\t').append(c.peerIfindex()).append('\n');
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".new");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ", which records the veth peers whose TX checksum offload the"
                    + " daemon turned off (so that a restart after kill -9 turns them on again): " + e.getMessage(), e);
        }
    }
}
