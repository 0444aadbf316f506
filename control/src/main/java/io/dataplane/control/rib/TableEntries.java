package io.dataplane.control.rib;

import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Entries of the RIB that the forwarding tables mirror (nexthop slots, group slots, routes).
 * The first write of a key in a transaction remembers what the published tables hold for it, so
 * the transaction's table change is the difference, however many times the transaction rewrote
 * the entry, and a rollback restores exactly that. That memory lives in the entry's own cell, and
 * the cells a transaction wrote are listed in order: a full table's transaction writes a million
 * keys, and a second map of them (with its growth and its walk) was a third of a batch's time.
 *
 * @param <V> the RIB's value; {@code published} maps it to what the tables hold (two values that
 *            map to equal table contents are no change)
 */
final class TableEntries<K, V> {
    private final Function<V, Object> published;
    /** Every key with a value, and the keys the open transaction removed (value null) until it ends. */
    private final Map<K, Cell<K, V>> entries = new HashMap<>();
    /** The cells the open transaction wrote, each once, in the order of their first write. */
    private List<Cell<K, V>> touched = new ArrayList<>();
    /** Keys with a value. */
    private int size;

    /** One key's value, and while a transaction has written it, what the tables held for it before (null = absent). */
    private static final class Cell<K, V> {
        final K key;
        V value;
        V was;
        boolean touched;

        Cell(K key) {
            this.key = key;
        }
    }

    TableEntries(Function<V, Object> published) {
        this.published = published;
    }

    V get(K key) {
        Cell<K, V> c = cell(key);
        return c == null ? null : c.value;
    }

    /**
     * The key's cell, or null. A route command looks its prefix up three or four times before it
     * writes it, and in a table of a million entries each lookup is a cache miss, so the last one
     * is remembered (the same key instance only) and {@link #put} starts from it.
     */
    private Cell<K, V> cell(K key) {
        if (key != null && key == lastKey) {
            return lastCell;
        }
        Cell<K, V> c = entries.get(key);
        lastKey = key;
        lastCell = c;
        return c;
    }

    /** The key {@link #cell} looked up last, and its cell (null: absent); a cell removed from {@link #entries} is forgotten. */
    private K lastKey;
    private Cell<K, V> lastCell;

    private void forget() {
        lastKey = null;
        lastCell = null;
    }

    /**
     * Sets the entry; null removes it. Not journalled step by step: {@link #rollback} restores
     * what the cells remember, one lookup per write (a full table loads a million keys in one
     * transaction).
     */
    void put(K key, V value) {
        Cell<K, V> c = cell(key);
        if (c == null) {
            if (value == null) {
                return; // absent stays absent: nothing to remember
            }
            c = new Cell<>(key);
            entries.put(key, c);
            lastCell = c;
        }
        if (!c.touched) {
            c.touched = true;
            c.was = c.value;
            touched.add(c);
        }
        size += (value == null ? 0 : 1) - (c.value == null ? 0 : 1);
        c.value = value;
    }

    /** Undoes the open transaction's writes: every key it wrote gets back its value from before it. */
    void rollback() {
        forget();
        for (Cell<K, V> c : touched) {
            size += (c.was == null ? 0 : 1) - (c.value == null ? 0 : 1);
            c.value = c.was;
        }
        endTransaction();
    }

    int size() {
        return size;
    }

    /** The values, as an unmodifiable view. */
    Collection<V> values() {
        return new AbstractCollection<>() {
            @Override
            public Iterator<V> iterator() {
                Iterator<Cell<K, V>> cells = entries.values().iterator();
                return new Iterator<>() {
                    private V next = advance();

                    private V advance() {
                        while (cells.hasNext()) {
                            V v = cells.next().value;
                            if (v != null) {
                                return v;
                            }
                        }
                        return null;
                    }

                    @Override
                    public boolean hasNext() {
                        return next != null;
                    }

                    @Override
                    public V next() {
                        if (next == null) {
                            throw new NoSuchElementException();
                        }
                        V v = next;
                        next = advance();
                        return v;
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /** Every entry with a value; {@code action} may {@link #put} (not add) keys meanwhile. */
    void forEach(BiConsumer<K, V> action) {
        entries.forEach((key, c) -> {
            if (c.value != null) {
                action.accept(key, c.value);
            }
        });
    }

    /** What the open transaction changed in the tables: entries to set and keys to remove. */
    void changes(BiConsumer<K, V> set, Consumer<K> removed) {
        for (Cell<K, V> c : touched) {
            V was = c.was;
            V now = c.value;
            if (now == null) {
                if (was != null) {
                    removed.accept(c.key);
                }
            } else if (was == null || !Objects.equals(published.apply(now), published.apply(was))) {
                set.accept(c.key, now);
            }
        }
    }

    /** The transaction ended (committed or rolled back): the tables now hold what the entries say. */
    void endTransaction() {
        forget();
        for (Cell<K, V> c : touched) {
            c.touched = false;
            c.was = null;
            if (c.value == null) {
                entries.remove(c.key);
            }
        }
        // a list that held a full table's transaction is dropped, not kept at a million slots
        if (touched.size() > SMALL_TRANSACTION) {
            touched = new ArrayList<>();
        } else {
            touched.clear();
        }
    }

    private static final int SMALL_TRANSACTION = 1024;
}
