package io.dataplane.control.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grammar's keywords per context, in iproute2's order, and its abbreviation rule: a token
 * means the first keyword of its context that it is a prefix of ({@code matches()} in iproute2's
 * {@code lib/utils.c}, tried in the order of {@code ip/ip.c}'s command table and each
 * {@code do_ip*} function), so {@code ip r} is route and not rule, {@code r s} is route show.
 * A whole keyword always means itself; a few short forms are exact only ({@code chg}, {@code nh}).
 *
 * <p>The parser resolves tokens here before it switches on them, and the bash completion
 * ({@link Completion}) is generated from the same tables, so the two cannot drift. A token no
 * keyword starts with is returned unchanged, so a switch case for a word not listed here still
 * sees its word.
 */
public final class Keywords {

    /** One keyword: what the operator may abbreviate ({@code word}) and what it means to the parser. */
    public record Word(String word, String meaning, boolean exactOnly) {
    }

    /** The keywords of one context (an object, a verb's arguments), in precedence order. */
    public static final class Context {
        private final String name;
        private final List<Word> words = new ArrayList<>();

        private Context(String name) {
            this.name = name;
        }

        /** Adds keywords that mean themselves, abbreviable. */
        Context words(String... ws) {
            for (String w : ws) {
                words.add(new Word(w, w, false));
            }
            return this;
        }

        /** Adds {@code word}, abbreviable, meaning {@code meaning}. */
        Context alias(String word, String meaning) {
            words.add(new Word(word, meaning, false));
            return this;
        }

        /** Adds {@code word}, only as typed in full, meaning {@code meaning}. */
        Context exact(String word, String meaning) {
            words.add(new Word(word, meaning, true));
            return this;
        }

        public String name() {
            return name;
        }

        public List<Word> words() {
            return List.copyOf(words);
        }

        /**
         * What {@code token} means here: the meaning of the keyword it spells in full, else of the
         * first abbreviable keyword it is a prefix of; the token itself when none fits.
         */
        public String resolve(String token) {
            if (token == null || token.isEmpty()) {
                return token;
            }
            for (Word w : words) {
                if (w.word.equals(token)) {
                    return w.meaning;
                }
            }
            for (Word w : words) {
                if (!w.exactOnly && w.word.startsWith(token)) {
                    return w.meaning;
                }
            }
            return token;
        }

        /** Whether some keyword here means {@code meaning}. */
        public boolean knows(String meaning) {
            return words.stream().anyMatch(w -> w.meaning.equals(meaning));
        }

        /** The distinct spelled-out keywords (what completion offers), in order. */
        public List<String> spellings() {
            List<String> out = new ArrayList<>();
            for (Word w : words) {
                if (!w.exactOnly && !out.contains(w.word)) {
                    out.add(w.word);
                }
            }
            return out;
        }
    }

    private static final Map<String, Context> CONTEXTS = new LinkedHashMap<>();

    private static Context context(String name) {
        Context c = new Context(name);
        CONTEXTS.put(name, c);
        return c;
    }

    /** Every context by name, in the order they are defined (for completion and tests). */
    public static Map<String, Context> all() {
        return java.util.Collections.unmodifiableMap(CONTEXTS);
    }

    /**
     * The objects: ip/ip.c's table in its order (those dpctl does not have included, so that
     * their abbreviations still mean what they mean to ip and get a message that says so), then
     * dpctl's own objects.
     */
    public static final Context OBJECTS = context("object")
            .words("address", "addrlabel", "maddress", "route", "rule")
            .alias("neighbor", "neigh").alias("neighbour", "neigh")
            .words("ntable", "ntbl", "link", "l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token",
                    "tcpmetrics", "tcp_metrics", "monitor", "xfrm", "mroute", "mrule", "netns", "netconf", "vrf", "sr", "nexthop",
                    "mptcp", "ioam", "help", "stats")
            .exact("neigh", "neigh").exact("nh", "nexthop")
            .words("set", "show", "batch", "status", "metrics", "rib", "fpm");

    /**
     * The global options, ip/ip.c's main() order ({@code -b} is -batch, {@code -br} -brief,
     * {@code -s} -stats); {@code -4}, {@code -6}, {@code -0} are exact there too.
     */
    public static final Context OPTIONS = context("option")
            .words("-loops", "-family").exact("-4", "-4").exact("-6", "-6").exact("-0", "-0").exact("-M", "-M").exact("-B", "-B")
            .words("-human", "-human-readable", "-iec").alias("-stats", "-stats").alias("-statistics", "-stats")
            .words("-details", "-resolve", "-oneline", "-timestamp", "-tshort", "-Version", "-force", "-batch", "-brief",
                    "-json", "-pretty", "-rcvbuf", "-color", "-help", "-netns", "-Numeric", "-all").exact("-echo", "-echo");

    /** The ip objects dpctl does not implement (resolved by {@link #OBJECTS} so that their abbreviations stay ip's). */
    public static final List<String> IP_ONLY_OBJECTS = List.of("address", "addrlabel", "maddress", "rule", "ntable", "ntbl",
            "l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics", "tcp_metrics", "xfrm",
            "mroute", "mrule", "netns", "netconf", "vrf", "sr", "mptcp", "ioam");

    /** {@code ip route} verbs, do_iproute's order. */
    public static final Context ROUTE_VERBS = context("route")
            .words("add", "change").exact("chg", "change")
            .words("replace", "prepend", "append", "test").alias("delete", "del")
            .alias("list", "show").words("show").alias("lst", "show")
            .words("get", "flush", "save", "restore", "showdump", "help");

    /** {@code ip nexthop} verbs, do_ipnh's order. */
    public static final Context NEXTHOP_VERBS = context("nexthop")
            .words("add", "replace").alias("delete", "del")
            .alias("list", "show").words("show").alias("lst", "show")
            .words("get", "flush", "bucket", "help");

    /** {@code ip neigh} verbs, do_ipneigh's order. */
    public static final Context NEIGH_VERBS = context("neigh")
            .words("add", "change").exact("chg", "change")
            .words("replace").alias("delete", "del").words("get", "show")
            .alias("lst", "show").alias("list", "show")
            .words("flush", "help");

    /** {@code ip link} verbs, do_iplink's order. */
    public static final Context LINK_VERBS = context("link")
            .words("add", "set").alias("change", "set").words("replace").alias("delete", "del").words("show")
            .alias("lst", "show").alias("list", "show").words("xstats", "afstats", "property", "help");

    /** The selectors of {@code ip route show|flush}, iproute_list_flush_or_save's order and rule (dev, via exact). */
    public static final Context ROUTE_SELECTORS = context("route show")
            .words("table", "vrf", "cached", "cloned").exact("tos", "tos").alias("dsfield", "tos")
            .words("protocol", "scope", "type").exact("dev", "dev").exact("oif", "dev").exact("iif", "iif").exact("mark", "mark")
            .alias("metric", "metric").alias("priority", "metric").exact("preference", "metric")
            .exact("via", "via").exact("src", "src").words("realms", "from", "to", "root", "match", "exact");

    /** The arguments of {@code ip route get}. */
    public static final Context ROUTE_GET_ARGUMENTS = context("route get")
            .words("from", "iif").exact("oif", "oif").words("ipproto", "sport", "dport", "flowlabel");

    /** The objects of {@code ip monitor}, ipmonitor.c's order (those dpctl cannot monitor included, for the message). */
    public static final Context MONITOR_OBJECTS = context("monitor")
            .words("link", "address", "route", "mroute", "prefix", "neigh", "netconf", "rule", "nsid", "nexthop", "stats", "all");

    /** dpctl's {@code show} objects. */
    public static final Context SHOW_OBJECTS = context("show").words("hash", "running-config");

    /** dpctl's {@code set} objects. */
    public static final Context SET_OBJECTS = context("set").words("hash-seed", "hash-function", "hash-policy", "hash-fields");

    /** dpctl's {@code stats} sections. */
    public static final Context STATS_SECTIONS = context("stats").words("ports", "drops", "nexthops", "workers");

    /** dpctl's {@code batch} verbs. */
    public static final Context BATCH_VERBS = context("batch").words("begin", "commit", "abort");

    /** dpctl's {@code port} verbs (the daemon's port grammar resolves them here too). */
    public static final Context PORT_VERBS = context("port").words("add", "del").alias("delete", "del");

    /** The options of {@code port add dev NAME}, the common ones first (so {@code m} is mode). */
    public static final Context PORT_ADD_OPTIONS = context("port add")
            .words("type", "queues", "mode", "xdp-mode", "cpu", "idle", "sched", "mtu", "address", "vdev", "pci", "rx-ring",
                    "tx-ring", "mbufs", "burst");

    private Keywords() {
    }
}
