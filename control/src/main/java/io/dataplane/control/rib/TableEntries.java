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
 * Writes are journalled; the first write of a key in a transaction remembers what the published
 * tables hold for it, so the transaction's table change is the difference, however many times the
 * transaction rewrote the entry.
 *
 * @param <V> the RIB's value; {@code published} maps it to what the tables hold (two values that
 *            map to equal table contents are no change)
 */
final class TableEntries<K, V> {
    private final Journal journal;
    private final Function<V, Object> published;
    private final Map<K, V> entries = new HashMap<>();
    /** Value before the open transaction first wrote the key (null = absent). */
    private final Map<K, V> before = new HashMap<>();

    TableEntries(Journal journal, Function<V, Object> published) {
        this.journal = journal;
        this.published = published;
    }

    V get(K key) {
        return entries.get(key);
    }

    /** Sets the entry; null removes it. */
    void put(K key, V value) {
        if (!before.containsKey(key)) {
            before.put(key, entries.get(key));
        }
        journal.put(entries, key, value);
    }

    int size() {
        return entries.size();
    }

    Collection<V> values() {
        return entries.values();
    }

    void forEach(BiConsumer<K, V> action) {
        entries.forEach(action);
    }

    /** What the open transaction changed in the tables: entries to set and keys to remove. */
    void changes(BiConsumer<K, V> set, Consumer<K> removed) {
        before.forEach((key, was) -> {
            V now = entries.get(key);
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
        before.clear();
    }
}
