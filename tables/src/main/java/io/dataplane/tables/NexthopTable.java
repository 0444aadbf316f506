package io.dataplane.tables;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * One immutable version of the nexthop table: 32-byte flat entries indexed by nexthop slot, laid
 * out so that the rewrite copies the 12 MAC bytes straight into the Ethernet header.
 *
 * <p>Versions are built by copying (a change produces a new table) and are owned by the garbage
 * collector: a worker holds the {@link Snapshot} that references a version for the length of a
 * burst (to its end: {@link java.lang.ref.Reference#reachabilityFence}), so a version's memory
 * cannot go while a worker can still read it. The fast path reads it at absolute addresses
 * ({@link AddressSpace}), within the bounds checked here.
 */
public final class NexthopTable {
    public static final int ENTRY_BYTES = 32;
    /** Port and flags, one 8-byte word: port in the low 32 bits, flags in the high 32 bits. */
    public static final int PORT = 0;
    public static final int MTU = 8;
    /** Destination MAC (6 bytes) then source MAC (6 bytes), in wire order: the Ethernet header's first 12 bytes. */
    public static final int MACS = 16;

    public static final int FLAG_PRESENT = 1;
    public static final int FLAG_ALIVE = 2;
    public static final int FLAG_RESOLVED = 4;

    private static final NexthopTable EMPTY = new NexthopTable(new Nexthop[0]);

    /**
     * Written once, here; the fast path reads through {@link #address}. The field is what keeps the
     * automatic arena's memory allocated for as long as this version is reachable: not a local.
     */
    private final MemorySegment segment;
    /** The address of entry 0, for the fast path's reads through {@link AddressSpace#ALL}. */
    private final long address;
    private final Nexthop[] entries;

    private NexthopTable(Nexthop[] entries) {
        this.entries = entries;
        this.segment = Arena.ofAuto().allocate((long) Math.max(1, entries.length) * ENTRY_BYTES, 64);
        this.address = segment.address();
        for (int i = 0; i < entries.length; i++) {
            Nexthop nh = entries[i];
            if (nh == null) {
                continue;
            }
            long e = (long) i * ENTRY_BYTES;
            int flags = FLAG_PRESENT | (nh.alive() ? FLAG_ALIVE : 0) | (nh.resolved() ? FLAG_RESOLVED : 0);
            segment.set(ValueLayout.JAVA_LONG, e + PORT, portAndFlags(nh.port(), flags));
            segment.set(ValueLayout.JAVA_INT, e + MTU, nh.mtu());
            for (int b = 0; b < 6; b++) {
                segment.set(ValueLayout.JAVA_BYTE, e + MACS + b, (byte) (nh.dstMac() >>> (40 - 8 * b)));
                segment.set(ValueLayout.JAVA_BYTE, e + MACS + 6 + b, (byte) (nh.srcMac() >>> (40 - 8 * b)));
            }
        }
    }

    public static NexthopTable empty() {
        return EMPTY;
    }

    /** A new version with {@code changes} applied (null value = remove), sized to the highest slot in use. */
    NexthopTable with(Map<Integer, Nexthop> changes) {
        return new NexthopTable(Slots.with(entries, changes));
    }

    /**
     * Fast path: the absolute address of a present slot's entry ({@link #portAndFlags} said
     * {@link #FLAG_PRESENT}), to read through {@link AddressSpace#ALL} while this version is reachable.
     */
    public long entryAddress(int index) {
        return address + (long) index * ENTRY_BYTES;
    }

    /** Number of slots this version covers; slots at or past it are absent. */
    public int size() {
        return entries.length;
    }

    /** Control path: the nexthop in a slot, or null. */
    public Nexthop get(int index) {
        return index >= 0 && index < entries.length ? entries[index] : null;
    }

    /** Port and flags share one 8-byte word, so the fast path reads both with one load. */
    private static long portAndFlags(int port, int flags) {
        return (long) flags << 32 | (port & 0xffffffffL);
    }

    /**
     * Fast path: a slot's port (low 32 bits) and flags (high 32 bits) in one read; 0 (no
     * {@link #FLAG_PRESENT}) when the slot is absent.
     */
    public long portAndFlags(int index) {
        return index >= 0 && index < entries.length ? AddressSpace.ALL.get(ValueLayout.JAVA_LONG, entryAddress(index) + PORT) : 0;
    }

    /** The flag word of a slot (0 when absent). */
    public int flags(int index) {
        return (int) (portAndFlags(index) >>> 32);
    }

    public int port(int index) {
        return (int) portAndFlags(index);
    }

    /** Fast path: a slot's MTU, 0 when the slot is absent. */
    public int mtu(int index) {
        return index >= 0 && index < entries.length ? AddressSpace.ALL.get(ValueLayout.JAVA_INT, entryAddress(index) + MTU) : 0;
    }
}
