package io.dataplane.control.rib;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Entries of the RIB that the forwarding tables mirror (nexthop slots, group slots, routes).
 * The first write of a key in a transaction remembers what the published tables hold for it, so
 * the transaction's table change is the difference, however many times the transaction rewrote
 * the entry, and a rollback restores exactly that.
 *
 * @param <V> the RIB's value; {@code published} maps it to what the tables hold (two values that
 *            map to equal table contents are no change)
 */
final class TableEntries<K, V> {
    private final Function<V, Object> published;
    private final Map<K, V> entries = new HashMap<>();
    /** The keys the open transaction wrote: what the tables held for each before it, and what it holds now. */
    private Map<K, Touched<V>> before = new HashMap<>();

    /** One key the open transaction wrote (null = absent). A rollback ends the transaction, so {@code now} is never undone. */
    private static final class Touched<V> {
        final V was;
        V now;

        Touched(V was) {
            this.was = was;
        }
    }

    TableEntries(Function<V, Object> published) {
        this.published = published;
    }

    V get(K key) {
        // A route command looks its prefix up three or four times before it writes it: in a table
        // of a million entries each lookup is a cache miss, so the last one is remembered (every
        // write forgets it).
        if (key != null && key == lastKey) {
            return lastValue;
        }
        V v = entries.get(key);
        lastKey = key;
        lastValue = v;
        return v;
    }

    /** The key {@link #get} looked up last (the same instance only), and what it found. */
    private K lastKey;
    private V lastValue;

    private void forget() {
        lastKey = null;
        lastValue = null;
    }

    /**
     * Sets the entry; null removes it. Not journalled step by step: {@link #rollback} restores
     * what {@code before} remembers, one lookup in each map per write (a full table loads a
     * million keys in one transaction).
     */
    void put(K key, V value) {
        forget();
        V prev = value == null ? entries.remove(key) : entries.put(key, value);
        before.computeIfAbsent(key, k -> new Touched<>(prev)).now = value;
    }

    /** Undoes the open transaction's writes: every key it wrote gets back its value from before it. */
    void rollback() {
        forget();
        before.forEach((key, touched) -> {
            if (touched.was == null) {
                entries.remove(key);
            } else {
                entries.put(key, touched.was);
            }
        });
    }

    int size() {
        return entries.size();
    }

    Collection<V> values() {
        forget(); // a caller could remove through the view
        return entries.values();
    }

    void forEach(BiConsumer<K, V> action) {
        entries.forEach(action);
    }

    /** What the open transaction changed in the tables: entries to set and keys to remove. */
    void changes(BiConsumer<K, V> set, Consumer<K> removed) {
        before.forEach((key, touched) -> {
            V was = touched.was;
            V now = touched.now;
            if (now == null) {
                if (was != null) {
                    removed.accept(key);
                }
            } else if (was == null || !Objects.equals(published.apply(now), published.apply(was))) {
                set.accept(key, now);
            }
        });
    }

    /** The transaction ended (committed or rolled back): the tables now hold what the entries say. */
    void endTransaction() {
        // HashMap.clear() clears the whole table: after a full table loaded in one transaction,
        // every later one-route transaction would clear a million slots. A big map is dropped.
        if (before.size() > SMALL_TRANSACTION) {
            before = new HashMap<>();
        } else {
            before.clear();
        }
    }

    private static final int SMALL_TRANSACTION = 1024;
}
