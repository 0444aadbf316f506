package io.dataplane.control.rib;

import java.util.ArrayDeque;

/**
 * Undo log of the open transaction (one command, or a batch). Every RIB mutation registers how to
 * reverse it, so that a failure anywhere in a command or batch restores the RIB exactly, without
 * copying a RIB of a million routes up front.
 */
final class Journal {
    private final ArrayDeque<Runnable> undo = new ArrayDeque<>();

    void undo(Runnable action) {
        undo.push(action);
    }

    void rollback() {
        while (!undo.isEmpty()) {
            undo.pop().run();
        }
    }

    void forget() {
        undo.clear();
    }

    boolean isEmpty() {
        return undo.isEmpty();
    }
}
