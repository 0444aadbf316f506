package io.dataplane.control.rib;

import java.util.ArrayDeque;
import java.util.Map;

/**
 * Undo log of the open transaction (one command, or a batch). Every RIB mutation registers how to
 * reverse it, so that a failure anywhere in a command or batch restores the RIB exactly, without
 * copying a RIB of a million routes up front. The tables' entries ({@link TableEntries}) and the
 * shared slots' counts ({@link GatewaySlots}, {@link SharedGroups}) register once per key per
 * transaction instead, what it was before: a full table would otherwise be millions of steps.
 */
final class Journal {
    private final ArrayDeque<Runnable> undo = new ArrayDeque<>();
    private long transaction;

    /** The open transaction's number: state that journals itself once per transaction compares it. */
    long transaction() {
        return transaction;
    }

    void undo(Runnable action) {
        undo.push(action);
    }

    /** {@code map.put(key, value)}, or {@code map.remove(key)} when value is null, journalled; the value it replaced. */
    <K, V> V put(Map<K, V> map, K key, V value) {
        V prev = value == null ? map.remove(key) : map.put(key, value);
        undo(() -> {
            if (prev == null) {
                map.remove(key);
            } else {
                map.put(key, prev);
            }
        });
        return prev;
    }

    void rollback() {
        while (!undo.isEmpty()) {
            undo.pop().run();
        }
    }

    void forget() {
        undo.clear();
        transaction++;
    }
}
