package io.dataplane.control.fuzz;

import java.math.BigInteger;
import java.util.List;

/**
 * The commands the fuzzer sends, as the model understands them: what an operator means, before
 * it is spelled out (abbreviated, reordered) by {@link CommandWriter}.
 */
sealed interface ModelCommand {

    /** An address or prefix: {@code addr} is its canonical text (as ip prints it), {@code value} its bits. */
    record Net(boolean v6, BigInteger value, int len, String addr) {
        int bits() {
            return v6 ? 128 : 32;
        }

        /** As ip prints a destination: default, a host without its length, else ADDR/LEN. */
        String shown() {
            return len == 0 ? "default" : len == bits() ? addr : addr + "/" + len;
        }

        /** Whether {@code a} (a host) is inside this prefix. */
        boolean contains(Net a) {
            return a.v6 == v6 && masked(a.value, len, bits()).equals(value);
        }

        static BigInteger masked(BigInteger v, int len, int bits) {
            BigInteger all = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
            BigInteger host = BigInteger.ONE.shiftLeft(bits - len).subtract(BigInteger.ONE);
            return v.and(all.xor(host));
        }
    }

    /** A gateway: {@code via} (canonical text) on port {@code dev}. */
    record Gw(String via, boolean v6, String dev) {
    }

    record Hop(Gw gw, int weight) {
    }

    /** What a route points at. */
    sealed interface Target {
    }

    /** blackhole, unreachable, prohibit or throw. */
    record TypeRoute(String type) implements Target {
    }

    /** One or more gateways; {@code nexthopForm}: written as 'nexthop via ...' clauses; mpalgo null when not given. */
    record Gateways(List<Hop> hops, String mpalgo, boolean nexthopForm) implements Target {
    }

    record Nhid(int id) implements Target {
    }

    /** {@code route add|replace|change|append|prepend PREFIX TARGET [proto P]}; proto null when not given. */
    record RouteSet(String verb, Net prefix, Target target, String proto) implements ModelCommand {
    }

    /** {@code route del PREFIX [SPEC]}. */
    record RouteDel(Net prefix, Target spec) implements ModelCommand {
    }

    /**
     * ip's route selectors: {@code how} root, match, exact or "" (a bare prefix: exact) with {@code
     * prefix}, or null for none; {@code family} 0, 4 or 6; {@code proto}, {@code type}, {@code
     * dev}, {@code via} null when not given.
     */
    record Selector(String how, Net prefix, int family, String proto, String type, String dev, String via) {
        static final Selector ALL = new Selector(null, null, 0, null, null, null, null);
    }

    /** {@code route flush SELECTOR} (never ALL: the generator always gives one). */
    record RouteFlush(Selector selector) implements ModelCommand {
    }

    record Member(int id, int weight) {
    }

    /** The arguments after {@code type resilient}; null fields were not given. */
    record Resilient(Integer buckets, Long idle, Long unbalanced) {
    }

    /** {@code nexthop add|replace id ID via ADDR dev PORT}. */
    record NexthopGateway(String verb, int id, Gw gw) implements ModelCommand {
    }

    /** {@code nexthop add|replace id ID group ... [type resilient ...] [mpalgo A]}. */
    record NexthopGroup(String verb, int id, List<Member> members, String mpalgo, Resilient resilient) implements ModelCommand {
    }

    record NexthopDel(int id) implements ModelCommand {
    }

    /** {@code neigh add|replace|change ADDR lladdr MAC dev PORT}. */
    record NeighSet(String verb, String addr, String mac, String dev) implements ModelCommand {
    }

    record NeighDel(String addr, String dev) implements ModelCommand {
    }

    record LinkSet(String dev, boolean up) implements ModelCommand {
    }

    record HashSeed(long seed) implements ModelCommand {
    }

    /** {@code set hash-function kernel|jenkins}. */
    record HashFunction(boolean kernel) implements ModelCommand {
    }

    /** {@code set hash-policy ipv4|ipv6 N}. */
    record HashPolicy(boolean v6, int policy) implements ModelCommand {
    }

    /** {@code set hash-fields ipv4|ipv6 FIELD,...} (ip-sysctl.rst's names). */
    record HashFields(boolean v6, List<String> fields) implements ModelCommand {
    }

    /** A line the model knows to be wrong whatever the state (bad syntax, out of range): it must be refused. */
    record Malformed(String line, String why) implements ModelCommand {
    }
}
